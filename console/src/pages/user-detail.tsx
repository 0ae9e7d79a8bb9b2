import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { DeleteDialog } from '../components/delete-dialog';
import { AppsIcon, MonitorIcon } from '../components/icons';
import {
  ActionCell,
  Alert,
  Badge,
  Breadcrumb,
  Card,
  CardStatus,
  CheckOption,
  Chips,
  ConfirmDialog,
  EmptyState,
  ErrorMessage,
  Field,
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
import { navigate } from '../router';
import type { ApiResource, Consent, Session, UserView } from '../types';

type Pending = { kind: 'disable' } | { kind: 'delete' } | { kind: 'consent'; consent: Consent } | { kind: 'session'; session: Session };

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
  // The server refuses to disable or delete the last active administrator; asking what deleting would take tells it
  // ahead (409 with the reason), so the buttons are off with that reason shown. Asked again after every change.
  const guard = useLoad(
    () =>
      api.userDependents(userId).then(
        () => undefined,
        (error: unknown) => (error instanceof ApiError && error.status === 409 ? error.message : undefined),
      ),
    [userId, user.data?.updated_at],
  );
  const lastAdministrator = guard.data;
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
              disabled={isMe || lastAdministrator !== undefined}
              title={isMe ? 'You cannot disable yourself' : lastAdministrator}
              aria-describedby={lastAdministrator ? 'last-administrator' : undefined}
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
      {lastAdministrator && (
        <Alert tone="info" title="The last active administrator" class="page-alert">
          <span id="last-administrator">{lastAdministrator}</span>
        </Alert>
      )}
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
          <ProfileCard person={person} onSaved={(saved) => user.setData(saved)} />
          <RolesCard person={person} isMe={isMe} onSaved={(saved) => user.setData(saved)} />
          <PasswordCard
            person={person}
            onSaved={(saved) => {
              user.setData(saved);
              setNotice(`A new password is set for ${saved.username}; their sessions have ended.`);
              sessions.reload();
            }}
          />
          <Card title="Delete user" class="card-danger">
            <div class="card-body">
              <p class="small" id="delete-user-reason">
                {lastAdministrator ??
                  (isMe
                    ? 'You cannot delete yourself.'
                    : 'Deleting removes this user: their sessions end, their consents go and the tokens they gave apps are revoked.')}
              </p>
              <button
                type="button"
                class="btn btn-danger-outline"
                disabled={isMe || lastAdministrator !== undefined}
                aria-describedby="delete-user-reason"
                onClick={() => setPending({ kind: 'delete' })}
              >
                Delete user
              </button>
            </div>
          </Card>
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
      {pending?.kind === 'delete' && (
        <DeleteDialog
          what="user"
          name={person.username}
          dependents={() => api.userDependents(person.id)}
          onClose={() => setPending(undefined)}
          onDelete={async () => {
            await api.deleteUser(person.id);
            navigate('/users');
          }}
        />
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

/** The user's profile claims (userinfo, ID tokens), changed here; username and id are shown, never changed. */
function ProfileCard({ person, onSaved }: { person: UserView; onSaved: (user: UserView) => void }) {
  const { api } = useConsole();
  const [name, setName] = useState(person.name ?? '');
  const [email, setEmail] = useState(person.email ?? '');
  const [verified, setVerified] = useState(person.email_verified);
  const [saved, setSaved] = useState(false);
  const emailChanged = email.trim() !== (person.email ?? '');
  const dirty = name.trim() !== (person.name ?? '') || emailChanged || verified !== person.email_verified;
  const discard = () => {
    setName(person.name ?? '');
    setEmail(person.email ?? '');
    setVerified(person.email_verified);
  };
  const save = useAction(async () => {
    const updated = await api.updateProfile(person.id, {
      name: name.trim(),
      email: email.trim(),
      // Checked by hand or not, a new address is sent with what the box says: the server would otherwise mark it unverified.
      email_verified: email.trim() ? verified : false,
    });
    onSaved(updated);
    setName(updated.name ?? '');
    setEmail(updated.email ?? '');
    setVerified(updated.email_verified);
    setSaved(true);
  });
  return (
    <Card title="Profile" description="What apps read about this user (userinfo and ID tokens).">
      <dl class="details">
        <dt>Username</dt>
        <dd>{person.username}</dd>
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
      <form
        class="card-body"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void save.run();
        }}
      >
        <Field label="Name" optional>
          {({ id }) => (
            <input id={id} class="input" value={name} maxLength={200} autoComplete="off" onInput={(e) => setName(e.currentTarget.value)} />
          )}
        </Field>
        <Field
          label="Email"
          optional
          hint={emailChanged && !verified ? 'A new address is unverified unless you check the box below.' : undefined}
        >
          {({ id, describedBy }) => (
            <input
              id={id}
              class="input"
              type="email"
              value={email}
              maxLength={254}
              autoComplete="off"
              spellcheck={false}
              aria-describedby={describedBy}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          )}
        </Field>
        <CheckOption
          title="Email address verified"
          detail={person.email_verified ? <Badge tone="success">Verified</Badge> : 'Apps see email_verified: false.'}
          checked={verified && email.trim() !== ''}
          onChange={setVerified}
        />
        {save.error && (
          <Alert tone="error" title="The profile was not saved">
            {save.error.message}
          </Alert>
        )}
        {saved && !dirty && <Alert tone="success">Profile saved.</Alert>}
        <FormActions dirty={dirty} busy={save.busy} onDiscard={discard} label="Save profile" />
      </form>
    </Card>
  );
}

/** A new password set by an administrator: judged by the password policy; the user's sessions end. */
function PasswordCard({ person, onSaved }: { person: UserView; onSaved: (user: UserView) => void }) {
  const { api } = useConsole();
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const save = useAction(async () => {
    const updated = await api.setUserPassword(person.id, password);
    setPassword('');
    setTouched(false);
    onSaved(updated);
  });
  const problem = touched && password === '' ? 'Enter the new password.' : save.error?.message;
  return (
    <Card title="Password" description="Set a new password when the user cannot. They are signed out everywhere.">
      <form
        class="card-body"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setTouched(true);
          if (password !== '') void save.run();
        }}
      >
        <Field
          label="New password"
          error={problem}
          hint="At least 8 characters; not a common password, nor one easily guessed from the username, name or email."
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="password"
              value={password}
              maxLength={1024}
              autoComplete="new-password"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => {
                save.setError(undefined);
                setPassword(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <div class="form-actions">
          <button type="submit" class="btn btn-secondary" disabled={save.busy} aria-busy={save.busy}>
            {save.busy ? 'Setting…' : 'Set password'}
          </button>
        </div>
      </form>
    </Card>
  );
}
