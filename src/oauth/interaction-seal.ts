import { hkdfSync } from 'node:crypto';
import { UnsealError, seal, unseal } from '../keys/sealed-box.js';
import { nowSeconds } from '../store/json-list.js';

/** An authorization request waiting for the user to sign in and consent. */
export interface Interaction<Request> {
  id: string;
  request: Request;
  createdAt: number;
  expiresAt: number;
  /** The session signed in within this interaction: it satisfies prompt=login and max_age, once. */
  sessionId: string | null;
}

type SealedContent<Request> = Omit<Interaction<Request>, 'id'>;

/**
 * Pending interactions travel sealed in the browser that started them instead of in the store, so an unauthenticated
 * request costs the store nothing. AES-256-GCM (src/keys/sealed-box.ts) under a key of their own, derived from the
 * master key; the interaction id and the browser id are its associated data, so a value opens only under its own
 * id, only in the browser it was issued to, and only until it expires. Several processes sharing the master key
 * open each other's values.
 */
export class InteractionSeal<Request> {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, 'gatehouse', 'interactions/v1', 32));
  }

  seal(interaction: Interaction<Request>, browserId: string): string {
    const { id, ...content } = interaction;
    return seal(this.key, JSON.stringify(content satisfies SealedContent<Request>), associatedData(id, browserId));
  }

  /** The interaction, when `value` was sealed here for this id and browser and has not expired. */
  open(id: string, value: string, browserId: string, now = nowSeconds()): Interaction<Request> | undefined {
    let content: SealedContent<Request>;
    try {
      content = JSON.parse(unseal(this.key, value, associatedData(id, browserId))) as SealedContent<Request>;
    } catch (error) {
      if (error instanceof UnsealError) return undefined;
      throw error;
    }
    return content.expiresAt > now ? { id, ...content } : undefined;
  }
}

const associatedData = (id: string, browserId: string) => `interaction\n${id}\n${browserId}`;
