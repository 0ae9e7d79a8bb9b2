/**
 * Where this console is: every tenant has one at {its base}/console/, its base being `/t/{tenant}` under path
 * routing and '' at the root or on a tenant's own host. The console's files are the same for all (built for
 * /console/); its settings, admin API and routes are the tenant's, found from the page's own path.
 */
export const TENANT_BASE = /^\/t\/[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?=\/console(?:\/|$))/.exec(location.pathname)?.[0] ?? '';

/** "/console/" or "/t/acme/console/". */
export const CONSOLE_BASE = `${TENANT_BASE}${import.meta.env.BASE_URL}`;

/** The platform console's pages of one account: /console/a/{account}/… (only on the platform's own console). */
const ACCOUNT_PATH = /^\/a\/([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)(?=\/|$)/;
const CONSOLE_ROOT = CONSOLE_BASE.replace(/\/$/, '');

/**
 * Where the page is in the console: the account whose pages it shows, if any, and the route below it ("/clients/abc").
 * Read from the address every time, so a sign-in's callback that puts back the address the person came from is enough.
 */
export function locate(pathname = location.pathname): { account: string | undefined; path: string } {
  const rest = pathname.startsWith(CONSOLE_ROOT) ? pathname.slice(CONSOLE_ROOT.length) : pathname;
  const account = TENANT_BASE === '' ? ACCOUNT_PATH.exec(rest) : null;
  const path = account ? rest.slice(account[0].length) : rest;
  return { account: account?.[1], path: path === '' ? '/' : path };
}

/** Where the admin API of the page's account is: its tenant's, for an account page; this console's tenant's otherwise. */
export const apiBase = (): string => {
  const { account } = locate();
  return account ? `/t/${account}` : TENANT_BASE;
};
