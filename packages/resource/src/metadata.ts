/** RFC 9728 §2: the metadata a protected resource publishes about itself (the members this kit fills in). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  jwks_uri?: string;
  scopes_supported?: string[];
  bearer_methods_supported?: string[];
  resource_signing_alg_values_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
}

export interface ProtectedResourceMetadataOptions {
  /** This resource's identifier (RFC 9728 §1.2): an https URL without a fragment, the `aud` its tokens carry. */
  resource: string | URL;
  /** Issuer identifiers of the authorization servers whose tokens this resource accepts. */
  authorizationServers?: readonly (string | URL)[];
  /** Scopes a client may need to call this resource. */
  scopesSupported?: readonly string[];
  /** Human-readable name of the resource. */
  resourceName?: string;
  /** Where developers can read how to use the resource. */
  resourceDocumentation?: string | URL;
  resourcePolicyUri?: string | URL;
  resourceTosUri?: string | URL;
  /** Where this resource's own signing keys are, if it signs responses; not the authorization server's keys. */
  jwksUri?: string | URL;
  resourceSigningAlgValuesSupported?: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * RFC 9728 §1.2 wants an https URL without a fragment; plain http is accepted for loopback hosts only, so a resource
 * on a developer's machine can be described as well.
 */
function resourceIdentifier(resource: string | URL): URL {
  const url = new URL(resource);
  // An empty fragment ("…#") leaves url.hash empty, so the text is checked as well.
  if (url.hash !== '' || String(resource).includes('#')) {
    throw new TypeError('a resource identifier must not have a fragment (RFC 9728 §1.2)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new TypeError('a resource identifier must be an https URL (http only on localhost and loopback addresses)');
  }
  return url;
}

/**
 * Where a resource's metadata document lives (RFC 9728 §3.1): `/.well-known/oauth-protected-resource` inserted
 * between the host and the resource's path, so `https://api.example.com/orders` is described at
 * `https://api.example.com/.well-known/oauth-protected-resource/orders`. Pass it to `bearerChallenge` (and the
 * middleware) as `resourceMetadata` so that 401 answers point clients to it (§5.1).
 *
 * @example
 * protectedResourceMetadataUrl('https://api.example.com/orders');
 * // 'https://api.example.com/.well-known/oauth-protected-resource/orders'
 */
export function protectedResourceMetadataUrl(resource: string | URL): string {
  const url = resourceIdentifier(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}

/**
 * The path part of `protectedResourceMetadataUrl`, for mounting the document's route in the resource's own app.
 *
 * @example
 * protectedResourceMetadataPath('https://api.example.com/orders'); // '/.well-known/oauth-protected-resource/orders'
 */
export function protectedResourceMetadataPath(resource: string | URL): string {
  return new URL(protectedResourceMetadataUrl(resource)).pathname;
}

/**
 * The JSON document to serve at `protectedResourceMetadataUrl(resource)` (RFC 9728 §2, §3.2: status 200,
 * `application/json`). `resource` is copied exactly as given: §3.3 has clients compare it with the identifier they
 * used to find the document. Bearer tokens are taken from the Authorization header only (`bearer_methods_supported`).
 *
 * @example
 * const resource = 'https://api.example.com/orders';
 * app.get(protectedResourceMetadataPath(resource), (req, res) =>
 *   res.json(protectedResourceMetadata({ resource, authorizationServers: ['https://auth.example.com'] })));
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  resourceIdentifier(options.resource);
  const document: ProtectedResourceMetadata = { resource: String(options.resource) };
  if (options.authorizationServers) document.authorization_servers = options.authorizationServers.map(String);
  if (options.jwksUri !== undefined) document.jwks_uri = String(options.jwksUri);
  if (options.scopesSupported) document.scopes_supported = [...options.scopesSupported];
  document.bearer_methods_supported = ['header'];
  if (options.resourceSigningAlgValuesSupported) {
    document.resource_signing_alg_values_supported = [...options.resourceSigningAlgValuesSupported];
  }
  if (options.resourceName !== undefined) document.resource_name = options.resourceName;
  if (options.resourceDocumentation !== undefined) document.resource_documentation = String(options.resourceDocumentation);
  if (options.resourcePolicyUri !== undefined) document.resource_policy_uri = String(options.resourcePolicyUri);
  if (options.resourceTosUri !== undefined) document.resource_tos_uri = String(options.resourceTosUri);
  return document;
}
