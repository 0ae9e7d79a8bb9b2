import { useState } from 'preact/hooks';
import { PlusIcon, UsersIcon } from '../components/icons';
import { ListPager, SearchBox, useSearchedPages } from '../components/paged-list';
import {
  Alert,
  Badge,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  LinkCell,
  PageHeader,
  RoleChecklist,
  RoleStatusCreatedCells,
  Spinner,
  TableHead,
  TableWrap,
  usePlacedError,
} from '../components/ui';
import { useCan, useConsole } from '../context';
import { useAction, useLoad, useTitle } from '../hooks';
import { navigate } from '../router';
import type { NewUser, UserView } from '../types';

const MIN_PASSWORD = 8;

export function UsersPage() {
  useTitle('Users');
  const { api } = useConsole();
  const canAdmin = useCan('admin');
  const pages = useSearchedPages((page) => api.pageUsers(page));
  const { filter: search, page, loaded: users } = pages;
  const [creating, setCreating] = useState(false);
  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
      <PlusIcon size={16} />
      <span>Create user</span>
    </button>
  );
  const list = users.data?.users ?? [];
  const none = !search && page === 0 && list.length === 0 && !pages.hasNext;

  return (
    <>
      <PageHeader
        title="Users"
        description="People who sign in to your apps through Gatehouse. Disabling a user ends their sessions at once."
        actions={canAdmin ? createButton : undefined}
      />
      {users.loading && !users.data ? (
        <Spinner label="Loading users…" />
      ) : users.error && !users.data ? (
        <ErrorMessage error={users.error} />
      ) : none && !users.loading ? (
        <EmptyState icon={UsersIcon} title="No users yet" action={canAdmin ? createButton : undefined}>
          Create users here, or let people sign up on the sign-in page.
        </EmptyState>
      ) : (
        <>
          {users.error && <ErrorMessage error={users.error} />}
          <SearchBox label="Search users" placeholder="Search by username, name or email" list={pages} />
          <TableWrap label="Users">
            <table class="table" aria-label="Users" aria-busy={users.loading}>
              <TableHead columns={['User', 'Email', 'Roles', 'Status', 'Created']} />
              <tbody>
                {list.length === 0 && (
                  <tr>
                    <td colSpan={5} class="cell-empty">
                      {search ? `No user matches “${search}”.` : 'No more users.'}
                    </td>
                  </tr>
                )}
                {list.map((user) => (
                  <tr key={user.id}>
                    <LinkCell to={`/users/${encodeURIComponent(user.id)}`} secondary={user.name}>
                      {user.username}
                    </LinkCell>
                    <td>
                      {user.email ? (
                        <>
                          {user.email} {user.email_verified && <Badge tone="success">Verified</Badge>}
                        </>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <RoleStatusCreatedCells roles={user.roles} status={user.status} createdAt={user.created_at} />
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <ListPager label="User pages" noun={['user', 'users']} count={list.length} list={pages} matching={search} />
        </>
      )}
      {creating && (
        <CreateUserDialog
          onClose={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false);
            navigate(`/users/${encodeURIComponent(user.id)}`);
          }}
        />
      )}
    </>
  );
}

function CreateUserDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (user: UserView) => void }) {
  const { api } = useConsole();
  const roles = useLoad(() => api.listRoles(), []);
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [touched, setTouched] = useState(false);
  const errors = {
    username: touched && !username.trim() ? 'Enter a username.' : undefined,
    password: touched && password.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : undefined,
    email:
      touched && email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())
        ? 'Enter an email address like name@example.com.'
        : undefined,
  };
  const create = useAction(async () => {
    const input: NewUser = { username: username.trim(), password };
    if (name.trim()) input.name = name.trim();
    if (email.trim()) input.email = email.trim();
    if (selected.length) input.roles = selected;
    onCreated(await api.createUser(input));
  });
  const refused = usePlacedError(create.error, ['username', 'name', 'email', 'password']);
  return (
    <FormDialog
      title="Create user"
      onClose={onClose}
      wide
      noValidate
      busy={create.busy}
      submitLabel="Create user"
      busyLabel="Creating…"
      onSubmit={(event) => {
        setTouched(true);
        const valid =
          username.trim() && password.length >= MIN_PASSWORD && (!email.trim() || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()));
        if (valid) void create.run();
        else requestAnimationFrame(() => (event.target as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      }}
    >
      <div class="form-grid">
        <Field label="Username" error={errors.username ?? refused.of('username')} hint="Lower-case letters, digits and . _ @ + -">
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              value={username}
              maxLength={64}
              autoFocus
              autoComplete="off"
              autoCapitalize="none"
              spellcheck={false}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Full name" optional error={refused.of('name')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              value={name}
              maxLength={200}
              autoComplete="off"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Email" optional error={errors.email ?? refused.of('email')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="email"
              class="input"
              value={email}
              maxLength={254}
              autoComplete="off"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Password"
          error={errors.password ?? refused.of('password')}
          hint={`At least ${MIN_PASSWORD} characters, not a common password nor the username. Share it with the user privately.`}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="password"
              class="input"
              value={password}
              maxLength={1024}
              autoComplete="new-password"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      {roles.error ? (
        <ErrorMessage error={roles.error} />
      ) : (
        <RoleChecklist
          roles={roles.data ?? []}
          selected={selected}
          onChange={setSelected}
          hint="The admin role gives access to this console."
        />
      )}
      {refused.unplaced && (
        <Alert tone="error" title="The user was not created">
          {refused.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}
