import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { BuildingIcon, PlusIcon, SearchIcon } from '../components/icons';
import {
  Alert,
  Badge,
  ConfirmDialog,
  CopyButton,
  CopyField,
  Dialog,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  PageHeader,
  PageNotice,
  Pager,
  Spinner,
  StatusBadge,
  TableHead,
  TableWrap,
  Time,
} from '../components/ui';
import { useConsole } from '../context';
import { useAction, useLoad, useTitle } from '../hooks';
import type { NewTenant, TenantView } from '../types';

const PAGE_SIZE = 50;
/** Typing pauses this long before the search is sent: one request per word, not per key. */
const SEARCH_DELAY_MS = 300;
/** The platform's own tenant (DEFAULT_TENANT): the server refuses to suspend or delete it. */
const DEFAULT_TENANT = 'default';
const COLUMNS = ['Tenant', 'Status', 'Issuer', 'Created'];
const ID_RULE = 'Lowercase letters, digits and inner hyphens, 1–32 characters (for example acme-corp). Part of its URLs; it cannot change.';

type Pending = { kind: 'suspend' | 'delete'; tenant: TenantView };

export function TenantsPage() {
  useTitle('Tenants');
  const { api } = useConsole();
  const [typed, setTyped] = useState('');
  // The search sent, and the pages seen of its results: cursors[i] is the `after` cursor of page i (undefined: from
  // the first tenant); "Next" pushes the answer's `next`, "Previous" pops. A new search starts again at page 0.
  const [{ search, cursors }, setView] = useState<{ search: string; cursors: (string | undefined)[] }>({
    search: '',
    cursors: [undefined],
  });
  const page = cursors.length - 1;
  const setCursors = (change: (cursors: (string | undefined)[]) => (string | undefined)[]) =>
    setView((view) => ({ ...view, cursors: change(view.cursors) }));
  const tenants = useLoad(() => api.listTenants({ search: search || undefined, after: cursors[page], limit: PAGE_SIZE }), [search, page]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<TenantView>();
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const resume = useAction(async (tenant: TenantView) => {
    await api.resumeTenant(tenant.id);
    setNotice(`${tenant.name} (${tenant.id}) resumed: its sign-in is open and its tokens are accepted again.`);
    tenants.reload();
  });

  const searchFor = (text: string) => {
    const value = text.trim();
    setView((view) => (view.search === value ? view : { search: value, cursors: [undefined] }));
  };
  useEffect(() => {
    const timer = setTimeout(() => searchFor(typed), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);

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
          <search class="toolbar">
            <form
              class="search"
              onSubmit={(event) => {
                event.preventDefault();
                searchFor(typed);
              }}
            >
              <label class="search-icon">
                <SearchIcon size={16} />
                <span class="sr-only">Search tenants</span>
                <input
                  type="search"
                  class="input"
                  placeholder="Search by id or name"
                  maxLength={100}
                  value={typed}
                  spellcheck={false}
                  autoComplete="off"
                  onInput={(event) => setTyped(event.currentTarget.value)}
                />
              </label>
            </form>
          </search>
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
                  />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label="Tenant pages"
            summary={`Page ${page + 1}${list.length ? ` · ${list.length} tenant${list.length === 1 ? '' : 's'}` : ''}${search ? ` matching “${search}”` : ''}`}
            loading={tenants.loading}
            hasPrevious={page > 0}
            hasNext={Boolean(tenants.data?.next)}
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={() => setCursors((c) => [...c, tenants.data!.next ?? undefined])}
          />
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
}: {
  tenant: TenantView;
  busy: boolean;
  onSuspend: () => void;
  onResume: () => void;
  onDelete: () => void;
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

/**
 * The field an admin API error is about, from its description ("\"Acme\" is not a tenant id", "tenant \"acme\" exists
 * already", "maxClients must be …", "body/quotas/max_users must be …"); undefined for the dialog as a whole.
 */
function fieldOf(error: Error): TenantField | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const text = error.message;
  // The id first: its messages quote the id typed, which may itself read "max_users".
  if (/tenant id|reserved|exists already|\/id\b/.test(text)) return 'id';
  if (/max_?clients/i.test(text)) return 'max_clients';
  if (/max_?users/i.test(text)) return 'max_users';
  if (/name/.test(text)) return 'name';
  return undefined;
}

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
  const serverField = create.error ? fieldOf(create.error) : undefined;
  const errors: Record<TenantField, string | undefined> = {
    id: touched && !values.id.trim() ? 'Enter an id for the tenant.' : serverField === 'id' ? create.error!.message : undefined,
    name: touched && !values.name.trim() ? 'Enter a name for the tenant.' : serverField === 'name' ? create.error!.message : undefined,
    max_clients: (touched && quotaProblem(values.max_clients)) || (serverField === 'max_clients' ? create.error!.message : undefined),
    max_users: (touched && quotaProblem(values.max_users)) || (serverField === 'max_users' ? create.error!.message : undefined),
  };
  // The server's refusal moves focus to the field it is about, so a screen reader reads the field and its error.
  useEffect(() => {
    if (serverField) requestAnimationFrame(() => document.querySelector<HTMLElement>('dialog[open] [aria-invalid="true"]')?.focus());
  }, [create.error]);
  const set = (field: TenantField) => (event: { currentTarget: HTMLInputElement }) => {
    setValues((current) => ({ ...current, [field]: event.currentTarget.value }));
    // The server's complaint was about the old value.
    if (serverField === field) create.setError(undefined);
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
      {create.error && !serverField && (
        <Alert tone="error" title="The tenant was not created">
          {create.error.message}
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
      <div class="dialog-footer">
        <button type="button" class="btn btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
