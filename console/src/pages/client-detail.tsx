import { useEffect, useState } from 'preact/hooks';
import { DeleteDialog } from '../components/delete-dialog';
import { RotateIcon } from '../components/icons';
import {
  Alert,
  Breadcrumb,
  Card,
  CheckOption,
  Chips,
  ConfirmDialog,
  CopyField,
  ErrorMessage,
  Field,
  FormActions,
  FormDialog,
  PageHeader,
  RoleChecklist,
  Spinner,
  StatusBadge,
  Time,
  usePlacedError,
} from '../components/ui';
import { useCan, useConsole } from '../context';
import { clientType, formatDateTime, formatDuration, splitLines, splitList } from '../format';
import { useAction, useLoad, useTitle } from '../hooks';
import { navigate } from '../router';
import type { ClientChanges, ClientView, Role } from '../types';
import { INTROSPECTION_OPTION, isBuiltin } from './clients';
import { CredentialsDialog } from './credentials';
import { ClientQuickstarts } from './quickstart';

export function ClientDetailPage({ clientId }: { clientId: string }) {
  const { api } = useConsole();
  // A viewer reads the client; changing, rotating, revoking and deleting are a developer's (the admin API checks too).
  const canChange = useCan('developer');
  const loaded = useLoad(() => Promise.all([api.getClient(clientId), api.listRoles()]), [clientId]);
  const [client, setClient] = useState<ClientView>();
  const [dialog, setDialog] = useState<'rotate' | 'revoke' | 'delete'>();
  const [rotated, setRotated] = useState<{ client: ClientView; secret: string }>();
  useEffect(() => {
    if (loaded.data) setClient(loaded.data[0]);
  }, [loaded.data]);
  useTitle(client?.name ?? 'App client');

  const breadcrumb = <Breadcrumb to="/clients" parent="API access" current={client?.name ?? 'App client'} />;
  if (!client) {
    return (
      <>
        <PageHeader title={loaded.error ? 'App client not found' : 'App client'} breadcrumb={breadcrumb} />
        {loaded.error ? <ErrorMessage error={loaded.error} /> : <Spinner label="Loading the app client…" />}
      </>
    );
  }
  const roles = loaded.data?.[1] ?? [];
  const active = client.status === 'active';
  const confidential = client.token_endpoint_auth_method !== 'none';
  const builtin = isBuiltin(client);

  return (
    <>
      <PageHeader
        title={client.name}
        badge={<StatusBadge status={client.status} />}
        description={client.description || undefined}
        breadcrumb={breadcrumb}
      />
      {!active && (
        <Alert tone="error" quiet title={`Revoked ${client.revoked_at ? formatDateTime(client.revoked_at) : ''}`.trim()} class="page-alert">
          This app client cannot get tokens any more, and the access tokens it was given are refused.
        </Alert>
      )}
      <div class="detail-grid">
        <div class="detail-main">
          <Card title="Credentials" description="What the app presents at the token endpoint.">
            <div class="card-body">
              <CopyField label="Client ID" value={client.client_id} />
              {confidential ? (
                <div class="secret-row">
                  <div>
                    <p class="field-label">Client secret</p>
                    <p class="secret-mask">
                      <span class="sr-only">Hidden</span>
                      <span aria-hidden="true">gate_cs_••••••••••••••••</span>
                    </p>
                    <p class="field-hint">
                      Shown only once, when the client was created or the secret rotated.
                      {active && client.previous_secret_expires_at && (
                        <>
                          {' '}
                          The previous secret keeps working until <Time value={client.previous_secret_expires_at} />.
                        </>
                      )}
                    </p>
                  </div>
                  {active && canChange && (
                    <button type="button" class="btn btn-secondary" onClick={() => setDialog('rotate')}>
                      <RotateIcon size={16} />
                      <span>Rotate secret</span>
                    </button>
                  )}
                </div>
              ) : (
                <p class="muted small">Public client: no secret. It proves itself with PKCE at each sign-in.</p>
              )}
            </div>
          </Card>
          <ClientQuickstarts client={client} scopes={effectiveScopes(client, roles)} />
          <SettingsCard client={client} roles={roles} disabled={!active || builtin || !canChange} onSaved={setClient} />
        </div>
        <div class="detail-side">
          <Card title="Details">
            <dl class="details">
              <dt>Type</dt>
              <dd>{clientType(client)}</dd>
              <dt>Grant types</dt>
              <dd>
                <Chips items={client.grant_types} />
              </dd>
              <dt>Effective scopes</dt>
              <dd>
                <Chips items={effectiveScopes(client, roles)} empty="None" />
              </dd>
              <dt>Client authentication</dt>
              <dd>
                <code class="mono-small">{client.token_endpoint_auth_method}</code>
              </dd>
              <dt>Access token lifetime</dt>
              <dd>{client.access_token_ttl ? formatDuration(client.access_token_ttl) : 'Server default'}</dd>
              <dt>Introspection</dt>
              <dd>{client.introspection ? "Any client's tokens (resource server)" : 'Its own tokens only'}</dd>
              {client.grant_types.includes('authorization_code') && (
                <>
                  <dt>ID token algorithm</dt>
                  <dd>{client.id_token_signed_response_alg}</dd>
                </>
              )}
              <dt>Created</dt>
              <dd>
                <Time value={client.created_at} />
              </dd>
              <dt>Last changed</dt>
              <dd>
                <Time value={client.updated_at} />
              </dd>
              {client.revoked_at && (
                <>
                  <dt>Revoked</dt>
                  <dd>
                    <Time value={client.revoked_at} />
                  </dd>
                </>
              )}
            </dl>
          </Card>
          {active && !builtin && canChange && (
            <Card title="Revoke app client" class="card-danger">
              <div class="card-body">
                <p class="small">
                  Revoking stops this client from getting tokens and makes the resource servers that check revocation refuse the tokens it
                  holds. <strong>This cannot be undone.</strong>
                </p>
                <button type="button" class="btn btn-danger-outline" onClick={() => setDialog('revoke')}>
                  Revoke app client
                </button>
              </div>
            </Card>
          )}
          {canChange && (
            <Card title="Delete app client" class="card-danger">
              <div class="card-body">
                <p class="small" id="delete-client-reason">
                  {builtin
                    ? 'Gatehouse runs this client itself: it cannot be revoked or deleted.'
                    : 'Deleting removes this client, the consents users gave it and its grants: its tokens are refused.'}
                </p>
                <button
                  type="button"
                  class="btn btn-danger-outline"
                  disabled={builtin}
                  aria-describedby="delete-client-reason"
                  onClick={() => setDialog('delete')}
                >
                  Delete app client
                </button>
              </div>
            </Card>
          )}
          {builtin && (
            <Alert tone="info" title="Built-in client">
              Gatehouse manages this client itself; its settings follow the server's configuration.
            </Alert>
          )}
        </div>
      </div>
      {dialog === 'revoke' && (
        <ConfirmDialog
          title={`Revoke ${client.name}?`}
          confirmLabel="Revoke"
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            setClient(await api.revokeClient(client.client_id));
            setDialog(undefined);
          }}
        >
          <p>
            <strong>{client.name}</strong> will no longer get access tokens, and the tokens it holds will be refused. Anything that uses
            this client stops working.
          </p>
          <p>This cannot be undone: to restore access, create a new app client.</p>
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <DeleteDialog
          what="app client"
          name={client.name}
          dependents={() => api.clientDependents(client.client_id)}
          onClose={() => setDialog(undefined)}
          onDelete={async () => {
            await api.deleteClient(client.client_id);
            navigate('/clients');
          }}
        />
      )}
      {dialog === 'rotate' && (
        <RotateSecretDialog
          client={client}
          onClose={() => setDialog(undefined)}
          onRotated={(updated, secret) => {
            setDialog(undefined);
            setClient(updated);
            setRotated({ client: updated, secret });
          }}
        />
      )}
      {rotated && (
        <CredentialsDialog
          title="New client secret"
          lead={
            rotated.client.previous_secret_expires_at ? (
              <>
                The previous secret keeps working until <Time value={rotated.client.previous_secret_expires_at} />. Deploy the new one
                before then.
              </>
            ) : (
              <>The previous secret no longer works. Deploy the new one now.</>
            )
          }
          client={rotated.client}
          secret={rotated.secret}
          doneLabel="Done"
          onDone={() => setRotated(undefined)}
        />
      )}
    </>
  );
}

function effectiveScopes(client: ClientView, roles: Role[]): string[] {
  const scopes = new Set(client.scope.split(' ').filter(Boolean));
  for (const name of client.roles) for (const scope of roles.find((role) => role.name === name)?.scopes ?? []) scopes.add(scope);
  return [...scopes].sort();
}

const GRACE_OPTIONS = [
  { value: 0, label: 'Stop working now' },
  { value: 3_600, label: '1 hour' },
  { value: 86_400, label: '24 hours (recommended)' },
  { value: 604_800, label: '7 days' },
];

function RotateSecretDialog({
  client,
  onClose,
  onRotated,
}: {
  client: ClientView;
  onClose: () => void;
  onRotated: (client: ClientView, secret: string) => void;
}) {
  const { api } = useConsole();
  const [grace, setGrace] = useState(86_400);
  const rotate = useAction(async () => {
    const result = await api.rotateSecret(client.client_id, grace);
    onRotated(result.client, result.client_secret);
  });
  return (
    <FormDialog
      title="Rotate client secret"
      onClose={onClose}
      busy={rotate.busy}
      submitLabel="Rotate secret"
      busyLabel="Rotating…"
      onSubmit={() => void rotate.run()}
    >
      <p class="dialog-lead">
        Gatehouse issues a new secret for <strong>{client.name}</strong>. To roll it out without downtime, keep the old one working for a
        while.
      </p>
      <Field label="Old secret keeps working for">
        {({ id }) => (
          <select id={id} class="input select" value={grace} onChange={(event) => setGrace(Number(event.currentTarget.value))}>
            {GRACE_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorMessage error={rotate.error} />
    </FormDialog>
  );
}

/** The admin API's names of the settings form's inputs, where a refusal of one is shown. */
const SETTINGS_FIELDS = ['name', 'description', 'scope', 'redirect_uris', 'post_logout_redirect_uris', 'access_token_ttl'];

function SettingsCard({
  client,
  roles,
  disabled,
  onSaved,
}: {
  client: ClientView;
  roles: Role[];
  disabled: boolean;
  onSaved: (client: ClientView) => void;
}) {
  const { api } = useConsole();
  const initial = () => ({
    name: client.name,
    description: client.description,
    roles: client.roles,
    scope: client.scope,
    redirectUris: client.redirect_uris.join('\n'),
    logoutUris: client.post_logout_redirect_uris.join('\n'),
    ttl: client.access_token_ttl === null ? '' : String(client.access_token_ttl),
    introspection: client.introspection,
  });
  const [form, setForm] = useState(initial);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm(initial()), [client]);
  const set = <K extends keyof ReturnType<typeof initial>>(key: K, value: ReturnType<typeof initial>[K]) => {
    setSaved(false);
    setForm((current) => ({ ...current, [key]: value }));
  };
  const usesRedirects = client.grant_types.includes('authorization_code');

  const changes = (): ClientChanges => {
    const out: ClientChanges = {};
    if (form.name.trim() !== client.name) out.name = form.name.trim();
    if (form.description.trim() !== client.description) out.description = form.description.trim();
    if ([...form.roles].sort().join(' ') !== [...client.roles].sort().join(' ')) out.roles = form.roles;
    const scope = splitList(form.scope).join(' ');
    if (scope !== client.scope) out.scope = scope;
    if (usesRedirects) {
      const redirects = splitLines(form.redirectUris);
      if (redirects.join(' ') !== client.redirect_uris.join(' ')) out.redirect_uris = redirects;
      const logout = splitLines(form.logoutUris);
      if (logout.join(' ') !== client.post_logout_redirect_uris.join(' ')) out.post_logout_redirect_uris = logout;
    }
    const ttl = form.ttl.trim();
    if (ttl !== '' && Number(ttl) !== client.access_token_ttl) out.access_token_ttl = Number(ttl);
    if (form.introspection !== client.introspection) out.introspection = form.introspection;
    return out;
  };
  const dirty = Object.keys(changes()).length > 0;
  const ttlInvalid = form.ttl.trim() !== '' && !/^\d+$/.test(form.ttl.trim());
  const save = useAction(async () => {
    const updated = await api.updateClient(client.client_id, changes());
    onSaved(updated);
    setSaved(true);
  });
  const refused = usePlacedError(save.error, SETTINGS_FIELDS);

  return (
    <Card
      title="Settings"
      description={
        client.status === 'revoked'
          ? 'A revoked client cannot be changed.'
          : disabled
            ? 'Gatehouse manages the settings of its built-in clients.'
            : 'Changes apply to the next token the client asks for.'
      }
    >
      <form
        class="card-body"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!form.name.trim() || ttlInvalid) return;
          void save.run();
        }}
      >
        <fieldset class="plain-fieldset" disabled={disabled}>
          <div class="form-grid">
            <Field label="Name" error={!form.name.trim() ? 'Enter a name.' : refused.of('name')}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  class="input"
                  value={form.name}
                  maxLength={200}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  onInput={(e) => set('name', e.currentTarget.value)}
                />
              )}
            </Field>
            <Field
              label="Access token lifetime (seconds)"
              optional
              error={ttlInvalid ? 'Enter a whole number of seconds.' : refused.of('access_token_ttl')}
              hint="Empty means the server default."
            >
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  class="input"
                  inputMode="numeric"
                  value={form.ttl}
                  placeholder="Server default"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  onInput={(e) => set('ttl', e.currentTarget.value)}
                />
              )}
            </Field>
          </div>
          <Field label="Description" optional error={refused.of('description')}>
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                class="input textarea"
                rows={2}
                maxLength={2000}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={form.description}
                onInput={(e) => set('description', e.currentTarget.value)}
              />
            )}
          </Field>
          <RoleChecklist
            roles={roles}
            selected={form.roles}
            onChange={(value) => set('roles', value)}
            hint="The client may ask for the scopes of these roles."
          />
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
                value={form.scope}
                spellcheck={false}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                onInput={(e) => set('scope', e.currentTarget.value)}
              />
            )}
          </Field>
          {client.token_endpoint_auth_method !== 'none' && (
            <CheckOption {...INTROSPECTION_OPTION} checked={form.introspection} onChange={(value) => set('introspection', value)} />
          )}
          {usesRedirects && (
            <>
              <Field label="Redirect URIs" hint="One per line, matched exactly." error={refused.of('redirect_uris')}>
                {({ id, describedBy, invalid }) => (
                  <textarea
                    id={id}
                    class="input textarea mono"
                    rows={2}
                    spellcheck={false}
                    value={form.redirectUris}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onInput={(e) => set('redirectUris', e.currentTarget.value)}
                  />
                )}
              </Field>
              <Field label="Post-logout redirect URIs" optional hint="One per line." error={refused.of('post_logout_redirect_uris')}>
                {({ id, describedBy, invalid }) => (
                  <textarea
                    id={id}
                    class="input textarea mono"
                    rows={1}
                    spellcheck={false}
                    value={form.logoutUris}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onInput={(e) => set('logoutUris', e.currentTarget.value)}
                  />
                )}
              </Field>
            </>
          )}
        </fieldset>
        {refused.unplaced && (
          <Alert tone="error" title="The changes were not saved">
            {refused.unplaced.message}
          </Alert>
        )}
        {saved && !dirty && <Alert tone="success">Changes saved.</Alert>}
        {!disabled && <FormActions dirty={dirty} busy={save.busy} onDiscard={() => setForm(initial())} label="Save changes" />}
      </form>
    </Card>
  );
}
