import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ListIcon } from '../components/icons';
import { EmptyState, ErrorMessage, PageHeader, Pager, Spinner, TableHead, TableWrap, TimeCell } from '../components/ui';
import { useConsole } from '../context';
import { formatDateTime, shortId } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link } from '../router';
import type { AuditEvent } from '../types';

const PAGE_SIZE = 50;
type Names = Map<string, { label: string; to: string }>;
const NO_NAMES: Names = new Map();
// Details that hold what someone typed (a failed sign-in's username), never resolved to an account's name.
const TYPED_DETAILS = new Set(['username']);

export function AuditPage() {
  useTitle('Audit log');
  const { api } = useConsole();
  // cursors[i] is the `before` cursor of page i (undefined: the newest events).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const events = useLoad(() => api.listAudit(PAGE_SIZE, cursors[page]), [page]);
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
      {events.loading && !events.data ? (
        <Spinner label="Loading the audit log…" />
      ) : events.error && !events.data ? (
        <ErrorMessage error={events.error} />
      ) : list.length === 0 && page === 0 ? (
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
          <Pager
            label="Audit log pages"
            summary={`Page ${page + 1}${list.length ? ` · ${list.length} event${list.length === 1 ? '' : 's'}` : ''}`}
            loading={events.loading}
            hasPrevious={page > 0}
            hasNext={Boolean(events.data?.next)}
            previousLabel="Newer"
            nextLabel="Older"
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={() => setCursors((c) => [...c, events.data!.next ?? undefined])}
          />
        </>
      )}
    </>
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
