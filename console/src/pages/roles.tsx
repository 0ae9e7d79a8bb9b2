import { useState } from 'preact/hooks';
import { DeleteDialog } from '../components/delete-dialog';
import { PlusIcon, ShieldIcon } from '../components/icons';
import { ListPager, SearchBox, useSearchedPages } from '../components/paged-list';
import {
  Alert,
  Badge,
  Chips,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  PageHeader,
  PageNotice,
  Spinner,
  TableHead,
  TableWrap,
  TimeCell,
  usePlacedError,
} from '../components/ui';
import { useCan, useConsole } from '../context';
import { splitList } from '../format';
import { useAction, useTitle } from '../hooks';
import type { Role } from '../types';

const ADMIN_ROLE = 'admin';
const ROLE_COLUMNS = ['Role', 'Scopes', 'Created'];

export function RolesPage() {
  useTitle('Roles & scopes');
  const { api } = useConsole();
  const canAdmin = useCan('admin');
  const pages = useSearchedPages((page) => api.pageRoles(page));
  const { filter: search, page, loaded: roles } = pages;
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Role>();
  const [deleting, setDeleting] = useState<Role>();
  const [notice, setNotice] = useState<string>();

  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
      <PlusIcon size={16} />
      <span>Create role</span>
    </button>
  );
  // In the server's order: by name.
  const list = roles.data?.roles ?? [];
  const none = !search && page === 0 && list.length === 0 && !pages.hasNext;

  return (
    <>
      <PageHeader
        title="Roles & scopes"
        description="A role is a named set of scopes. App clients and users get the scopes of their roles, and access tokens carry them to your APIs."
        actions={canAdmin ? createButton : undefined}
      />
      <PageNotice notice={notice} />
      {roles.loading && !roles.data ? (
        <Spinner label="Loading roles…" />
      ) : roles.error && !roles.data ? (
        <ErrorMessage error={roles.error} />
      ) : none && !roles.loading ? (
        <EmptyState icon={ShieldIcon} title="No roles yet" action={canAdmin ? createButton : undefined}>
          Create a role such as <code>reader</code> with the scope <code>demo:read</code>, then give it to app clients.
        </EmptyState>
      ) : (
        <>
          {roles.error && <ErrorMessage error={roles.error} />}
          <SearchBox label="Search roles" placeholder="Search by name, description or scope" list={pages} />
          <TableWrap label="Roles">
            <table class="table" aria-label="Roles" aria-busy={roles.loading}>
              <TableHead columns={ROLE_COLUMNS} actions />
              <tbody>
                {list.length === 0 && (
                  <tr>
                    <td colSpan={ROLE_COLUMNS.length + 1} class="cell-empty">
                      {search ? `No role matches “${search}”.` : 'No more roles.'}
                    </td>
                  </tr>
                )}
                {list.map((role) => (
                  <tr key={role.name}>
                    <td class="cell-primary">
                      <span class="cell-title">{role.name}</span>
                      {role.name === ADMIN_ROLE && <Badge tone="info">Built-in</Badge>}
                      {role.description && <div class="cell-secondary">{role.description}</div>}
                    </td>
                    <td>
                      <Chips items={role.scopes} empty="No scopes" />
                    </td>
                    <TimeCell value={role.created_at} />
                    {role.name !== ADMIN_ROLE && !role.platform ? (
                      <td class="cell-actions">
                        <span class="button-row">
                          <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            aria-label={`Edit scopes of ${role.name}`}
                            onClick={() => setEditing(role)}
                          >
                            Edit scopes
                          </button>
                          <button
                            type="button"
                            class="btn btn-danger-outline btn-small"
                            aria-label={`Delete role ${role.name}`}
                            onClick={() => setDeleting(role)}
                          >
                            Delete
                          </button>
                        </span>
                      </td>
                    ) : (
                      <td class="cell-actions">
                        <span class="muted small">{role.platform ? "The platform's: read-only" : 'Built-in: cannot be deleted'}</span>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <ListPager label="Role pages" noun={['role', 'roles']} count={list.length} list={pages} matching={search} />
        </>
      )}

      {creating && (
        <CreateRoleDialog
          onClose={() => setCreating(false)}
          onCreated={(role) => {
            setCreating(false);
            setNotice(`Role "${role.name}" created.`);
            roles.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          what="role"
          name={deleting.name}
          dependents={() => api.roleDependents(deleting.name)}
          onClose={() => setDeleting(undefined)}
          onDelete={async () => {
            const { summary } = await api.deleteRole(deleting.name);
            setDeleting(undefined);
            setNotice(`Role "${deleting.name}" deleted${summary ? `; ${summary}` : ''}.`);
            roles.reload();
          }}
        />
      )}
      {editing && (
        <EditScopesDialog
          role={editing}
          onClose={() => setEditing(undefined)}
          onSaved={(role) => {
            setEditing(undefined);
            setNotice(`Scopes of "${role.name}" saved. Tokens issued from now on carry them.`);
            roles.reload();
          }}
        />
      )}
    </>
  );
}

function CreateRoleDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (role: Role) => void }) {
  const { api } = useConsole();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState('');
  const [touched, setTouched] = useState(false);
  const nameError = touched && !name.trim() ? 'Enter a name for the role.' : undefined;
  const create = useAction(async () => {
    const role = await api.createRole({
      name: name.trim(),
      scopes: splitList(scopes),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    onCreated(role);
  });
  const refused = usePlacedError(create.error, ['name', 'description', 'scopes']);
  return (
    <FormDialog
      title="Create role"
      onClose={onClose}
      noValidate
      busy={create.busy}
      submitLabel="Create role"
      busyLabel="Creating…"
      onSubmit={() => {
        setTouched(true);
        if (name.trim()) void create.run();
      }}
    >
      <Field label="Name" error={nameError ?? refused.of('name')} hint={'Letters, digits, ".", "_", ":" or "-", e.g. billing-reader.'}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class="input"
            value={name}
            maxLength={64}
            autoFocus
            autoComplete="off"
            spellcheck={false}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Description" optional error={refused.of('description')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class="input"
            value={description}
            maxLength={500}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Scopes" hint="Separated by spaces, e.g. invoices:read invoices:write." error={refused.of('scopes')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class="input mono"
            value={scopes}
            spellcheck={false}
            autoComplete="off"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => setScopes(e.currentTarget.value)}
          />
        )}
      </Field>
      {refused.unplaced && (
        <Alert tone="error" title="The role was not created">
          {refused.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}

function EditScopesDialog({ role, onClose, onSaved }: { role: Role; onClose: () => void; onSaved: (role: Role) => void }) {
  const { api } = useConsole();
  const [scopes, setScopes] = useState(role.scopes.join(' '));
  const save = useAction(async () => onSaved(await api.updateRoleScopes(role.name, splitList(scopes))));
  const refused = usePlacedError(save.error, ['scopes']);
  return (
    <FormDialog
      title={`Edit scopes of ${role.name}`}
      onClose={onClose}
      busy={save.busy}
      submitLabel="Save scopes"
      busyLabel="Saving…"
      onSubmit={() => void save.run()}
    >
      <Field
        label="Scopes"
        hint="Separated by spaces. Clients and users with this role get exactly these from their next token on."
        error={refused.of('scopes')}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            class="input textarea mono"
            rows={3}
            value={scopes}
            autoFocus
            spellcheck={false}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => setScopes(e.currentTarget.value)}
          />
        )}
      </Field>
      {refused.unplaced && (
        <Alert tone="error" title="The scopes were not saved">
          {refused.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}
