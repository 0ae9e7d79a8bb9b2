/** Where this playground is, and what its server says: the settings (config.json), the APIs (apis.json), a document. */

import type { PlaygroundEntry as ApiEntry, PlaygroundKind as ApiKind, PlaygroundConfig } from '../../../src/playground/views.js';

export type { ApiEntry, ApiKind, PlaygroundConfig };

/** What the start-up screens call this app (screens.tsx). */
export const PLAYGROUND = { tag: 'API playground', name: 'API playground' };

/** "/playground/" or "/t/acme/playground/": every tenant has its playground below its base. */
export const PLAYGROUND_BASE = `${/^(.*?)\/playground(?:\/|$)/.exec(location.pathname)?.[1] ?? ''}/playground/`;

/** The sign-in popup's landing page, which hands the code back (callback.ts). */
export const isCallbackPage = (pathname = location.pathname) => /\/playground\/callback$/.test(pathname);

const TIMEOUT_MS = 15_000;

async function getJson<T>(url: string, what: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new Error(
      (error as Error).name === 'TimeoutError' ? `${what} did not arrive within ${TIMEOUT_MS / 1000} seconds.` : `Could not reach ${url}.`,
    );
  }
  if (!response.ok) throw new Error(`${what} could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as T;
}

export const loadConfig = () => getJson<PlaygroundConfig>(`${PLAYGROUND_BASE}config.json`, "The playground's settings");

export const loadApis = async () => (await getJson<{ apis: ApiEntry[] }>(`${PLAYGROUND_BASE}apis.json`, 'The list of APIs')).apis;

export const loadDocument = (entry: ApiEntry) => getJson<Record<string, unknown>>(entry.document, `The OpenAPI document of ${entry.title}`);

/** The API chosen by the address (`?api=ID`); Gatehouse's own endpoints without one. */
export const selectedApiId = () => new URLSearchParams(location.search).get('api') ?? 'gatehouse';

/**
 * The address of the playground for another API. A full load: the page's CSP lets it call only the selected API, and
 * the token (whose audience is one API) is dropped with it. The client ID stays in the fragment, never a secret.
 */
export function playgroundUrl(apiId: string, clientId?: string): string {
  const fragment = clientId ? `#${new URLSearchParams({ client_id: clientId })}` : '';
  return `${PLAYGROUND_BASE}?${new URLSearchParams({ api: apiId })}${fragment}`;
}

/** What the console's links put in the fragment: the app client and the scopes its roles allow (read once, at load). */
export function fragmentPrefill(): { clientId: string; scopes: string[] } {
  const fragment = new URLSearchParams(location.hash.slice(1));
  return { clientId: fragment.get('client_id') ?? '', scopes: (fragment.get('scope') ?? '').split(' ').filter(Boolean) };
}
