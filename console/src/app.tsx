import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AdminApi } from './api';
import type { Auth, SignedIn } from './auth';
import { AppsIcon, BuildingIcon, KeyIcon, ListIcon, Logo, ShieldIcon, SignOutIcon, UsersIcon } from './components/icons';
import { ADMIN_SCOPE } from './config';
import { Console, type ConsoleContext, type Endpoints } from './context';
import { AuditPage } from './pages/audit';
import { ClientDetailPage } from './pages/client-detail';
import { ClientsPage } from './pages/clients';
import { KeysPage } from './pages/keys';
import { NotFoundPage } from './pages/not-found';
import { RolesPage } from './pages/roles';
import { TenantsPage } from './pages/tenants';
import { UserDetailPage } from './pages/user-detail';
import { UsersPage } from './pages/users';
import { Link, match, navigate, useRoute } from './router';
import { Busy, NoAccess } from './screens';
import { useTableLabels } from './table-labels';

const NAVIGATION: { to: string; label: string; icon: (props: { size?: number }) => JSX.Element }[] = [
  { to: '/clients', label: 'API access', icon: AppsIcon },
  { to: '/roles', label: 'Roles & scopes', icon: ShieldIcon },
  { to: '/users', label: 'Users', icon: UsersIcon },
  { to: '/keys', label: 'Signing keys', icon: KeyIcon },
  { to: '/audit', label: 'Audit log', icon: ListIcon },
];
/** The platform's pages: only in the default tenant's console (ConsoleConfig.platform). */
const PLATFORM_NAVIGATION: typeof NAVIGATION = [{ to: '/tenants', label: 'Tenants', icon: BuildingIcon }];

function pageFor(path: string, platform: boolean): JSX.Element {
  if (path === '/clients') return <ClientsPage />;
  const client = match('/clients/:id', path)?.id;
  if (client) return <ClientDetailPage key={client} clientId={client} />;
  if (path === '/roles') return <RolesPage />;
  if (path === '/users') return <UsersPage />;
  const user = match('/users/:id', path)?.id;
  if (user) return <UserDetailPage key={user} userId={user} />;
  if (path === '/keys') return <KeysPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/tenants' && platform) return <TenantsPage />;
  return <NotFoundPage />;
}

function initials(text: string): string {
  const parts = text.split(/[\s._@-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

export function App({ auth, session, endpoints }: { auth: Auth; session: SignedIn; endpoints: Endpoints }) {
  const [forbidden, setForbidden] = useState(!session.scopes.includes(ADMIN_SCOPE));
  const [reauthenticating, setReauthenticating] = useState(false);
  const { path } = useRoute();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useTableLabels(main);

  const context = useMemo<ConsoleContext>(() => {
    let redirecting = false;
    const api = new AdminApi({
      accessToken: () => (Date.now() < session.expiresAt - 5_000 ? session.accessToken : undefined),
      onUnauthorized: () => {
        if (redirecting) return;
        redirecting = true;
        setReauthenticating(true);
        void auth.signIn(location.pathname + location.search);
      },
      onForbidden: () => setForbidden(true),
    });
    return { api, auth, session, tokenEndpoint: endpoints.token, endpoints };
  }, [auth, session, endpoints]);

  // "/" is API access; an unknown path shows a not-found page inside the console.
  useEffect(() => {
    if (path === '/' || path === '/callback') navigate('/clients', { replace: true });
  }, [path]);

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
  }, [path]);

  const { platform } = auth.config;
  const navigation = platform ? [...NAVIGATION, ...PLATFORM_NAVIGATION] : NAVIGATION;
  const who = session.user.name ?? session.user.username ?? 'this account';
  if (reauthenticating) return <Busy message="Your sign-in has expired. Signing you in again…" />;
  if (forbidden) return <NoAccess who={session.user.username ?? who} signOutUrl={auth.signOutUrl(session)} />;

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
            </ul>
          </nav>
          <div class="sidebar-footer">
            <span class="sidebar-footer-label">Issuer</span>
            <span class="sidebar-footer-value" title={auth.config.issuer}>
              {auth.config.issuer}
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
            </div>
            <a class="btn btn-ghost btn-small" href={auth.signOutUrl(session)}>
              <SignOutIcon size={16} />
              <span>Sign out</span>
            </a>
          </header>
          <main id="main" class="main" tabIndex={-1} ref={main}>
            {pageFor(path, platform)}
          </main>
        </div>
      </div>
    </Console.Provider>
  );
}
