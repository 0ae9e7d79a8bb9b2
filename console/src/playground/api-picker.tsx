import { useState } from 'preact/hooks';
import { Card, Field } from '../components/ui';
import { type ApiEntry, type ApiKind, playgroundUrl } from './setup';

const GROUPS: { label: string; kinds: ApiKind[] }[] = [
  { label: 'Gatehouse', kinds: ['gatehouse', 'demo'] },
  { label: "This account's APIs", kinds: ['tenant'] },
  { label: 'Platform APIs', kinds: ['platform'] },
];

const optionLabel = (api: ApiEntry) => (api.version ? `${api.title} ${api.version}` : api.title);

/**
 * Which API the page calls, and on which of its servers. Choosing another API loads the page anew (`?api=`): its CSP
 * lets it reach only the selected API, and a token is for one API.
 */
export function ApiPicker({
  apis,
  entry,
  server,
  onServer,
  clientId,
}: {
  apis: ApiEntry[];
  entry: ApiEntry;
  server: string;
  onServer: (server: string) => void;
  /** Kept across the switch (it is no secret); the scopes are the other API's, so they are not. */
  clientId: string;
}) {
  // Choosing is not yet opening: arrow keys on a select change its value, and the page must not reload under them
  // (WCAG 3.2.2). The button opens the chosen API.
  const [chosen, setChosen] = useState(entry.id);
  return (
    <Card title="API">
      <form
        class="card-body pg-stack"
        onSubmit={(event) => {
          event.preventDefault();
          location.assign(playgroundUrl(chosen, clientId || undefined));
        }}
      >
        <div class="form-grid">
          <Field label="API" hint="Opening another API reloads the page and drops the token: a token is for one API (its audience).">
            {({ id, describedBy }) => (
              <select
                id={id}
                class="input"
                aria-describedby={describedBy}
                value={chosen}
                onChange={(event) => setChosen(event.currentTarget.value)}
              >
                {GROUPS.map((group) => {
                  const members = apis.filter((api) => group.kinds.includes(api.kind));
                  return (
                    members.length > 0 && (
                      <optgroup key={group.label} label={group.label}>
                        {members.map((api) => (
                          <option key={api.id} value={api.id}>
                            {optionLabel(api)}
                          </option>
                        ))}
                      </optgroup>
                    )
                  );
                })}
              </select>
            )}
          </Field>
          {chosen !== entry.id && (
            <div class="pg-picker-action">
              <button type="submit" class="btn btn-primary">
                Open this API
              </button>
            </div>
          )}
          {entry.servers.length > 1 && (
            <Field label="Server">
              {({ id }) => (
                <select id={id} class="input" value={server} onChange={(event) => onServer(event.currentTarget.value)}>
                  {entry.servers.map((url) => (
                    <option key={url} value={url}>
                      {url}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
        </div>
        <dl class="details pg-details">
          <dt>Title</dt>
          <dd>
            {entry.title}
            {entry.version && <span class="muted"> · version {entry.version}</span>}
          </dd>
          <dt>{entry.servers.length > 1 ? 'Servers' : 'Server'}</dt>
          <dd>
            <ul class="pg-plain-list">
              {entry.servers.map((url) => (
                <li key={url} class="mono pg-wrap">
                  {url}
                </li>
              ))}
            </ul>
          </dd>
          <dt>Token audience</dt>
          <dd class="pg-wrap">
            {entry.resource === null ? "This account's default API (no resource parameter is sent)" : <code>{entry.resource}</code>}
          </dd>
        </dl>
      </form>
    </Card>
  );
}
