import { ManagementError } from '../management/validation.js';
import type { AuditFilter } from '../store/audit.js';

/** A date, then optionally a time of day with its offset: a time without one would be read in the server's zone. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;
const EPOCH_SECONDS = /^\d{1,12}$/;

/**
 * An instant of the audit filters (`since`, `until`) in epoch milliseconds: ISO 8601 as the schema describes it, or
 * seconds since the epoch. Anything else is refused, not guessed at (`2026-02-31` is not a day).
 */
function instantOf(name: string, text: string): number {
  if (EPOCH_SECONDS.test(text)) return Number(text) * 1000;
  const match = ISO_8601.exec(text);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    const realDay = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    const at = Date.parse(text);
    if (realDay && !Number.isNaN(at)) return at;
  }
  throw new ManagementError(
    `${name} must be an ISO 8601 date or date-time with an offset (2026-12-04, 2026-12-04T10:00:00Z) or seconds since the epoch`,
  );
}

/** The audit log's filters as the admin API takes them (schemas.auditQuery), as the store applies them. */
export function auditFilterOf(query: { actor?: string; action?: string; target?: string; since?: string; until?: string }): AuditFilter {
  // Events are recorded to the second: `since` takes in the whole second it falls in, `until` the second it ends in.
  const since = query.since === undefined ? undefined : Math.floor(instantOf('since', query.since) / 1000);
  const until = query.until === undefined ? undefined : Math.ceil(instantOf('until', query.until) / 1000);
  if (since !== undefined && until !== undefined && since >= until) throw new ManagementError('since must be before until');
  const action = query.action || undefined;
  return {
    ...(query.actor ? { actor: query.actor } : {}),
    ...(action === undefined ? {} : action.endsWith('.') ? { actionPrefix: action } : { action }),
    ...(query.target ? { target: query.target } : {}),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}
