import { useState } from 'preact/hooks';
import { AppsIcon, PlusIcon } from '../components/icons';
import { ListPager, SearchBox, useSearchedPages } from '../components/paged-list';
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
  usePlacedError,
} from '../components/ui';
import { useCan, useConsole } from '../context';
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
  const canDeveloper = useCan('developer');
  const pages = useSearchedPages((page) => api.pageClients(page));
  const { filter: search, page, loaded: clients } = pages;
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ client: ClientView; secret: string | undefined }>();

  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
      <PlusIcon size={16} />
      <span>Create app client</span>
    </button>
  );
  // A page in the server's order (creation, then id), the built-in clients (the oldest) set apart from the tenant's own.
  const list = clients.data?.clients ?? [];
  const own = list.filter((client) => !isBuiltin(client));
  const builtin = list.filter(isBuiltin);
  const none = !search && page === 0 && own.length === 0 && !pages.hasNext;

  return (
    <>
      <PageHeader
        title="API access"
        description="App clients are the services and apps that call your APIs. Each gets a client ID and secret to trade for short-lived access tokens carrying the scopes of its roles."
        actions={canDeveloper ? createButton : undefined}
      />
      {clients.loading && !clients.data ? (
        <Spinner label="Loading app clients…" />
      ) : clients.error && !clients.data ? (
        <ErrorMessage error={clients.error} />
      ) : (
        <>
          {clients.error && <ErrorMessage error={clients.error} />}
          {none && !clients.loading ? (
            <EmptyState icon={AppsIcon} title="No app clients yet" action={canDeveloper ? createButton : undefined}>
              Create an app client for each service that needs an access token. You choose its roles; it gets a client ID and a secret.
            </EmptyState>
          ) : (
            <>
              <SearchBox label="Search app clients" placeholder="Search by name, client ID or description" list={pages} />
              <ClientTable
                clients={own}
                label="App clients"
                busy={clients.loading}
                empty={
                  search
                    ? `No app client matches “${search}”.`
                    : builtin.length
                      ? 'No app clients of your own on this page.'
                      : 'No more app clients.'
                }
              />
              <ListPager label="App client pages" noun={['client', 'clients']} count={list.length} list={pages} matching={search} />
            </>
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

const CLIENT_COLUMNS = ['Name', 'Client ID', 'Type', 'Roles', 'Status', 'Created'];

function ClientTable({ clients, label, busy, empty }: { clients: ClientView[]; label: string; busy?: boolean; empty?: string }) {
  return (
    <TableWrap label={label}>
      <table class="table" aria-label={label} aria-busy={busy}>
        <TableHead columns={CLIENT_COLUMNS} />
        <tbody>
          {clients.length === 0 && empty && (
            <tr>
              <td colSpan={CLIENT_COLUMNS.length} class="cell-empty">
                {empty}
              </td>
            </tr>
          )}
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

/** The admin API's names of the create dialog's inputs, where a refusal of one is shown. */
const NEW_CLIENT_FIELDS = ['name', 'description', 'redirect_uris', 'post_logout_redirect_uris', 'scope', 'access_token_ttl'];

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
  const refused = usePlacedError(submit.error, NEW_CLIENT_FIELDS);
  const advancedRefused = refused.of('scope') ?? refused.of('access_token_ttl');

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
      <Field
        label="Name"
        error={nameError ?? refused.of('name')}
        hint="Shown to administrators and, for apps that sign people in, on the consent page."
      >
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
      <Field label="Description" optional error={refused.of('description')}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            class="input textarea"
            rows={2}
            maxLength={2000}
            value={description}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        )}
      </Field>
      <RadioCards legend="Application type" name="app-type" options={APP_TYPES} value={type} onChange={setType} />
      {type !== 'machine' && (
        <>
          <Field
            label="Redirect URIs"
            error={redirectError ?? refused.of('redirect_uris')}
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
          <Field
            label="Post-logout redirect URIs"
            optional
            hint="One per line. Where the app may send people after they sign out."
            error={refused.of('post_logout_redirect_uris')}
          >
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                class="input textarea mono"
                rows={1}
                value={logoutUris}
                spellcheck={false}
                aria-describedby={describedBy}
                aria-invalid={invalid}
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
      <details class="advanced" open={advancedRefused !== undefined || undefined}>
        <summary>Advanced settings</summary>
        <div class="advanced-body">
          <Field
            label="Additional scopes"
            optional
            hint="Separated by spaces. Granted to this client directly, on top of its roles."
            error={refused.of('scope')}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input mono"
                value={scope}
                spellcheck={false}
                autoComplete="off"
                placeholder="invoices:read invoices:write"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                onInput={(event) => setScope(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field
            label="Access token lifetime (seconds)"
            optional
            error={ttlError ?? refused.of('access_token_ttl')}
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
      {refused.unplaced && (
        <Alert tone="error" title="The app client was not created">
          {refused.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}
