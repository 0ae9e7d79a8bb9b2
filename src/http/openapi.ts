import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { ADMIN_SCOPE, DEMO_READ_SCOPE, MEMBER_SCOPE } from '../management/builtins.js';
import { OIDC_SCOPES } from '../oauth/authorization-request.js';
import { ENDPOINT_PATHS } from '../oauth/discovery.js';
import { TenantRouting } from '../tenants/routing.js';

type SecurityRequirement = { readonly [scheme: string]: readonly string[] };

const OIDC_SCOPE_DESCRIPTIONS: Record<(typeof OIDC_SCOPES)[number], string> = {
  openid: 'Sign the user in: an ID token, and the UserInfo endpoint',
  profile: "The user's name and username",
  email: "The user's email address",
  offline_access: 'A refresh token, to keep access while the user is away',
  offline: 'Same as offline_access',
};

/**
 * The scopes a token of this server can carry, by who holds it. Machines (client_credentials) get only the scopes of
 * their roles; people can also ask for OpenID Connect's. `offline` is left out of the list: it is the other spelling
 * of offline_access, and listing both would only make the Authorize dialog longer.
 */
export function documentedScopes(): { machine: Record<string, string>; user: Record<string, string> } {
  const machine = {
    [DEMO_READ_SCOPE]: 'Read the demo API (GET /api/demo/items)',
    [ADMIN_SCOPE]: 'Administer Gatehouse through the admin API (a person needs the admin role too)',
  };
  const oidc = Object.fromEntries(
    OIDC_SCOPES.filter((scope) => scope !== 'offline').map((scope) => [scope, OIDC_SCOPE_DESCRIPTIONS[scope]]),
  );
  const person = {
    [MEMBER_SCOPE]: 'Manage the accounts you are a member of, as far as your account role allows (the console asks for it)',
  };
  return { machine, user: { ...oidc, ...machine, ...person } };
}

/**
 * Every bearer token this server's APIs accept comes from this server, so an operation that takes a bearer token
 * also takes one obtained through the `oauth2` scheme (its flows, as the playground runs them). Routes may say so
 * themselves; for those that list only `bearer`, the alternative is added to the document here.
 */
export function withOAuth2Alternative(security: readonly SecurityRequirement[]): SecurityRequirement[] {
  if (security.some((requirement) => 'oauth2' in requirement)) return [...security];
  const oauth2 = security.filter((requirement) => 'bearer' in requirement).map((requirement) => ({ oauth2: requirement.bearer! }));
  return [...security, ...oauth2];
}

/** OpenAPI 3.1, generated from the route schemas, served at /openapi.json. Register before the routes. */
export async function registerOpenApi(app: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const { issuer } = gatehouse.config;
  const scopes = documentedScopes();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        version: '0.1.0',
        description:
          'OAuth 2.1 / OpenID Connect authorization server: token, revocation, introspection and UserInfo endpoints, ' +
          'discovery, the admin API and a demo protected API.\n\n' +
          'To call a protected API, get a token: by client credentials with the ID and secret of an app client ' +
          '(create one in the console or with `gatehouse clients create`), or by authorization code to sign in as a ' +
          'person with the built-in public client `gatehouse-playground` (PKCE, no secret). The API playground at ' +
          '`/playground/` does either in the browser.',
      },
      servers: [{ url: issuer }],
      tags: [
        { name: 'oauth', description: 'OAuth 2.1 endpoints (RFC 6749, 7009, 7662)' },
        { name: 'oidc', description: 'OpenID Connect' },
        { name: 'discovery', description: 'Server metadata and signing keys' },
        { name: 'admin', description: `Admin API: a token with the ${ADMIN_SCOPE} scope, or a member's with ${MEMBER_SCOPE}` },
        { name: 'accounts', description: `Your own accounts: a person's token with the ${MEMBER_SCOPE} scope` },
        { name: 'demo', description: 'A demo protected API' },
        { name: 'operations', description: 'Health' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token issued by this server' },
          oauth2: {
            type: 'oauth2',
            description: 'An access token from this server, by client credentials or by authorization code with PKCE',
            flows: {
              clientCredentials: { tokenUrl: issuer + ENDPOINT_PATHS.token, scopes: scopes.machine },
              authorizationCode: {
                authorizationUrl: issuer + ENDPOINT_PATHS.authorization,
                tokenUrl: issuer + ENDPOINT_PATHS.token,
                refreshUrl: issuer + ENDPOINT_PATHS.token,
                scopes: scopes.user,
              },
            },
          },
          clientBasic: { type: 'http', scheme: 'basic', description: 'client_id and client_secret (client_secret_basic)' },
        },
      },
    },
    transform: ({ schema, url }) => {
      // The document describes the root; every tenant's copy of its endpoints (/t/{tenant}/…) is the same API.
      if (url.startsWith(`${TenantRouting.PATH_PREFIX}/`)) return { schema: { ...schema, hide: true }, url };
      if (!schema?.security) return { schema, url };
      return { schema: { ...schema, security: withOAuth2Alternative(schema.security) }, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

// @fastify/swagger augments `fastify`'s FastifySchema, but fastify re-exports that interface from here, where the
// augmentation does not reach; the documentation keys are declared where the interface lives.
declare module 'fastify/types/schema.js' {
  interface FastifySchema {
    hide?: boolean;
    summary?: string;
    description?: string;
    tags?: readonly string[];
    consumes?: readonly string[];
    security?: ReadonlyArray<{ [securityLabel: string]: readonly string[] }>;
  }
}
