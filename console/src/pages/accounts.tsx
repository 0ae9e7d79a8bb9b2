import { useState } from 'preact/hooks';
import { BuildingIcon, PlusIcon } from '../components/icons';
import { Badge, Card, EmptyState, ErrorMessage, Field, PageHeader, Spinner, StatusBadge } from '../components/ui';
import { useConsole } from '../context';
import { useAction, useTitle } from '../hooks';
import { Link, navigate } from '../router';
import type { AccountView } from '../types';

const ID_RULE =
  'Lowercase letters, digits and inner hyphens, 1–32 characters (for example acme-corp). It is part of your URLs and cannot change.';

/** A name as a suggested account id: "Acme Corp." → "acme-corp". */
const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');

/**
 * The accounts the signed-in person is a member of, and (when the platform's sign-up is on) a form to create one of
 * their own. The list comes from the shell (it drives the account switcher too); creating one lands in it.
 */
export function AccountsPage({ accounts, onChanged }: { accounts: AccountView[] | undefined; onChanged: () => void }) {
  useTitle('Your accounts');
  const { auth } = useConsole();
  const selfService = auth.config.selfService === true;
  return (
    <>
      <PageHeader
        title="Your accounts"
        description="An account is your organisation's place here: its own authentication URL, app clients, users and team."
      />
      {accounts === undefined ? (
        <Spinner label="Loading your accounts…" />
      ) : accounts.length === 0 ? (
        <EmptyState icon={BuildingIcon} title="You are not a member of any account yet">
          {selfService
            ? 'Create one below, or open the invitation link someone on a team sent you.'
            : 'Open the invitation link someone on a team sent you, or ask the platform operators for an account.'}
        </EmptyState>
      ) : (
        <ul class="account-list" aria-label="Your accounts">
          {accounts.map((account) => (
            <li key={account.id} class="account-item">
              <Link to="/clients" account={account.id} class="account-link">
                <span class="cell-title">{account.name}</span>
                <span class="cell-secondary">
                  <code class="mono-small">{account.id}</code>
                </span>
              </Link>
              <span class="account-badges">
                <Badge tone="info">{account.role}</Badge>
                {account.status !== 'active' && <StatusBadge status={account.status} />}
              </span>
            </li>
          ))}
        </ul>
      )}
      {selfService && <CreateAccountCard onCreated={onChanged} />}
    </>
  );
}

function CreateAccountCard({ onCreated }: { onCreated: () => void }) {
  const { api } = useConsole();
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [idEdited, setIdEdited] = useState(false);
  const create = useAction(async () => {
    const account = await api.createMyAccount({ id: id.trim(), name: name.trim() });
    onCreated();
    navigate('/clients', { account: account.id });
  });
  return (
    <Card title="Create an account" description="You become its owner: you can invite your team and create app clients at once.">
      <form
        class="card-body"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run();
        }}
      >
        <div class="form-grid">
          <Field label="Name" hint="Your organisation or project, as your team and your users see it.">
            {({ id: fieldId, describedBy }) => (
              <input
                id={fieldId}
                class="input"
                required
                maxLength={200}
                value={name}
                aria-describedby={describedBy}
                onInput={(event) => {
                  const value = event.currentTarget.value;
                  setName(value);
                  if (!idEdited) setId(slugOf(value));
                }}
              />
            )}
          </Field>
          <Field label="Account id" hint={ID_RULE}>
            {({ id: fieldId, describedBy }) => (
              <input
                id={fieldId}
                class="input mono"
                required
                maxLength={32}
                pattern="[a-z0-9](?:[a-z0-9\-]{0,30}[a-z0-9])?"
                spellcheck={false}
                autoComplete="off"
                value={id}
                aria-describedby={describedBy}
                onInput={(event) => {
                  setIdEdited(true);
                  setId(event.currentTarget.value);
                }}
              />
            )}
          </Field>
        </div>
        <ErrorMessage error={create.error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={create.busy || !name.trim() || !id.trim()} aria-busy={create.busy}>
            <PlusIcon size={16} />
            <span>{create.busy ? 'Creating…' : 'Create account'}</span>
          </button>
        </div>
      </form>
    </Card>
  );
}
