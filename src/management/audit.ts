import { AuditLog } from '../admin/audit-log.js';
import type { AuditRepository } from '../store/audit.js';
import type { Repositories } from '../store/repositories.js';

/**
 * Runs a management change in one transaction with the audit log bound to it, so that the event is committed with
 * the change it describes, and a change rolled back leaves no event. Each event is written in a savepoint of its
 * own: one that cannot be written is reported (AuditLog) and does not undo the change, as everywhere else.
 */
export function auditedTransaction<T>(repositories: Repositories, work: (tx: Repositories, audit: AuditLog) => Promise<T>): Promise<T> {
  return repositories.transaction((tx) => work(tx, auditLogIn(tx)));
}

/**
 * The audit log `events` (the transaction's own tenant's unless told) written inside the transaction `tx`, each event
 * in a savepoint of its own.
 */
export function auditLogIn(tx: Repositories, events: AuditRepository = tx.auditEvents): AuditLog {
  return new AuditLog({
    append: (event) => tx.store.writeTransaction(() => events.append(event)),
    page: (limit, before, filter) => events.page(limit, before, filter),
  });
}
