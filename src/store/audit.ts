import { randomBytes } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import type { ActorType } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';
import { hasPrefix, isWordOf } from './search.js';

export interface AuditEvent {
  id: string;
  at: number;
  actor: string;
  actor_type: ActorType;
  action: string;
  target: string;
  ip: string;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'>;

/** Which events a page holds; every filter given narrows it. Times are epoch seconds: `since` ≤ at < `until`. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Every action starting with it (`client.`). */
  actionPrefix?: string;
  /** The whole target or one of its space-separated ids. */
  target?: string;
  since?: number;
  until?: number;
}

// Orders events of one process within the same millisecond.
let sequence = 0;

/** Milliseconds and a sequence number in base 36 (fixed width), then randomness: ids sort by time, never collide. */
function eventId(): string {
  sequence = (sequence + 1) % 36 ** 4;
  return Date.now().toString(36).padStart(10, '0') + sequence.toString(36).padStart(4, '0') + randomBytes(5).toString('hex');
}

/** The audit trail: administrative and security events, newest first, paged by id. */
export class AuditRepository {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {}

  async append(event: NewAuditEvent): Promise<void> {
    await this.store.db.executeQuery(this.appendStatement(event));
  }

  /** The insert of `event`, for a transaction that records a change together with the change itself. */
  appendStatement(event: NewAuditEvent): CompiledQuery {
    return this.store.db
      .insertInto('audit_events')
      .values({
        tenant_id: this.tenant,
        id: eventId(),
        at: nowSeconds(),
        actor: event.actor,
        actor_type: event.actor_type,
        action: event.action,
        target: event.target,
        ip: event.ip,
        details: JSON.stringify(event.details),
      })
      .compile();
  }

  /** Up to `limit` events older than the cursor `before` (an event id), newest first, that pass `filter`. */
  async page(limit: number, before?: string, filter: AuditFilter = {}): Promise<{ events: AuditEvent[]; next: string | null }> {
    let query = this.store.db
      .selectFrom('audit_events')
      .where('tenant_id', '=', this.tenant)
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (before) query = query.where('id', '<', before);
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.actionPrefix !== undefined) query = query.where(hasPrefix('action', filter.actionPrefix));
    if (filter.target !== undefined) query = query.where(isWordOf('target', filter.target));
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('at', '<', filter.until);
    const rows = await query.execute();
    const events = rows.slice(0, limit).map(({ tenant_id: _tenant, ...row }) => ({
      ...row,
      actor_type: row.actor_type as ActorType,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
    return { events, next: rows.length > limit ? events.at(-1)!.id : null };
  }

  /** Deletes events older than the retention period (GATEHOUSE_AUDIT_RETENTION_DAYS), in every tenant; returns how many. */
  async purgeOlderThan(retentionSeconds: number, now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'audit_events', 'id', (eb) => eb('at', '<', now - retentionSeconds), pace);
  }
}
