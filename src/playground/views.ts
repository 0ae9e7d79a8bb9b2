/**
 * What the playground's server answers its page (console/src/playground imports these types): import-free, so the
 * console's build can read it.
 */

/** GET {base}/playground/config.json: the tenant's issuer and the built-in public client the page signs people in with. */
export interface PlaygroundConfig {
  issuer: string;
  /** The tenant's built-in public client, for signing in (authorization code + PKCE). */
  client_id: string;
  redirect_uri: string;
  authorization_endpoint: string;
  token_endpoint: string;
  /** The tenant's console, "{issuer}/console/". */
  console: string;
}

/** Gatehouse's own endpoints, the demo API, or an API registered by the tenant or by the platform. */
export type PlaygroundKind = 'gatehouse' | 'demo' | 'tenant' | 'platform';

/** One API the playground offers (GET {base}/playground/apis.json). */
export interface PlaygroundEntry {
  /** "gatehouse", "demo", or the API's identifier (an absolute URI, RFC 8707). */
  id: string;
  name: string;
  kind: PlaygroundKind;
  /** The `resource` of its token requests (RFC 8707); null: none, so the token is for the tenant's default audience. */
  resource: string | null;
  title: string;
  version: string;
  /** Where its operations are called: absolute base URLs, the first the default. */
  servers: string[];
  scopes: { name: string; description: string }[];
  /** Where the page reads the document, with `servers` made absolute. */
  document: string;
}
