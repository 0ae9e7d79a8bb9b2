import { useState } from 'preact/hooks';
import { AppsIcon, MonitorIcon } from '../components/icons';
import {
  ActionCell,
  Alert,
  Badge,
  Breadcrumb,
  Card,
  CardStatus,
  Chips,
  ConfirmDialog,
  EmptyState,
  ErrorMessage,
  FormActions,
  LinkCell,
  PageHeader,
  PageNotice,
  RoleChecklist,
  Spinner,
  StatusBadge,
  TableHead,
  Time,
  TimeCell,
} from '../components/ui';
import { useConsole } from '../context';
import { describeUserAgent } from '../format';
import { useAction, useLoad, useTitle } from '../hooks';
import type { ApiResource, Consent, Session, UserView } from '../types';

type Pending = { kind: 'disable' } | { kind: 'consent'; consent: Consent } | { kind: 'session'; session: Session };

export function UserDetailPage({ userId }: { userId: string }) {
  const { api, session: me } = useConsole();
  const user = useLoad(() => api.getUser(userId), [userId]);
  const consents = useLoad(() => api.listConsents(userId), [userId]);
  // Names for the APIs consents are for; without them (an error) the identifiers alone are shown.
  const apis = useLoad(() => api.listApis().catch(() => undefined), []);
  const sessions = useLoad(() => api.listSessions(userId), [userId]);
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const [enableError, setEnableError] = useState<Error>();
  useTitle(user.data?.username ?? 'User');

  const breadcrumb = <Breadcrumb to="/users" parent="Users" current={user.data?.username ?? 'User'} />;
  if (!user.data) {
    return (
      <>
        <PageHeader title={user.error ? 'User not found' : 'User'} breadcrumb={breadcrumb} />
        {user.error ? <ErrorMessage error={user.error} /> : <Spinner label="Loading the user…" />}
      </>
    );
  }
  const person: UserView = user.data;
  const isMe = person.id === me.user.sub;
  const enable = async () => {
    setEnableError(undefined);
    try {
      user.setData(await api.enableUser(person.id));
      setNotice(`${person.username} can sign in again.`);
    } catch (error) {
      setEnableError(error as Error);
    }
  };

  return (
    <>
      <PageHeader
        title={person.username}
        badge={<StatusBadge status={person.status} />}
        description={person.name ?? undefined}
        breadcrumb={breadcrumb}
        actions={
          person.status === 'active' ? (
            <button
              type="button"
              class="btn btn-danger-outline"
              onClick={() => setPending({ kind: 'disable' })}
              disabled={isMe}
              title={isMe ? 'You cannot disable yourself' : undefined}
            >
              Disable user
            </button>
          ) : (
            <button type="button" class="btn btn-secondary" onClick={enable}>
              Enable user
            </button>
          )
        }
      />
      <PageNotice notice={notice} />
      {enableError && <ErrorMessage error={enableError} />}
      {person.status === 'disabled' && (
        <Alert tone="warning" title="This user is disabled" class="page-alert">
          They cannot sign in, and their sessions have ended. Enable the account to let them back in.
        </Alert>
      )}
      <div class="detail-grid">
        <div class="detail-main">
          <Card
            title="Apps allowed"
            description="Apps this user let act on their behalf. Withdrawing revokes the app's access and refresh tokens; it must ask again."
          >
            {consents.error || !consents.data ? (
              <CardStatus error={consents.error} />
            ) : consents.data.length === 0 ? (
              <EmptyState icon={AppsIcon} title="No apps allowed">
                When {person.username} allows an app on the consent page, it appears here.
              </EmptyState>
            ) : (
              <table class="table table-flush" aria-label="Apps allowed">
                <TableHead columns={['App', 'API', 'Scopes', 'Allowed']} actions />
                <tbody>
                  {/* A row per app and API (RFC 8707: consent is given per API), an app's rows together; withdrawing
                      ends the app's access at every API, so its first row alone has the button. */}
                  {byClient(consents.data).map((consent, index, rows) => (
                    <tr key={`${consent.client_id} ${consent.audience}`}>
                      <LinkCell to={`/clients/${encodeURIComponent(consent.client_id)}`}>{consent.client_name}</LinkCell>
                      <ApiCell audience={consent.audience} apis={apis.data} />
                      <td>
                        <Chips items={consent.scopes} />
                      </td>
                      {/* Relative, the exact time on hover: the API's identifier needs the width. */}
                      <TimeCell value={consent.granted_at} relative />
                      {index > 0 && rows[index - 1]!.client_id === consent.client_id ? (
                        <td class="cell-actions" />
                      ) : (
                        <ActionCell
                          label={`Withdraw consent for ${consent.client_name}`}
                          onClick={() => setPending({ kind: 'consent', consent })}
                        >
                          Withdraw
                        </ActionCell>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Sessions" description="Where this user is signed in to Gatehouse. Revoking a session signs them out there.">
            {sessions.error || !sessions.data ? (
              <CardStatus error={sessions.error} />
            ) : sessions.data.length === 0 ? (
              <EmptyState icon={MonitorIcon} title="No active sessions">
                {person.username} is not signed in anywhere.
              </EmptyState>
            ) : (
              <table class="table table-flush" aria-label="Sessions">
                <TableHead columns={['Device', 'IP address', 'Signed in', 'Expires']} actions />
                <tbody>
                  {sessions.data.map((session) => (
                    <tr key={session.id}>
                      <td class="cell-primary" title={session.user_agent ?? undefined}>
                        {describeUserAgent(session.user_agent)}
                      </td>
                      <td>
                        <code class="mono-small">{session.ip || '—'}</code>
                      </td>
                      <TimeCell value={session.auth_time} relative />
                      <TimeCell value={session.expires_at} relative />
                      <ActionCell
                        label={`Revoke session on ${describeUserAgent(session.user_agent)} from ${session.ip || 'unknown address'}`}
                        onClick={() => setPending({ kind: 'session', session })}
                      >
                        Revoke
                      </ActionCell>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
        <div class="detail-side">
          <Card title="Profile">
            <dl class="details">
              <dt>Username</dt>
              <dd>{person.username}</dd>
              <dt>Name</dt>
              <dd>{person.name ?? <span class="muted">—</span>}</dd>
              <dt>Email</dt>
              <dd>
                {person.email ? (
                  <>
                    {person.email} {person.email_verified ? <Badge tone="success">Verified</Badge> : <Badge>Unverified</Badge>}
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </dd>
              <dt>User ID</dt>
              <dd>
                <code class="mono-small break">{person.id}</code>
              </dd>
              <dt>Created</dt>
              <dd>
                <Time value={person.created_at} />
              </dd>
              <dt>Last changed</dt>
              <dd>
                <Time value={person.updated_at} />
              </dd>
            </dl>
          </Card>
          <RolesCard person={person} isMe={isMe} onSaved={(saved) => user.setData(saved)} />
        </div>
      </div>

      {pending?.kind === 'disable' && (
        <ConfirmDialog
          title={`Disable ${person.username}?`}
          confirmLabel="Disable user"
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            user.setData(await api.disableUser(person.id));
            setPending(undefined);
            setNotice(undefined);
            sessions.reload();
          }}
        >
          <p>
            <strong>{person.username}</strong> will be signed out everywhere and cannot sign in until you enable the account again.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'consent' && (
        <ConfirmDialog
          title={`Withdraw consent for ${pending.consent.client_name}?`}
          confirmLabel="Withdraw consent"
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            const result = await api.withdrawConsent(person.id, pending.consent.client_id);
            setPending(undefined);
            setNotice(
              `Consent for ${pending.consent.client_name} withdrawn${result.revoked_grants ? `; ${result.revoked_grants} grant${result.revoked_grants === 1 ? '' : 's'} revoked` : ''}.`,
            );
            consents.reload();
          }}
        >
          <p>
            {pending.consent.client_name} loses access to {person.username}'s account, at every API: its refresh tokens are revoked, and it
            must ask for consent again.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'session' && (
        <ConfirmDialog
          title="Revoke this session?"
          confirmLabel="Revoke session"
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            await api.revokeSession(pending.session.id);
            setPending(undefined);
            setNotice('Session revoked.');
            sessions.reload();
          }}
        >
          <p>
            {person.username} is signed out on {describeUserAgent(pending.session.user_agent)}
            {pending.session.ip ? ` (${pending.session.ip})` : ''} and must sign in again there.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** The consents with each app's rows together, apps in the order of their latest consent. */
function byClient(consents: Consent[]): Consent[] {
  const groups = new Map<string, Consent[]>();
  for (const consent of consents) groups.set(consent.client_id, [...(groups.get(consent.client_id) ?? []), consent]);
  return [...groups.values()].flat();
}

/** The API a consent is for: its name over its identifier, "Default API" for the audience of tokens without `resource`. */
function ApiCell({ audience, apis }: { audience: string; apis: { default: string; apis: ApiResource[] } | undefined }) {
  const name = audience === apis?.default ? 'Default API' : apis?.apis.find((registered) => registered.identifier === audience)?.name;
  return (
    <td class="cell-api">
      {name && name !== audience && <div>{name}</div>}
      <code class="mono-small">{audience}</code>
    </td>
  );
}

/**
 * The user's roles, given and taken here: the scopes follow at the next token. The server keeps the admin role on the
 * last active administrator and says so; that answer is shown here.
 */
function RolesCard({ person, isMe, onSaved }: { person: UserView; isMe: boolean; onSaved: (user: UserView) => void }) {
  const { api } = useConsole();
  const roles = useLoad(() => api.listRoles(), []);
  const [selected, setSelected] = useState(person.roles);
  const [saved, setSaved] = useState(false);
  const dirty = selected.length !== person.roles.length || selected.some((role) => !person.roles.includes(role));
  const save = useAction(async () => {
    onSaved(await api.setUserRoles(person.id, selected));
    setSaved(true);
  });
  return (
    <Card title="Roles" description="The scopes of these roles go into the user's next tokens.">
      {roles.error || !roles.data ? (
        <CardStatus error={roles.error} />
      ) : (
        <form
          class="card-body"
          onSubmit={(event) => {
            event.preventDefault();
            setSaved(false);
            void save.run();
          }}
        >
          <RoleChecklist
            roles={roles.data}
            selected={selected}
            onChange={(next) => {
              setSaved(false);
              setSelected(next);
            }}
            legend={`Roles of ${person.username}`}
            hint={isMe ? 'Taking the admin role from yourself ends your access to this console.' : undefined}
          />
          {save.error && (
            <Alert tone="error" title="The roles were not saved">
              {save.error.message}
            </Alert>
          )}
          {saved && !dirty && <Alert tone="success">Roles saved.</Alert>}
          <FormActions dirty={dirty} busy={save.busy} onDiscard={() => setSelected(person.roles)} label="Save roles" />
        </form>
      )}
    </Card>
  );
}
