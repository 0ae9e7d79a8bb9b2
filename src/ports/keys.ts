/**
 * Where keys/ keeps what it seals under the master key (store/signing-keys.ts, page-keys.ts, sealed-keys.ts). The
 * stores hold only sealed values: sealing and opening them is keys/'s work.
 */

/** A signing key as stored (times in epoch seconds). */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** The public JWK, as JSON. */
  publicJwk: string;
  /** The private JWK sealed under the master key; null once the key is retired past every token it signed. */
  privateJwkSealed: string | null;
  status: 'active' | 'retired';
  createdAt: number;
  retiredAt: number | null;
  /** Until when the public key stays in the JWKS: the last moment a token it signed can still be valid. */
  publishUntil: number | null;
}

export type NewSigningKey = Pick<SigningKeyRecord, 'kid' | 'alg' | 'publicJwk'> & { privateJwkSealed: string };

/** Signing keys, at most one active per algorithm (a unique index decides between processes that race). */
export interface SigningKeyStore {
  /** Keys whose public part belongs in the JWKS at `now`: the active ones and retired ones still covering tokens. */
  listPublishable(now: number): Promise<SigningKeyRecord[]>;
  /** Every key, newest first. */
  listAll(): Promise<SigningKeyRecord[]>;
  /** Adds an active key for its algorithm, or does nothing when one is there already (another process won). */
  addFirst(key: NewSigningKey): Promise<void>;
  /** Retires the active key of the algorithm (published until `publishUntil`) and activates `key`; the retired kid. */
  rotate(key: NewSigningKey, publishUntil: number): Promise<string | undefined>;
  /** Destroys the private part of every retired key that no token valid at `now` can need any more. */
  destroyExpiredPrivateParts(now: number): Promise<void>;
}

/** One of the pages' random keys, sealed under the master key. */
export interface SealedPageKey {
  name: string;
  sealed: string;
}

export interface PageKeyStore {
  list(): Promise<SealedPageKey[]>;
  /** Stores the key under its name unless one is there: of processes starting at once, the first insert wins. */
  addIfAbsent(key: SealedPageKey): Promise<void>;
}

/** A value sealed under the master key: a signing key's private part (by kid) or a page key (by name). */
export interface SealedKey {
  kind: 'signing-key' | 'page-key';
  id: string;
  sealed: string;
}

/** Everything the store keeps sealed under the master key, for sealing it again under a new one. */
export interface SealedKeyStore {
  /**
   * Gives every sealed value to `reseal` and stores what it returns in its place (undefined: left as it is), all in
   * one transaction: a failure half way leaves every value as it was. Returns how many were replaced.
   */
  resealAll(reseal: (key: SealedKey) => string | undefined): Promise<number>;
}
