import { createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ChangeGeneration } from '../ports/change-generation.js';
import { nowSeconds } from '../ports/clock.js';
import type { SigningKeyRecord, SigningKeyStore } from '../ports/keys.js';
import { unavailableReason } from '../ports/storage-errors.js';
import type { KeyInfo } from './key-info.js';
import { MasterKeyMismatchError } from './master-key.js';
import { seal, unseal } from './sealed-box.js';

/** ES256 signs access tokens; RS256 is OpenID Connect's mandatory id_token algorithm. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const isSigningAlgorithm = (alg: string): alg is SigningAlgorithm => (SIGNING_ALGORITHMS as readonly string[]).includes(alg);

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKey: KeyObject;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

interface LoadedKeys {
  generation: number;
  /** Date.now() when the rows were read: how stale this set is while the store cannot be asked again. */
  loadedAt: number;
  rows: SigningKeyRecord[];
  signing: Map<SigningAlgorithm, SigningKey>;
  verification: Map<string, VerificationKey>;
  jwks: { keys: PublicJwk[] };
  /** Earliest moment a retired key leaves the JWKS, when the set must be reloaded even without a change. */
  nextExpiry: number;
}

const generatePair = promisify(generateKeyPair);

/**
 * How long the loaded set is trusted without any change announced: a backstop, as the record caches have, for a
 * notification that never came (an instance whose listening connection died unnoticed would otherwise never verify
 * the tokens of a key another instance rotated to).
 */
export const KEYS_MAX_AGE_MS = 60_000;

/**
 * A new key pair, generated on the thread pool. Not generateKeyPairSync: on Node 20.20 a process making EC keys with it
 * (and exporting them as JWKs) hangs for good after a few thousand, when a garbage collection comes at the wrong
 * moment; the asynchronous form does not, and an RSA key's ~100 ms no longer blocks every other request either.
 */
async function generate(alg: SigningAlgorithm): Promise<{ publicJwk: JsonWebKey; privateJwk: JsonWebKey }> {
  const pair = alg === 'ES256' ? await generatePair('ec', { namedCurve: 'P-256' }) : await generatePair('rsa', { modulusLength: 2048 });
  return { publicJwk: pair.publicKey.export({ format: 'jwk' }), privateJwk: pair.privateKey.export({ format: 'jwk' }) };
}

/**
 * Signing keys: created on first start, sealed at rest with the master key, rotated on demand. A retired key's
 * public part stays in the JWKS until every token it signed has expired. The loaded set follows the store's change
 * generation, so a rotation by the CLI or another process is picked up on the next request.
 */
export class KeyStore {
  private loaded: LoadedKeys | undefined;
  /**
   * The read under way and the generation it began at. Only requests at that same generation share it: a request
   * after a change was announced (a rotation by another instance) must not get rows read before that change.
   */
  private loading: { generation: number; keys: Promise<LoadedKeys> } | undefined;
  /** Private keys never change under a kid, so each is unsealed once per process. */
  private readonly unsealed = new Map<string, KeyObject>();
  /** Nor do public ones (a kid is the key's thumbprint): a reload after a change elsewhere imports none again. */
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly repository: SigningKeyStore,
    /** The store's change counter: a rotation anywhere moves it, and the next request reloads the keys. */
    private readonly changes: ChangeGeneration,
    private readonly masterKey: Buffer,
    /** Longest lifetime of anything signed, so a retired key is published for at least that long. */
    private readonly maxSignedLifetime: () => Promise<number>,
    /** While the store is unavailable, keys read at most this long ago keep signing and stay published. */
    private readonly staleIfUnavailableMs: number,
    private readonly maxAgeMs = KEYS_MAX_AGE_MS,
  ) {}

  /**
   * Creates the first key of each of `algorithms` where there is none, then opens every active one. Safe to run from
   * several processes at once. Opening them here turns a wrong GATEHOUSE_SECRET or a foreign master.key into a
   * refusal to start, instead of a server whose every token request and JWKS answer fails.
   */
  async ensureKeys(algorithms: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS): Promise<void> {
    const rows = await this.repository.listPublishable(nowSeconds());
    for (const alg of algorithms) {
      if (!rows.some((row) => row.alg === alg && row.status === 'active')) {
        await this.repository.addFirst(await this.newKey(alg));
      }
    }
    this.loaded = undefined;
    await this.current();
  }

  /** Retires the active key of each algorithm and activates a new one; returns the new kids. */
  async rotate(algorithms: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS): Promise<{ alg: string; kid: string; retired?: string }[]> {
    const publishUntil = nowSeconds() + (await this.maxSignedLifetime());
    const rotated = [];
    for (const alg of algorithms) {
      const key = await this.newKey(alg);
      const retired = await this.repository.rotate(key, publishUntil);
      rotated.push({ alg, kid: key.kid, ...(retired ? { retired } : {}) });
    }
    this.loaded = undefined;
    return rotated;
  }

  /**
   * The active key of `alg`. A tenant starts with an ES256 key only (an RSA key takes a few hundred milliseconds to
   * make): the first key of another algorithm is made when the tenant first signs with it, by whichever process
   * gets there first (ensureKeys is safe to race).
   */
  async signingKey(alg: SigningAlgorithm): Promise<SigningKey> {
    const key = (await this.current()).signing.get(alg);
    if (key) return key;
    await this.ensureKeys([alg]);
    const made = (await this.current()).signing.get(alg);
    if (!made) throw new Error(`no active ${alg} signing key could be made`);
    return made;
  }

  async verificationKey(kid: string): Promise<VerificationKey | undefined> {
    return (await this.current()).verification.get(kid);
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return (await this.current()).jwks;
  }

  async list(): Promise<KeyInfo[]> {
    const now = nowSeconds();
    return (await this.repository.listAll()).map((row) => ({
      kid: row.kid,
      alg: row.alg,
      status: row.status === 'retired' && row.publishUntil !== null && row.publishUntil <= now ? 'expired' : row.status,
      created_at: row.createdAt,
      retired_at: row.retiredAt,
      publish_until: row.publishUntil,
    }));
  }

  private async newKey(alg: SigningAlgorithm) {
    const { publicJwk, privateJwk } = await generate(alg);
    const kid = await calculateJwkThumbprint(publicJwk as JWK);
    return { kid, alg, publicJwk: JSON.stringify(publicJwk), privateJwkSealed: seal(this.masterKey, JSON.stringify(privateJwk), kid) };
  }

  private async current(): Promise<LoadedKeys> {
    const generation = this.changes.generation();
    const loaded = this.loaded;
    if (loaded && loaded.generation === generation && nowSeconds() < loaded.nextExpiry && Date.now() - loaded.loadedAt < this.maxAgeMs)
      return loaded;
    // Concurrent requests share one reload instead of each querying the store.
    if (this.loading?.generation === generation) return this.loading.keys;
    const keys: Promise<LoadedKeys> = this.load(generation)
      .catch((error: unknown) => this.stale(loaded, error))
      .finally(() => {
        if (this.loading?.keys === keys) this.loading = undefined;
      });
    this.loading = { generation, keys };
    return keys;
  }

  /**
   * Reads the keys again. On SQLite every commit anywhere (a code issued) moves the generation, so this runs often:
   * the private parts of keys whose publication ended are destroyed only when one can have ended since the last
   * load — the first load, a retired key's publication over, or another set of keys (a rotation elsewhere).
   */
  private async load(generation: number): Promise<LoadedKeys> {
    const now = nowSeconds();
    const previous = this.loaded;
    const rows = await this.repository.listPublishable(now);
    const kids = (set: readonly SigningKeyRecord[]) => set.map((row) => `${row.kid}/${row.status}`).join(' ');
    if (!previous || now >= previous.nextExpiry || kids(previous.rows) !== kids(rows))
      await this.repository.destroyExpiredPrivateParts(now);
    const loaded = this.assemble(generation, Date.now(), rows);
    this.loaded = loaded;
    return loaded;
  }

  /**
   * The keys last read, while the store is unavailable and they are younger than the staleness bound: tokens keep
   * being signed and verified, and the JWKS served, through an outage. A rotation made elsewhere meanwhile is
   * missed for at most that long, which is harmless (the old key stays published for every token's lifetime).
   * A retired key whose publication ended in the meantime is dropped as the store would have dropped it.
   */
  private stale(loaded: LoadedKeys | undefined, error: unknown): LoadedKeys {
    if (!loaded || unavailableReason(error) === undefined || Date.now() - loaded.loadedAt >= this.staleIfUnavailableMs) throw error;
    return nowSeconds() < loaded.nextExpiry ? loaded : this.assemble(loaded.generation, loaded.loadedAt, loaded.rows);
  }

  private assemble(generation: number, loadedAt: number, publishable: SigningKeyRecord[]): LoadedKeys {
    const now = nowSeconds();
    const rows = publishable.filter((row) => row.status === 'active' || (row.publishUntil !== null && row.publishUntil > now));
    const signing = new Map<SigningAlgorithm, SigningKey>();
    const verification = new Map<string, VerificationKey>();
    const keys: PublicJwk[] = [];
    let nextExpiry = Number.MAX_SAFE_INTEGER;
    for (const row of rows) {
      if (!isSigningAlgorithm(row.alg)) continue;
      const publicJwk = JSON.parse(row.publicJwk) as JsonWebKey;
      verification.set(row.kid, { kid: row.kid, alg: row.alg, publicKey: this.publicKey(row.kid, publicJwk) });
      keys.push({ ...(publicJwk as JWK), kid: row.kid, alg: row.alg, use: 'sig' });
      if (row.status === 'active') signing.set(row.alg, { kid: row.kid, alg: row.alg, privateKey: this.privateKey(row) });
      if (row.publishUntil !== null) nextExpiry = Math.min(nextExpiry, row.publishUntil);
    }
    return { generation, loadedAt, rows, signing, verification, jwks: { keys }, nextExpiry };
  }

  private publicKey(kid: string, jwk: JsonWebKey): KeyObject {
    let key = this.publicKeys.get(kid);
    if (!key) {
      key = createPublicKey({ key: jwk, format: 'jwk' });
      this.publicKeys.set(kid, key);
    }
    return key;
  }

  private privateKey(row: SigningKeyRecord): KeyObject {
    const cached = this.unsealed.get(row.kid);
    if (cached) return cached;
    if (!row.privateJwkSealed) throw new Error(`active signing key ${row.kid} has no private part`);
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(unseal(this.masterKey, row.privateJwkSealed, row.kid)) as JsonWebKey;
    } catch {
      throw new MasterKeyMismatchError(`the active ${row.alg} signing key ${row.kid}`);
    }
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    this.unsealed.set(row.kid, key);
    return key;
  }
}
