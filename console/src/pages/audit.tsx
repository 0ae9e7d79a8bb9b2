import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AuditFilters } from '../api';
import { ListIcon } from '../components/icons';
import { ListPager, PAGE_SIZE, usePages } from '../components/paged-list';
import { EmptyState, ErrorMessage, Field, PageHeader, Spinner, TableHead, TableWrap, TimeCell } from '../components/ui';
import { useConsole } from '../context';
import { formatDateTime, shortId } from '../format';
import { useAction, useLoad, useTitle } from '../hooks';
import { Link } from '../router';
import type { AuditEvent } from '../types';

type Names = Map<string, { label: string; to: string }>;
const NO_NAMES: Names = new Map();
// Details that hold what someone typed (a failed sign-in's username), never resolved to an account's name.
const TYPED_DETAILS = new Set(['username']);

export function AuditPage() {
  useTitle('Audit log');
  const { api } = useConsole();
  // Pages of the filtered log, newest first: each page's cursor is the `before` of the next (older) one.
  const pages = usePages((filters: AuditFilters, before) => api.listAudit(PAGE_SIZE, before, filters), {});
  const { page, loaded: events } = pages;
  const filtered = Object.values(pages.filter).some(Boolean);
  const download = useAction(async (format: 'csv' | 'json') => {
    const { blob, filename } = await api.exportAudit(pages.filter, format);
    saveFile(blob, filename);
  });
  // Names for the ids in the log: users and clients, loaded once.
  const names = useLoad(async () => {
    const [users, clients] = await Promise.all([api.listUsers().catch(() => []), api.listClients().catch(() => [])]);
    const map: Names = new Map();
    for (const user of users) map.set(user.id, { label: user.username, to: `/users/${encodeURIComponent(user.id)}` });
    for (const client of clients) map.set(client.client_id, { label: client.name, to: `/clients/${encodeURIComponent(client.client_id)}` });
    return map;
  }, []);
  const known = names.data ?? new Map();

  const list = events.data?.events ?? [];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every administrative change and sign-in, newest first: who did it, to what, and from where. Secrets and tokens are never recorded."
      />
      <AuditFilterForm
        applied={pages.filter}
        onApply={pages.setFilter}
        busy={download.busy}
        onExport={(format) => void download.run(format)}
      />
      <ErrorMessage error={download.error} />
      {events.loading && !events.data ? (
        <Spinner label="Loading the audit log…" />
      ) : events.error && !events.data ? (
        <ErrorMessage error={events.error} />
      ) : list.length === 0 && page === 0 && !filtered ? (
        <EmptyState icon={ListIcon} title="Nothing recorded yet">
          Changes made in this console, with the admin API or the command line appear here.
        </EmptyState>
      ) : (
        <>
          {events.error && <ErrorMessage error={events.error} />}
          <TableWrap label="Audit events">
            <table class="table" aria-label="Audit events" aria-busy={events.loading}>
              <TableHead columns={['Time', 'Actor', 'Action', 'Target', 'IP address', 'Details']} />
              <tbody>
                {list.length === 0 && (
                  <tr>
                    <td colSpan={6} class="cell-empty">
                      {filtered ? 'No event matches these filters.' : 'No older events.'}
                    </td>
                  </tr>
                )}
                {list.map((event) => (
                  <tr key={event.id}>
                    <TimeCell value={event.at} precise />
                    <td>
                      {/* Only an authenticated actor is linked; an anonymous one is shown as recorded. The system is
                          Gatehouse itself, acting on its own at start (restoring a built-in client). */}
                      {event.actor_type === 'system' ? (
                        <span>Gatehouse</span>
                      ) : (
                        <Name id={event.actor} names={event.actor_type === 'user' || event.actor_type === 'client' ? known : NO_NAMES} />
                      )}
                      {event.actor_type && <div class="cell-secondary">{event.actor_type}</div>}
                    </td>
                    <td>
                      <span class="action-tag">{event.action}</span>
                    </td>
                    <td>
                      {(event.target ?? '').split(' ').filter(Boolean).length > 1 ? (
                        <ul class="plain-list">
                          {event.target!.split(' ').map((part) => (
                            <li key={part}>
                              <Name id={part} names={known} />
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <Name id={event.target} names={known} />
                      )}
                    </td>
                    <td>
                      <code class="mono-small">{event.ip || '—'}</code>
                    </td>
                    <td class="cell-details">
                      <Details event={event} names={known} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <ListPager
            label="Audit log pages"
            noun={['event', 'events']}
            count={list.length}
            list={pages}
            previousLabel="Newer"
            nextLabel="Older"
          />
        </>
      )}
    </>
  );
}

/** `blob` saved as `filename` by the browser: a download the page made itself, since it had to carry the token. */
function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the file to the browser's download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

type FilterField = keyof AuditFilters;
const FILTER_FIELDS: { field: FilterField; label: string; placeholder?: string; hint?: string }[] = [
  { field: 'actor', label: 'Actor', placeholder: 'User or client ID', hint: 'Exactly this ID (or cli:NAME, anonymous, system).' },
  { field: 'action', label: 'Action', placeholder: 'client. or client.created', hint: 'Ending in a dot: every action that starts so.' },
  { field: 'target', label: 'Target', placeholder: 'ID the event is about' },
  { field: 'since', label: 'From' },
  { field: 'until', label: 'Until' },
];
const NO_FILTERS: Record<FilterField, string> = { actor: '', action: '', target: '', since: '', until: '' };

/** A datetime-local value (the browser's own time zone) as the ISO 8601 instant the server takes; '' stays ''. */
const instantOf = (local: string) => (local ? new Date(local).toISOString() : '');

/** The filters above the log: applied together on submit; the exports download what they select. */
function AuditFilterForm({
  applied,
  onApply,
  busy,
  onExport,
}: {
  applied: AuditFilters;
  onApply: (filters: AuditFilters) => void;
  busy: boolean;
  onExport: (format: 'csv' | 'json') => void;
}) {
  const [values, setValues] = useState(NO_FILTERS);
  const filtersOf = (typed: Record<FilterField, string>): AuditFilters => ({
    actor: typed.actor.trim(),
    action: typed.action.trim(),
    target: typed.target.trim(),
    since: instantOf(typed.since),
    until: instantOf(typed.until),
  });
  const filtered = Object.values(applied).some(Boolean);
  return (
    <form
      class="audit-filters"
      aria-label="Filter the audit log"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(filtersOf(values));
      }}
    >
      <div class="audit-filter-fields">
        {FILTER_FIELDS.map(({ field, label, placeholder, hint }) => (
          <Field key={field} label={label} hint={hint}>
            {({ id, describedBy }) => {
              const input = {
                id,
                class: 'input',
                value: values[field],
                'aria-describedby': describedBy,
                onInput: (event: { currentTarget: HTMLInputElement }) => {
                  const value = event.currentTarget.value;
                  setValues((current) => ({ ...current, [field]: value }));
                },
              };
              return field === 'since' || field === 'until' ? (
                <input type="datetime-local" step={1} {...input} />
              ) : (
                <input type="text" placeholder={placeholder} maxLength={200} spellcheck={false} autoComplete="off" {...input} />
              );
            }}
          </Field>
        ))}
      </div>
      <div class="audit-filter-actions">
        <button type="submit" class="btn btn-primary btn-small">
          Apply filters
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          disabled={!filtered && Object.values(values).every((value) => !value)}
          onClick={() => {
            setValues(NO_FILTERS);
            onApply({});
          }}
        >
          Clear
        </button>
        <span class="audit-export">
          <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => onExport('csv')}>
            Export CSV
          </button>
          <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => onExport('json')}>
            Export JSON
          </button>
        </span>
      </div>
    </form>
  );
}

/** A user or client by name (linked), or the id itself, shortened when long. */
function Name({ id, names }: { id: string | null | undefined; names: Names }): JSX.Element {
  if (!id) return <span class="muted">—</span>;
  const known = names.get(id);
  if (known) {
    return (
      <Link to={known.to} title={id}>
        {known.label}
      </Link>
    );
  }
  return (
    <code class="mono-small" title={id.length > 20 ? id : undefined}>
      {shortId(id)}
    </code>
  );
}

function Details({ event, names }: { event: AuditEvent; names: Names }) {
  const entries = Object.entries(event.details ?? {});
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="kv">
      {entries.map(([key, value]) => (
        <div key={key} class="kv-row">
          <dt>{key.replace(/_/g, ' ')}</dt>
          <dd>{describe(key, value, names)}</dd>
        </div>
      ))}
    </dl>
  );
}

function describe(key: string, value: unknown, names: Names): string {
  if (value === null || value === undefined || value === '') return '—';
  if (key.endsWith('_at') && typeof value === 'number') return formatDateTime(value);
  if (typeof value === 'string' && TYPED_DETAILS.has(key)) return value;
  if (typeof value === 'string') return names.get(value)?.label ?? (value.length > 24 ? shortId(value) : value);
  if (Array.isArray(value)) return value.length ? value.map((item) => describe('', item, names)).join(', ') : 'none';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${describe(k, v, names)}`)
      .join(' · ');
  }
  return String(value);
}
