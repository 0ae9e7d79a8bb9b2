import { useState } from 'preact/hooks';
import { AppsIcon, PlusIcon } from '../components/icons';
import {
  Alert,
  CheckOption,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  LinkCell,
  PageHeader,
  RadioCards,
  RoleChecklist,
  RoleStatusCreatedCells,
  Spinner,
  TableHead,
  TableWrap,
} from '../components/ui';
import { useConsole } from '../context';
import { clientType, splitLines, splitList } from '../format';
import { useAction, useLoad, useTitle } from '../hooks';
import { navigate } from '../router';
import type { ClientView, NewClient } from '../types';
import { CredentialsDialog } from './credentials';
import { EndpointsCard } from './endpoints';

/** The console's own clients: created by the server, not by people. */
export const isBuiltin = (client: ClientView) => client.builtin;

/** The resource-server right (RFC 7662 §4), worded once for the create dialog and the client page. */
export const INTROSPECTION_OPTION = {
  title: "May introspect other clients' tokens (resource server)",
  detail: 'For an API that checks access tokens at the introspection endpoint. Without it, a client introspects only its own tokens.',
};

export function ClientsPage() {
  useTitle('API access');
  const { api } = useConsole();
  const clients = useLoad(() => api.listClients(), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ client: ClientView; secret: string | undefined }>();

  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
      <PlusIcon size={16} />
      <span>Create app client</span>
    </button>
  );
  const list = clients.data ?? [];
  const own = list.filter((client) => !isBuiltin(client)).sort((a, b) => b.created_at - a.created_at);
  const builtin = list.filter(isBuiltin);

  return (
    <>
      <PageHeader
        title="API access"
        description="App clients are the services and apps that call your APIs. Each gets a client ID and secret to trade for short-lived access tokens carrying the scopes of its roles."
        actions={createButton}
      />
      {clients.loading && !clients.data ? (
        <Spinner label="Loading app clients…" />
      ) : clients.error && !clients.data ? (
        <ErrorMessage error={clients.error} />
      ) : (
        <>
          {own.length === 0 ? (
            <EmptyState icon={AppsIcon} title="No app clients yet" action={createButton}>
              Create an app client for each service that needs an access token. You choose its roles; it gets a client ID and a secret.
            </EmptyState>
          ) : (
            <ClientTable clients={own} label="App clients" />
          )}
          {builtin.length > 0 && (
            <details class="builtin">
              <summary>Built-in clients ({builtin.length})</summary>
              <p class="muted small">
                Gatehouse's own console and API playground sign people in with these. They are managed by the server.
              </p>
              <ClientTable clients={builtin} label="Built-in clients" />
            </details>
          )}
        </>
      )}
      <EndpointsCard />
      {creating && (
        <CreateClientDialog
          onClose={() => setCreating(false)}
          onCreated={(client, secret) => {
            setCreating(false);
            setCreated({ client, secret });
            clients.reload();
          }}
        />
      )}
      {created && (
        <CredentialsDialog
          title="App client created"
          lead={
            <>
              <strong>{created.client.name}</strong> is ready. Use these credentials to get access tokens.
            </>
          }
          client={created.client}
          secret={created.secret}
          doneLabel="Done"
          onDone={() => {
            const id = created.client.client_id;
            setCreated(undefined);
            navigate(`/clients/${encodeURIComponent(id)}`);
          }}
        />
      )}
    </>
  );
}

function ClientTable({ clients, label }: { clients: ClientView[]; label: string }) {
  return (
    <TableWrap label={label}>
      <table class="table" aria-label={label}>
        <TableHead columns={['Name', 'Client ID', 'Type', 'Roles', 'Status', 'Created']} />
        <tbody>
          {clients.map((client) => (
            <tr key={client.client_id}>
              <LinkCell to={`/clients/${encodeURIComponent(client.client_id)}`} secondary={client.description}>
                {client.name}
              </LinkCell>
              <td>
                <code class="mono-small">{client.client_id}</code>
              </td>
              <td class="nowrap">{clientType(client)}</td>
              <RoleStatusCreatedCells roles={client.roles} status={client.status} createdAt={client.created_at} />
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

type AppType = 'machine' | 'web' | 'public';
const APP_TYPES: { value: AppType; label: string; detail: string }[] = [
  {
    value: 'machine',
    label: 'Machine to machine',
    detail: 'A backend service or job. Gets tokens with its client ID and secret (client credentials).',
  },
  { value: 'web', label: 'Web application', detail: 'A server-side app that signs people in (authorization code). Has a secret.' },
  {
    value: 'public',
    label: 'Single-page or native app',
    detail: 'Runs in a browser or on a device, so it cannot keep a secret. Signs people in with PKCE.',
  },
];

export function CreateClientDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (client: ClientView, secret: string | undefined) => void;
}) {
  const { api } = useConsole();
  const roles = useLoad(() => api.listRoles(), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [type, setType] = useState<AppType>('machine');
  const [selected, setSelected] = useState<string[]>([]);
  const [redirectUris, setRedirectUris] = useState('');
  const [logoutUris, setLogoutUris] = useState('');
  const [scope, setScope] = useState('');
  const [ttl, setTtl] = useState('');
  const [introspection, setIntrospection] = useState(false);
  const [touched, setTouched] = useState(false);
  const nameError = touched && !name.trim() ? 'Enter a name for the app client.' : undefined;
  const redirectError =
    touched && type !== 'machine' && splitLines(redirectUris).length === 0 ? 'Enter at least one redirect URI.' : undefined;
  const ttlError = touched && ttl.trim() !== '' && !/^\d+$/.test(ttl.trim()) ? 'Enter a whole number of seconds.' : undefined;

  const submit = useAction(async () => {
    const input: NewClient = { name: name.trim() };
    if (description.trim()) input.description = description.trim();
    if (selected.length) input.roles = selected;
    if (scope.trim()) input.scope = splitList(scope).join(' ');
    if (ttl.trim()) input.access_token_ttl = Number(ttl.trim());
    if (introspection && type !== 'public') input.introspection = true;
    if (type === 'machine') input.grant_types = ['client_credentials'];
    else {
      input.grant_types = ['authorization_code', 'refresh_token'];
      input.redirect_uris = splitLines(redirectUris);
      const logout = splitLines(logoutUris);
      if (logout.length) input.post_logout_redirect_uris = logout;
      if (type === 'public') input.public = true;
    }
    const result = await api.createClient(input);
    onCreated(result.client, result.client_secret);
  });

  return (
    <FormDialog
      title="Create app client"
      onClose={onClose}
      wide
      noValidate
      busy={submit.busy}
      submitLabel="Create"
      busyLabel="Creating…"
      onSubmit={(event) => {
        setTouched(true);
        const invalid =
          !name.trim() || (type !== 'machine' && splitLines(redirectUris).length === 0) || (ttl.trim() !== '' && !/^\d+$/.test(ttl.trim()));
        if (invalid) {
          requestAnimationFrame(() =>
            (event.currentTarget as HTMLFormElement | null)?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
          );
          return;
        }
        void submit.run();
      }}
    >
      <Field label="Name" error={nameError} hint="Shown to administrators and, for apps that sign people in, on the consent page.">
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class="input"
            value={name}
            maxLength={200}
            required
            autoFocus
            autoComplete="off"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Description" optional>
        {({ id, describedBy }) => (
          <textarea
            id={id}
            class="input textarea"
            rows={2}
            maxLength={2000}
            value={description}
            aria-describedby={describedBy}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        )}
      </Field>
      <RadioCards legend="Application type" name="app-type" options={APP_TYPES} value={type} onChange={setType} />
      {type !== 'machine' && (
        <>
          <Field
            label="Redirect URIs"
            error={redirectError}
            hint="One per line. Matched exactly; http only for localhost and loopback addresses."
          >
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                class="input textarea mono"
                rows={2}
                value={redirectUris}
                placeholder="https://app.example.com/callback"
                spellcheck={false}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                onInput={(event) => setRedirectUris(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Post-logout redirect URIs" optional hint="One per line. Where the app may send people after they sign out.">
            {({ id, describedBy }) => (
              <textarea
                id={id}
                class="input textarea mono"
                rows={1}
                value={logoutUris}
                spellcheck={false}
                aria-describedby={describedBy}
                onInput={(event) => setLogoutUris(event.currentTarget.value)}
              />
            )}
          </Field>
        </>
      )}
      {roles.error ? (
        <ErrorMessage error={roles.error} />
      ) : roles.loading && !roles.data ? (
        <Spinner label="Loading roles…" />
      ) : (
        <RoleChecklist
          roles={roles.data ?? []}
          selected={selected}
          onChange={setSelected}
          hint="The client may ask for the scopes of these roles."
        />
      )}
      <details class="advanced">
        <summary>Advanced settings</summary>
        <div class="advanced-body">
          <Field label="Additional scopes" optional hint="Separated by spaces. Granted to this client directly, on top of its roles.">
            {({ id, describedBy }) => (
              <input
                id={id}
                class="input mono"
                value={scope}
                spellcheck={false}
                autoComplete="off"
                placeholder="invoices:read invoices:write"
                aria-describedby={describedBy}
                onInput={(event) => setScope(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field
            label="Access token lifetime (seconds)"
            optional
            error={ttlError}
            hint="How long each access token is valid. Shorter is safer."
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input input-narrow"
                inputMode="numeric"
                value={ttl}
                placeholder="Server default"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                onInput={(event) => setTtl(event.currentTarget.value)}
              />
            )}
          </Field>
          {type !== 'public' && <CheckOption {...INTROSPECTION_OPTION} checked={introspection} onChange={setIntrospection} />}
        </div>
      </details>
      {submit.error && (
        <Alert tone="error" title="The app client was not created">
          {submit.error.message}
        </Alert>
      )}
    </FormDialog>
  );
}
