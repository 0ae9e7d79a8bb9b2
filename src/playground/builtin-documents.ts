/** An OpenAPI document as JSON; only the members read or replaced here are typed. */
export type OpenApiDocument = Record<string, unknown> & {
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  tags?: { name: string }[];
  components?: { securitySchemes?: Record<string, { flows?: Record<string, Record<string, unknown>> }> };
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const DEMO_TAG = 'demo';

/** The operations of `document` that `keep` accepts (by method and path); paths left with none go. */
function withOperations(document: OpenApiDocument, keep: (method: string, path: string, operation: { tags?: string[] }) => boolean) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const kept = Object.entries(item).filter(([key, operation]) => !METHODS.has(key) || keep(key, path, operation as { tags?: string[] }));
    if (kept.some(([key]) => METHODS.has(key))) paths[path] = Object.fromEntries(kept);
  }
  return paths;
}

const isDemo = (operation: { tags?: string[] }) => operation.tags?.includes(DEMO_TAG) === true;

/**
 * What the playground shows as Gatehouse's own endpoints at a tenant: the server's document (generated from the
 * routes, at the root) less the demo API, with the tenant's issuer as its server and in its OAuth flows' URLs, and
 * only the operations served at that tenant (`servedAtTenant`: the platform's own routes are the root's alone).
 */
export function gatehouseDocument(
  document: OpenApiDocument,
  root: string,
  issuer: string,
  servedAtTenant: (method: string, path: string) => boolean,
): OpenApiDocument {
  const rebase = (url: unknown) => (typeof url === 'string' && url.startsWith(root) ? issuer + url.slice(root.length) : url);
  const schemes = Object.fromEntries(
    Object.entries(document.components?.securitySchemes ?? {}).map(([name, scheme]) => [
      name,
      scheme.flows === undefined
        ? scheme
        : {
            ...scheme,
            flows: Object.fromEntries(
              Object.entries(scheme.flows).map(([flow, urls]) => [
                flow,
                {
                  ...urls,
                  tokenUrl: rebase(urls.tokenUrl),
                  authorizationUrl: rebase(urls.authorizationUrl),
                  refreshUrl: rebase(urls.refreshUrl),
                },
              ]),
            ),
          },
    ]),
  );
  return {
    ...document,
    servers: [{ url: issuer }],
    tags: (document.tags ?? []).filter((tag) => tag.name !== DEMO_TAG),
    paths: withOperations(document, (method, path, operation) => !isDemo(operation) && (root === issuer || servedAtTenant(method, path))),
    components: { ...document.components, securitySchemes: schemes },
  };
}

/** The demo API's own document: its operations of the server's document, served at the platform's root. */
export function demoDocument(document: OpenApiDocument, root: string): OpenApiDocument {
  return {
    ...document,
    info: {
      title: 'Gatehouse demo API',
      version: String(document.info?.version ?? '1'),
      description:
        'A small protected API of this platform, to try tokens on. `whoami` answers for any access token of any account; ' +
        '`items` needs the demo:read scope.',
    },
    servers: [{ url: root }],
    tags: (document.tags ?? []).filter((tag) => tag.name === DEMO_TAG),
    paths: withOperations(document, (_method, _path, operation) => isDemo(operation)),
  };
}
