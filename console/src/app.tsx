import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AdminApi } from './api';
import type { Auth, SignedIn } from './auth';
import {
  AppsIcon,
  BuildingIcon,
  KeyIcon,
  ListIcon,
  LockIcon,
  Logo,
  ServerIcon,
  ShieldIcon,
  SignOutIcon,
  UsersIcon,
} from './components/icons';
import { ADMIN_SCOPE, MEMBER_SCOPE } from './config';
import { Console, type ConsoleContext, type Endpoints } from './context';
import { useLoad } from './hooks';
import { AccountSettingsPage } from './pages/account-settings';
import { AccountsPage } from './pages/accounts';
import { ApisPage } from './pages/apis';
import { AuditPage } from './pages/audit';
import { ClientDetailPage } from './pages/client-detail';
import { ClientsPage } from './pages/clients';
import { JoinPage } from './pages/join';
import { KeysPage } from './pages/keys';
import { MembersPage } from './pages/members';
import { NotFoundPage } from './pages/not-found';
import { RolesPage } from './pages/roles';
import { TenantsPage } from './pages/tenants';
import { UserDetailPage } from './pages/user-detail';
import { UsersPage } from './pages/users';
import { href, Link, match, navigate, useRoute } from './router';
import { Busy, NoAccess, NotAMember } from './screens';
import { useTableLabels } from './table-labels';
import type { AccountView } from './types';

const NAVIGATION: { to: string; label: string; icon: (props: { size?: number }) => JSX.Element }[] = [
  { to: '/clients', label: 'API access', icon: AppsIcon },
  { to: '/roles', label: 'Roles & scopes', icon: ShieldIcon },
  { to: '/apis', label: 'APIs', icon: ServerIcon },
  { to: '/users', label: 'Users', icon: UsersIcon },
  { to: '/keys', label: 'Signing keys', icon: KeyIcon },
  { to: '/audit', label: 'Audit log', icon: ListIcon },
];
/** The platform's pages: only in the default tenant's console (ConsoleConfig.platform). */
const PLATFORM_NAVIGATION: typeof NAVIGATION = [{ to: '/tenants', label: 'Tenants', icon: BuildingIcon }];
/** An account's team and settings: on its pages in the platform's console. */
const ACCOUNT_NAVIGATION: typeof NAVIGATION = [
  { to: '/members', label: 'Members', icon: UsersIcon },
  { to: '/settings', label: 'Settings', icon: LockIcon },
];

function pageFor(path: string, platform: boolean, inAccount: boolean): JSX.Element {
  if (path === '/clients') return <ClientsPage />;
  const client = match('/clients/:id', path)?.id;
  if (client) return <ClientDetailPage key={client} clientId={client} />;
  if (path === '/roles') return <RolesPage />;
  if (path === '/apis') return <ApisPage />;
  if (path === '/users') return <UsersPage />;
  const user = match('/users/:id', path)?.id;
  if (user) return <UserDetailPage key={user} userId={user} />;
  if (path === '/keys') return <KeysPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/tenants' && platform) return <TenantsPage />;
  if (path === '/members' && inAccount) return <MembersPage />;
  if (path === '/settings' && inAccount) return <AccountSettingsPage />;
  return <NotFoundPage />;
}

function initials(text: string): string {
  const parts = text.split(/[\s._@-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** The URLs apps of `issuer` are configured with, from its discovery document. */
async function discover(issuer: string): Promise<Endpoints> {
  const discovery = `${issuer}/.well-known/openid-configuration`;
  const response = await fetch(discovery, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The discovery document of ${issuer} could not be read (HTTP ${response.status}).`);
  const server = (await response.json()) as { token_endpoint?: string; authorization_endpoint?: string; jwks_uri?: string };
  return {
    issuer,
    token: server.token_endpoint ?? `${issuer}/oauth2/token`,
    ...(server.authorization_endpoint ? { authorization: server.authorization_endpoint } : {}),
    discovery,
    ...(server.jwks_uri ? { jwks: server.jwks_uri } : {}),
  };
}

/**
 * The signed-in console. On a tenant's own console: that tenant, for its administrators. On the platform's console:
 * the platform for its administrators, and for every person the accounts they are members of (/a/{id}/…), each with
 * its own admin API and endpoints, and what their account role allows; /accounts lists them, /join takes an invitation.
 */
export function App({ auth, session }: { auth: Auth; session: SignedIn }) {
  const administrator = session.scopes.includes(ADMIN_SCOPE);
  // People of the platform: the accounts they are members of (none on a tenant's own console).
  const person = auth.config.platform && session.scopes.includes(MEMBER_SCOPE);
  const [forbidden, setForbidden] = useState(!administrator && !person);
  const [reauthenticating, setReauthenticating] = useState(false);
  const { path, account: accountId } = useRoute();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  const api = useMemo(() => {
    let redirecting = false;
    return new AdminApi({
      accessToken: () => (Date.now() < session.expiresAt - 5_000 ? session.accessToken : undefined),
      onUnauthorized: () => {
        if (redirecting) return;
        redirecting = true;
        setReauthenticating(true);
        void auth.signIn(location.pathname + location.search);
      },
      onForbidden: () => {
        // A member is told what their role lacks, page by page; only the console's own administrators lose everything.
        if (!person) setForbidden(true);
      },
    });
  }, [auth, session]);
  const accounts = useLoad<AccountView[]>(() => (person ? api.listMyAccounts() : Promise.resolve([])), [person]);
  const account = accountId === undefined ? undefined : accounts.data?.find((entry) => entry.id === accountId);
  const issuer = account?.issuer ?? auth.config.issuer;
  const endpoints = useLoad(() => discover(issuer), [issuer]);

  // The endpoints of the account shown, not those of the one before while its discovery is read.
  const current = endpoints.data?.issuer === issuer ? endpoints.data : undefined;
  const context = useMemo<ConsoleContext | undefined>(
    () =>
      current && {
        api,
        auth,
        session,
        tokenEndpoint: current.token,
        endpoints: current,
        account,
        role: account?.role ?? 'administrator',
      },
    [api, auth, session, current, account],
  );

  useTableLabels(main, [accountId, context === undefined, accounts.loading]);

  // "/" is API access for an administrator, and for a person with one account that account's; else their accounts.
  useEffect(() => {
    if (path !== '/' && path !== '/callback') return;
    if (accountId !== undefined || administrator) navigate('/clients', { replace: true });
    else if (accounts.data?.length === 1) navigate('/clients', { replace: true, account: accounts.data[0]!.id });
    else if (accounts.data) navigate('/accounts', { replace: true });
  }, [path, accountId, accounts.data]);

  // After client-side navigation, move focus to the new page's heading so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const frame = requestAnimationFrame(() => {
      const heading = main.current?.querySelector<HTMLElement>('h1');
      (heading ?? main.current)?.focus({ preventScroll: false });
      window.scrollTo(0, 0);
    });
    return () => cancelAnimationFrame(frame);
  }, [path, accountId]);

  const platform = auth.config.platform && accountId === undefined && administrator;
  const who = session.user.name ?? session.user.username ?? 'this account';
  if (reauthenticating) return <Busy message="Your sign-in has expired. Signing you in again…" />;
  if (forbidden) return <NoAccess who={session.user.username ?? who} signOutUrl={auth.signOutUrl(session)} />;
  // Just created or joined, the list is being read again: wait for it before saying they are no member.
  if (accounts.loading && (!accounts.data || (accountId !== undefined && !account))) return <Busy message="Loading your accounts…" />;
  if (accountId !== undefined && !account) {
    return <NotAMember account={accountId} who={session.user.username ?? who} accountsUrl={href('/accounts', null)} />;
  }
  if (!context) return endpoints.error ? <Busy message={endpoints.error.message} /> : <Busy message="Loading the console…" />;

  // A person outside any account sees their accounts (and the invitation page) only, unless they administer the platform.
  const outside = accountId === undefined && !administrator;
  const navigation = outside ? [] : [...NAVIGATION, ...(platform ? PLATFORM_NAVIGATION : []), ...(account ? ACCOUNT_NAVIGATION : [])];
  const page =
    path === '/join' && person ? (
      <JoinPage onJoined={accounts.reload} />
    ) : path === '/accounts' && person ? (
      <AccountsPage accounts={accounts.data} onChanged={accounts.reload} />
    ) : outside ? (
      <AccountsPage accounts={accounts.data} onChanged={accounts.reload} />
    ) : (
      pageFor(path, platform, account !== undefined)
    );

  return (
    <Console.Provider value={context}>
      <div class="shell">
        <a href="#main" class="skip-link">
          Skip to main content
        </a>
        <aside class="sidebar">
          <div class="sidebar-brand">
            <Logo size={30} />
            <span class="brand-name">Gatehouse</span>
            <span class="brand-tag">Console</span>
          </div>
          {person && (accounts.data?.length || administrator) ? (
            <AccountSwitcher accounts={accounts.data ?? []} current={accountId} administrator={administrator} />
          ) : null}
          <nav class="sidebar-nav" aria-label="Console">
            <ul>
              {navigation.map(({ to, label, icon: Icon }) => {
                const current = path === to || path.startsWith(`${to}/`);
                return (
                  <li key={to}>
                    <Link to={to} class={`nav-link${current ? ' active' : ''}`} aria-current={current ? 'page' : undefined}>
                      <Icon size={18} />
                      <span>{label}</span>
                    </Link>
                  </li>
                );
              })}
              {person && (
                <li>
                  <Link
                    to="/accounts"
                    account={null}
                    class={`nav-link${path === '/accounts' && accountId === undefined ? ' active' : ''}`}
                    aria-current={path === '/accounts' && accountId === undefined ? 'page' : undefined}
                  >
                    <BuildingIcon size={18} />
                    <span>Your accounts</span>
                  </Link>
                </li>
              )}
            </ul>
          </nav>
          <div class="sidebar-footer">
            <span class="sidebar-footer-label">Issuer</span>
            <span class="sidebar-footer-value" title={issuer}>
              {issuer}
            </span>
          </div>
        </aside>
        <div class="main-column">
          <header class="topbar">
            <div class="topbar-user">
              <span class="avatar" aria-hidden="true">
                {initials(who)}
              </span>
              <span class="topbar-who">
                <span class="topbar-name">{who}</span>
                {session.user.username && session.user.username !== who && <span class="topbar-username">{session.user.username}</span>}
              </span>
              {account && <span class="badge badge-info">{account.role}</span>}
            </div>
            <a class="btn btn-ghost btn-small" href={auth.signOutUrl(session)}>
              <SignOutIcon size={16} />
              <span>Sign out</span>
            </a>
          </header>
          <main id="main" class="main" tabIndex={-1} ref={main} key={accountId ?? ''}>
            {page}
          </main>
        </div>
      </div>
    </Console.Provider>
  );
}

/** Which account's pages the console shows: the platform's own (for its administrators) or one the person is a member of. */
function AccountSwitcher({
  accounts,
  current,
  administrator,
}: {
  accounts: AccountView[];
  current: string | undefined;
  administrator: boolean;
}) {
  const PLATFORM = '';
  return (
    <div class="account-switcher">
      <label class="sidebar-footer-label" for="account-switcher">
        Account
      </label>
      <select
        id="account-switcher"
        class="input"
        value={current ?? PLATFORM}
        onChange={(event) => {
          const next = event.currentTarget.value;
          navigate(next === PLATFORM ? (administrator ? '/clients' : '/accounts') : '/clients', {
            account: next === PLATFORM ? null : next,
          });
        }}
      >
        {administrator ? (
          <option value={PLATFORM}>The platform</option>
        ) : (
          current === undefined && <option value={PLATFORM}>Choose an account</option>
        )}
        {accounts.map((entry) => (
          <option key={entry.id} value={entry.id}>
            {entry.name} ({entry.role})
          </option>
        ))}
      </select>
    </div>
  );
}
