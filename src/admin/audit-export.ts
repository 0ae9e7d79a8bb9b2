import { Readable } from 'node:stream';
import type { AuditEvent, AuditFilter } from '../store/audit.js';
import type { AuditLog } from './audit-log.js';

export type AuditExportFormat = 'csv' | 'json';

/** Events read per query while exporting: the export is streamed, so memory holds one batch whatever the log's size. */
const EXPORT_BATCH = 500;
const CSV_COLUMNS = ['id', 'time', 'actor', 'actor_type', 'action', 'target', 'ip', 'details'] as const;

/**
 * One CSV field (RFC 4180 §2): quoted when it holds a comma, a quote or a line break, quotes doubled. A field a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is prefixed with a quote
 * mark and quoted, as OWASP's CSV Injection page advises: a username or client name chosen by a stranger must not
 * run in the administrator's spreadsheet.
 */
export function csvField(value: string): string {
  const neutral = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return neutral !== value || /[",\r\n]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}

/** An event as a CSV record, CRLF-terminated (RFC 4180 §2.1); its details as JSON, its time as ISO 8601 UTC. */
function csvRecord(event: AuditEvent): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: event.id,
    time: new Date(event.at * 1000).toISOString(),
    actor: event.actor,
    actor_type: event.actor_type,
    action: event.action,
    target: event.target,
    ip: event.ip,
    details: JSON.stringify(event.details),
  };
  return `${CSV_COLUMNS.map((column) => csvField(cells[column])).join(',')}\r\n`;
}

/** The events that pass `filter`, newest first, a batch at a time (keyset paging: each batch costs the same). */
async function* batches(log: AuditLog, filter: AuditFilter): AsyncGenerator<AuditEvent[]> {
  let before: string | undefined;
  do {
    const page = await log.page(EXPORT_BATCH, before, filter);
    if (page.events.length > 0) yield page.events;
    before = page.next ?? undefined;
  } while (before !== undefined);
}

async function* csvText(log: AuditLog, filter: AuditFilter): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const events of batches(log, filter)) yield events.map(csvRecord).join('');
}

/** One JSON array, written as it is read: the events as the audit API gives them. */
async function* jsonText(log: AuditLog, filter: AuditFilter): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const events of batches(log, filter)) {
    yield `${first ? '\n' : ',\n'}${events.map((event) => JSON.stringify(event)).join(',\n')}`;
    first = false;
  }
  yield '\n]\n';
}

/** Every event of `log` that passes `filter`, as a stream of CSV or JSON: no bound, one batch in memory at a time. */
export function auditExport(log: AuditLog, filter: AuditFilter, format: AuditExportFormat): Readable {
  return Readable.from(format === 'csv' ? csvText(log, filter) : jsonText(log, filter));
}

/** The media type of an export (RFC 4180 §3 registers text/csv with its `header` parameter). */
export const exportMediaType = (format: AuditExportFormat): string =>
  format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8';
