import type { Store } from './database.js';
import { nowSeconds } from './json-list.js';
import { deleteInBatches, inPurgeBatch } from './purge.js';

export interface Interaction<Request> {
  id: string;
  bindingHash: string;
  clientId: string;
  request: Request;
  createdAt: number;
  expiresAt: number;
  sessionId: string | null;
}

/** Authorization requests in progress: validated, waiting for the user to sign in and consent. */
export class InteractionRepository<Request> {
  constructor(private readonly store: Store) {}

  async create(interaction: Omit<Interaction<Request>, 'sessionId'>): Promise<void> {
    await this.store.db
      .insertInto('interactions')
      .values({
        id: interaction.id,
        binding_hash: interaction.bindingHash,
        client_id: interaction.clientId,
        request: JSON.stringify(interaction.request),
        created_at: interaction.createdAt,
        expires_at: interaction.expiresAt,
        session_id: null,
        consumed_at: null,
      })
      .execute();
  }

  /** A live, unfinished interaction; undefined when unknown, expired or already finished. */
  async getOpen(id: string, now = nowSeconds()): Promise<Interaction<Request> | undefined> {
    const row = await this.store.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        bindingHash: row.binding_hash,
        clientId: row.client_id,
        request: JSON.parse(row.request) as Request,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        sessionId: row.session_id,
      }
    );
  }

  /** Records that the user signed in within this interaction (so prompt=login is satisfied once). */
  async attachSession(id: string, sessionId: string): Promise<void> {
    await this.store.db.updateTable('interactions').set({ session_id: sessionId }).where('id', '=', id).execute();
  }

  /** Finishes the interaction; false when another request finished it first. */
  async consume(id: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('interactions')
      .set({ consumed_at: nowSeconds() })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Returns how many were deleted. */
  async purgeExpired(now = nowSeconds()): Promise<number> {
    const { db, dialect } = this.store;
    const expired = (limit: number) => inPurgeBatch(dialect, 'id', db.selectFrom('interactions').select('id').where('expires_at', '<', now).limit(limit));
    return deleteInBatches((limit) => db.deleteFrom('interactions').where(expired(limit)).executeTakeFirst());
  }
}
