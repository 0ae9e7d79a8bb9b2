import { useState } from 'preact/hooks';
import { BuildingIcon, PlusIcon } from '../components/icons';
import { type InvitationCreated, InvitationSentDialog, InviteDialog } from '../components/invitations';
import { ListPager, SearchBox, useSearchedPages } from '../components/paged-list';
import {
  Alert,
  Badge,
  ConfirmDialog,
  CopyButton,
  CopyField,
  Dialog,
  DoneFooter,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  PageHeader,
  PageNotice,
  Spinner,
  StatusBadge,
  TableHead,
  TableWrap,
  Time,
  usePlacedError,
} from '../components/ui';
import { useConsole } from '../context';
import { useAction, useTitle } from '../hooks';
import type { NewTenant, TenantView } from '../types';

/** The platform's own tenant (DEFAULT_TENANT): the server refuses to suspend or delete it. */
const DEFAULT_TENANT = 'default';
const COLUMNS = ['Tenant', 'Status', 'Issuer', 'Created'];
const ID_RULE = 'Lowercase letters, digits and inner hyphens, 1–32 characters (for example acme-corp). Part of its URLs; it cannot change.';

type Pending = { kind: 'suspend' | 'delete' | 'invite'; tenant: TenantView };

export function TenantsPage() {
  useTitle('Tenants');
  const { api } = useConsole();
  const pages = useSearchedPages((page) => api.listTenants(page));
  const { filter: search, page, loaded: tenants } = pages;
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<TenantView>();
  const [pending, setPending] = useState<Pending>();
  // A tenant the operators made has no team until someone is invited: its first owner, usually.
  const [invited, setInvited] = useState<InvitationCreated>();
  const [notice, setNotice] = useState<string>();
  const resume = useAction(async (tenant: TenantView) => {
    await api.resumeTenant(tenant.id);
    setNotice(`${tenant.name} (${tenant.id}) resumed: its sign-in is open and its tokens are accepted again.`);
    tenants.reload();
  });

  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
      <PlusIcon size={16} />
      <span>Create tenant</span>
    </button>
  );
  const list = tenants.data?.tenants ?? [];
  // The default tenant is always there; a platform with no other tenant has none of its customers' yet.
  const none = !search && page === 0 && list.every((tenant) => tenant.id === DEFAULT_TENANT);

  return (
    <>
      <PageHeader
        title="Tenants"
        description="Each tenant is a customer of the platform with an issuer of its own: its own keys, app clients, users and audit log."
        actions={createButton}
      />
      <PageNotice notice={notice} />
      <ErrorMessage error={resume.error} />
      {tenants.loading && !tenants.data ? (
        <Spinner label="Loading tenants…" />
      ) : tenants.error && !tenants.data ? (
        <ErrorMessage error={tenants.error} />
      ) : none && !tenants.loading ? (
        <EmptyState icon={BuildingIcon} title="No tenants yet" action={createButton}>
          Create a tenant for each customer. It gets its own issuer at once, under this server's address.
        </EmptyState>
      ) : (
        <>
          {tenants.error && <ErrorMessage error={tenants.error} />}
          <SearchBox label="Search tenants" placeholder="Search by id or name" list={pages} />
          <TableWrap label="Tenants">
            <table class="table" aria-label="Tenants" aria-busy={tenants.loading}>
              <TableHead columns={COLUMNS} actions />
              <tbody>
                {list.length === 0 && (
                  <tr>
                    <td colSpan={COLUMNS.length + 1} class="cell-empty">
                      {search ? `No tenant matches “${search}”.` : 'No more tenants.'}
                    </td>
                  </tr>
                )}
                {list.map((tenant) => (
                  <TenantRow
                    key={tenant.id}
                    tenant={tenant}
                    busy={resume.busy}
                    onSuspend={() => setPending({ kind: 'suspend', tenant })}
                    onResume={() => void resume.run(tenant)}
                    onDelete={() => setPending({ kind: 'delete', tenant })}
                    onInvite={() => setPending({ kind: 'invite', tenant })}
                  />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <ListPager label="Tenant pages" noun={['tenant', 'tenants']} count={list.length} list={pages} matching={search} />
        </>
      )}
      {creating && (
        <CreateTenantDialog
          onClose={() => setCreating(false)}
          onCreated={(tenant) => {
            setCreating(false);
            setCreated(tenant);
            setNotice(undefined);
            tenants.reload();
          }}
        />
      )}
      {created && <TenantCreatedDialog tenant={created} onDone={() => setCreated(undefined)} />}
      {pending?.kind === 'invite' && (
        <InviteDialog
          title={`Invite to ${pending.tenant.name}`}
          initialRole="owner"
          invite={(input) => api.inviteToTenant(pending.tenant.id, input)}
          onClose={() => setPending(undefined)}
          onInvited={(made) => {
            setPending(undefined);
            setInvited(made);
          }}
        />
      )}
      {invited && <InvitationSentDialog created={invited} onDone={() => setInvited(undefined)} />}
      {pending?.kind === 'suspend' && (
        <ConfirmDialog
          title={`Suspend ${pending.tenant.name}?`}
          confirmLabel="Suspend tenant"
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            await api.suspendTenant(pending.tenant.id);
            setPending(undefined);
            setNotice(`${pending.tenant.name} (${pending.tenant.id}) suspended.`);
            tenants.reload();
          }}
        >
          <p>
            Every token of <strong>{pending.tenant.id}</strong> is refused at once: its token endpoint, introspection, userinfo and key set
            answer 403, and nobody can sign in to it. An API that checks its tokens offline with keys fetched before accepts them until they
            expire. Its data is kept: resume it to open it again.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${pending.tenant.name}?`}
          confirmLabel="Delete tenant"
          typeToConfirm={pending.tenant.id}
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            await api.deleteTenant(pending.tenant.id);
            setPending(undefined);
            setNotice(`${pending.tenant.name} (${pending.tenant.id}) deleted with all its data.`);
            tenants.reload();
          }}
        >
          <p>
            All the data of <strong>{pending.tenant.id}</strong> is purged: its app clients, users, roles, APIs, signing keys, sessions and
            audit log. Its issuer stops at once and this cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function TenantRow({
  tenant,
  busy,
  onSuspend,
  onResume,
  onDelete,
  onInvite,
}: {
  tenant: TenantView;
  busy: boolean;
  onSuspend: () => void;
  onResume: () => void;
  onDelete: () => void;
  onInvite: () => void;
}) {
  const platform = tenant.id === DEFAULT_TENANT;
  return (
    <tr>
      <td class="cell-primary">
        <span class="cell-title">{tenant.name}</span>
        {platform && <Badge tone="info">Platform</Badge>}
        <div class="cell-secondary">
          <code class="mono-small">{tenant.id}</code>
        </div>
      </td>
      <td>
        <StatusBadge status={tenant.status} />
      </td>
      <td>
        <div class="cell-copy">
          <code class="mono-small cell-issuer">{tenant.issuer}</code>
          <CopyButton value={tenant.issuer} label={`Issuer of ${tenant.id}`} iconOnly />
        </div>
      </td>
      <td class="nowrap">
        <Time value={tenant.created_at} />
      </td>
      <td class="cell-actions">
        {/* The platform's own tenant: the server refuses to suspend or delete it, so nothing is offered. */}
        {!platform && (
          <div class="row-actions">
            <button type="button" class="btn btn-secondary btn-small" aria-label={`Invite someone to ${tenant.id}`} onClick={onInvite}>
              Invite
            </button>
            {tenant.status === 'active' ? (
              <button type="button" class="btn btn-secondary btn-small" aria-label={`Suspend ${tenant.id}`} onClick={onSuspend}>
                Suspend
              </button>
            ) : (
              <button
                type="button"
                class="btn btn-secondary btn-small"
                aria-label={`Resume ${tenant.id}`}
                disabled={busy}
                onClick={onResume}
              >
                Resume
              </button>
            )}
            <button type="button" class="btn btn-danger-outline btn-small" aria-label={`Delete ${tenant.id}`} onClick={onDelete}>
              Delete
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

type TenantField = 'id' | 'name' | 'max_clients' | 'max_users';

/** The admin API's names of the dialog's inputs, where a refusal of one is shown. */
const TENANT_FIELDS: Record<TenantField, string> = {
  id: 'id',
  name: 'name',
  max_clients: 'quotas/max_clients',
  max_users: 'quotas/max_users',
};

/** A quota typed in the dialog: empty for none, else a whole number. */
const quotaProblem = (text: string) =>
  text.trim() === '' || /^\d+$/.test(text.trim()) ? undefined : 'Enter a whole number, or leave it empty for no limit.';

function CreateTenantDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (tenant: TenantView) => void }) {
  const { api } = useConsole();
  const [values, setValues] = useState<Record<TenantField, string>>({ id: '', name: '', max_clients: '', max_users: '' });
  const [touched, setTouched] = useState(false);
  const create = useAction(async () => {
    const input: NewTenant = { id: values.id.trim(), name: values.name.trim() };
    const quotas: NonNullable<NewTenant['quotas']> = {};
    if (values.max_clients.trim()) quotas.max_clients = Number(values.max_clients.trim());
    if (values.max_users.trim()) quotas.max_users = Number(values.max_users.trim());
    if (Object.keys(quotas).length) input.quotas = quotas;
    onCreated(await api.createTenant(input));
  });
  // The id's rule is the server's (TENANT_ID_RULE and its reserved words): its answer is shown beside the field.
  const refused = usePlacedError(create.error, Object.values(TENANT_FIELDS));
  const serverError = (field: TenantField) => refused.of(TENANT_FIELDS[field]);
  const errors: Record<TenantField, string | undefined> = {
    id: touched && !values.id.trim() ? 'Enter an id for the tenant.' : serverError('id'),
    name: touched && !values.name.trim() ? 'Enter a name for the tenant.' : serverError('name'),
    max_clients: (touched && quotaProblem(values.max_clients)) || serverError('max_clients'),
    max_users: (touched && quotaProblem(values.max_users)) || serverError('max_users'),
  };
  const set = (field: TenantField) => (event: { currentTarget: HTMLInputElement }) => {
    setValues((current) => ({ ...current, [field]: event.currentTarget.value }));
    // The server's complaint was about the old value.
    if (serverError(field)) create.setError(undefined);
  };
  const input =
    (field: TenantField, props: { mono?: boolean; narrow?: boolean; maxLength: number; numeric?: boolean }) =>
    ({ id, describedBy, invalid }: { id: string; describedBy: string | undefined; invalid: boolean }) => (
      <input
        id={id}
        class={`input${props.mono ? ' mono' : ''}${props.narrow ? ' input-narrow' : ''}`}
        value={values[field]}
        maxLength={props.maxLength}
        inputMode={props.numeric ? 'numeric' : undefined}
        placeholder={props.numeric ? 'No limit' : undefined}
        autoFocus={field === 'id'}
        autoComplete="off"
        autoCapitalize="none"
        spellcheck={false}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        onInput={set(field)}
      />
    );
  return (
    <FormDialog
      title="Create tenant"
      onClose={onClose}
      wide
      noValidate
      busy={create.busy}
      submitLabel="Create tenant"
      busyLabel="Creating…"
      onSubmit={(event) => {
        setTouched(true);
        const valid = values.id.trim() && values.name.trim() && !quotaProblem(values.max_clients) && !quotaProblem(values.max_users);
        if (valid) void create.run();
        else requestAnimationFrame(() => (event.target as HTMLFormElement).querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      }}
    >
      <div class="form-grid">
        <Field label="Tenant id" hint={ID_RULE} error={errors.id}>
          {input('id', { mono: true, maxLength: 32 })}
        </Field>
        <Field label="Name" hint="Shown to its users on its sign-in pages." error={errors.name}>
          {input('name', { maxLength: 200 })}
        </Field>
        <Field label="Max app clients" optional error={errors.max_clients}>
          {input('max_clients', { narrow: true, numeric: true, maxLength: 8 })}
        </Field>
        <Field label="Max users" optional error={errors.max_users}>
          {input('max_users', { narrow: true, numeric: true, maxLength: 8 })}
        </Field>
      </div>
      {refused.unplaced && (
        <Alert tone="error" title="The tenant was not created">
          {refused.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}

/** What the new tenant's operators and app clients need first: its issuer and token endpoint. */
function TenantCreatedDialog({ tenant, onDone }: { tenant: TenantView; onDone: () => void }) {
  return (
    <Dialog title="Tenant created" onClose={onDone} wide>
      <div class="dialog-body">
        <p class="dialog-lead">
          <strong>{tenant.name}</strong> is ready. Its app clients get tokens at its own token endpoint; APIs trust its issuer.
        </p>
        <CopyField label="Issuer" value={tenant.issuer} hint="Discovery is at {issuer}/.well-known/openid-configuration." />
        <CopyField label="Token endpoint" value={`${tenant.issuer}/oauth2/token`} />
      </div>
      <DoneFooter onDone={onDone} />
    </Dialog>
  );
}
