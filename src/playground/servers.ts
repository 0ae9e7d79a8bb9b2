/**
 * Where an OpenAPI document says its API is served (OpenAPI 3.1 §4.8.5, Server Object): each server's URL with its
 * variables' defaults filled in (§4.8.6), resolved against where the document came from (a relative URL is relative
 * to the document's location; no servers means `/`), without a trailing slash so that a path can follow. Only http(s)
 * URLs are kept: the playground's page fetches them, and their origins go into its Content-Security-Policy.
 */
export function documentServers(document: Readonly<Record<string, unknown>>, base: string): string[] {
  const listed = Array.isArray(document.servers) ? document.servers : [];
  const urls = listed.map(filledServerUrl).filter((url): url is string => url !== undefined);
  const resolved = (urls.length > 0 ? urls : ['/']).map((url) => absoluteHttpUrl(url, base));
  return [...new Set(resolved.filter((url): url is string => url !== undefined))];
}

/** The origins of the servers, for a connect-src directive: scheme, host and port only, nothing a policy could misread. */
export const serverOrigins = (servers: readonly string[]): string[] => [...new Set(servers.map((server) => new URL(server).origin))];

function filledServerUrl(server: unknown): string | undefined {
  if (typeof server !== 'object' || server === null) return undefined;
  const { url, variables } = server as { url?: unknown; variables?: unknown };
  if (typeof url !== 'string') return undefined;
  const defaults = typeof variables === 'object' && variables !== null ? (variables as Record<string, { default?: unknown }>) : {};
  let unfilled = false;
  const filled = url.replace(/\{([^{}]*)\}/g, (_match, name: string) => {
    const value = Object.hasOwn(defaults, name) ? defaults[name]?.default : undefined;
    if (typeof value === 'string') return value;
    unfilled = true;
    return '';
  });
  return unfilled ? undefined : filled;
}

function absoluteHttpUrl(url: string, base: string): string | undefined {
  try {
    const absolute = new URL(url, base);
    if (absolute.protocol !== 'https:' && absolute.protocol !== 'http:') return undefined;
    if (absolute.username !== '' || absolute.password !== '') return undefined;
    absolute.search = '';
    absolute.hash = '';
    return absolute.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
