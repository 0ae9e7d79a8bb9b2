/**
 * Where this console is: every tenant has one at {its base}/console/, its base being `/t/{tenant}` under path
 * routing and '' at the root or on a tenant's own host. The console's files are the same for all (built for
 * /console/); its settings, admin API and routes are the tenant's, found from the page's own path.
 */
export const TENANT_BASE = /^\/t\/[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?=\/console(?:\/|$))/.exec(location.pathname)?.[0] ?? '';

/** "/console/" or "/t/acme/console/". */
export const CONSOLE_BASE = `${TENANT_BASE}${import.meta.env.BASE_URL}`;
