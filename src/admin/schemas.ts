/** JSON schemas of the admin API: they validate requests, shape responses and become its OpenAPI description. */

import type { PatternWords } from '../http/validation-words.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const strings = { type: 'array', items: str } as const;
/** RFC 6749 §3.3's scope-token. */
const SCOPE_TOKEN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$';
const HEX_COLOUR = '^#[0-9a-fA-F]{6}$';
/** What each pattern of these schemas means, for the admin API's error descriptions ("scopes[1]: must be …"). */
export const PATTERN_WORDS: PatternWords = {
  [SCOPE_TOKEN]: 'a scope: printable ASCII characters other than space, " and \\ (RFC 6749 §3.3)',
  [HEX_COLOUR]: 'a colour written as # and six hex digits, e.g. #1a73e8',
};
const scopeList = {
  type: 'array',
  items: { type: 'string', pattern: SCOPE_TOKEN, maxLength: 200 },
  maxItems: 200,
} as const;
const uriList = { type: 'array', items: { type: 'string', maxLength: 2000 }, maxItems: 50 } as const;

export const adminSecurity = [{ bearer: ['gatehouse:admin'] }];

/** The `next` of a paged list, what its `after` takes. */
const nextCursor = {
  type: ['string', 'null'],
  description: 'Pass as `after` for the next page; null on the last. Opaque: pass it back as given',
} as const;
/** A list's query: a search, a page size, and where the page starts (src/management/paging.ts). */
const listQueryOf = (searched: string) =>
  ({
    type: 'object',
    properties: {
      search: { type: 'string', maxLength: 100, description: `Case-insensitive: those whose ${searched} contains it` },
      after: { type: 'string', maxLength: 4000, description: 'The `next` of the page before; absent for the first page' },
      limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'How many on a page' },
    },
    additionalProperties: false,
  }) as const;
export const clientQuery = listQueryOf('client id, name or description');
export const userQuery = listQueryOf('id, username, email or name');
export const roleQuery = listQueryOf('name, description or one of its scopes');
export const apiQuery = listQueryOf('identifier, name or one of its scopes');
/** Every refusal of the admin API: the field it is about, when it is about one, so that a form shows it there. */
export const adminError = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'invalid_request (400), forbidden (403), not_found (404) or conflict (409)' },
    error_description: { type: 'string', description: 'What to change, in words: "<field>: <rule>" for a schema failure' },
    field: { type: 'string', description: 'The request field refused, as a JSON pointer (RFC 6901) into the body, e.g. /redirect_uris/0' },
  },
  required: ['error', 'error_description'],
} as const;

export const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 200 } }, required: ['id'] } as const;
export const nameParam = { type: 'object', properties: { name: { type: 'string', maxLength: 64 } }, required: ['name'] } as const;
export const consentParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 200 }, clientId: { type: 'string', maxLength: 200 } },
  required: ['id', 'clientId'],
} as const;

const INTROSPECTION_RIGHT =
  'A resource server: may introspect tokens issued to any client. Without it a client introspects only its own tokens (RFC 7662 §4)';

const client = {
  type: 'object',
  properties: {
    client_id: str,
    name: str,
    description: str,
    roles: strings,
    scope: str,
    grant_types: strings,
    token_endpoint_auth_method: str,
    redirect_uris: strings,
    post_logout_redirect_uris: strings,
    id_token_signed_response_alg: str,
    access_token_ttl: nullableInt,
    introspection: { type: 'boolean', description: INTROSPECTION_RIGHT },
    builtin: {
      type: 'boolean',
      description: "One the server itself runs (the console's, the playground's): it cannot be revoked or deleted",
    },
    status: { type: 'string', enum: ['active', 'revoked'] },
    created_at: int,
    updated_at: int,
    revoked_at: nullableInt,
    previous_secret_expires_at: nullableInt,
  },
  required: ['client_id', 'name', 'status'],
} as const;

export const clientList = {
  type: 'object',
  properties: { clients: { type: 'array', items: client }, next: nextCursor },
  required: ['clients', 'next'],
} as const;
export const clientOne = { type: 'object', properties: { client }, required: ['client'] } as const;
export const clientWithSecret = {
  type: 'object',
  properties: { client, client_secret: { type: 'string', description: 'Shown only this once; store it now' } },
  required: ['client'],
} as const;

const clientFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string', maxLength: 2000 },
  roles: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50 },
  scope: { type: 'string', maxLength: 4000, description: 'Space-separated scopes given directly, beside those of the roles' },
  redirect_uris: uriList,
  post_logout_redirect_uris: uriList,
  access_token_ttl: { type: 'integer', minimum: 60, maximum: 86400 },
  introspection: { type: 'boolean', description: `${INTROSPECTION_RIGHT}. Default false; confidential clients only` },
} as const;

export const newClient = {
  type: 'object',
  properties: {
    ...clientFields,
    grant_types: { type: 'array', items: { type: 'string', maxLength: 200 }, description: "Each one of discovery's grant_types_supported" },
    id_token_signed_response_alg: { type: 'string', enum: ['RS256', 'ES256'] },
    public: { type: 'boolean', description: 'A public client (no secret): browser and native apps' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;
export const clientChanges = { type: 'object', properties: clientFields, additionalProperties: false, minProperties: 1 } as const;
export const rotateSecret = {
  type: ['object', 'null'],
  properties: {
    grace_seconds: { type: 'integer', minimum: 0, maximum: 30 * 86400, description: 'How long the previous secret keeps working' },
  },
  additionalProperties: false,
} as const;
export const testTokenRequest = {
  type: ['object', 'null'],
  properties: {
    scope: {
      type: 'string',
      maxLength: 4000,
      description: 'Space-separated scopes to ask for; without it, every scope the client may get',
    },
    resource: { type: 'string', maxLength: 2000, description: 'The API the token is for (RFC 8707); without it, the default API' },
  },
  additionalProperties: false,
} as const;
export const testToken = {
  type: 'object',
  properties: {
    access_token: str,
    token_type: str,
    expires_in: int,
    scope: str,
    claims: { type: 'object', additionalProperties: true, description: "The access token's claims (RFC 9068)" },
  },
  required: ['access_token', 'token_type', 'expires_in', 'claims'],
} as const;

const role = {
  type: 'object',
  properties: {
    name: str,
    description: str,
    scopes: strings,
    platform: { type: 'boolean', description: "A role template of the platform's: every tenant has it, none changes it" },
    created_at: int,
  },
  required: ['name', 'scopes'],
} as const;
export const roleList = {
  type: 'object',
  properties: { roles: { type: 'array', items: role }, next: nextCursor },
  required: ['roles', 'next'],
} as const;
export const roleOne = { type: 'object', properties: { role }, required: ['role'] } as const;
export const newRole = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 64 }, description: { type: 'string', maxLength: 500 }, scopes: scopeList },
  required: ['name', 'scopes'],
  additionalProperties: false,
} as const;
export const roleChanges = {
  type: 'object',
  properties: { scopes: scopeList },
  required: ['scopes'],
  additionalProperties: false,
} as const;

const api = {
  type: 'object',
  properties: {
    identifier: str,
    name: str,
    scopes: strings,
    scope_descriptions: { type: 'object', additionalProperties: str, description: 'What each scope lets an app do (the consent page)' },
    platform: { type: 'boolean', description: "One of the platform's APIs: every tenant has it, none changes it" },
    created_at: int,
    openapi: {
      type: ['object', 'null'],
      description: 'What its OpenAPI document is (GET …/openapi gives the document); null without one',
      properties: {
        source: { type: 'string', enum: ['upload', 'url'], description: 'Uploaded (openapi), or fetched from url (openapi_url)' },
        url: str,
        fetched_at: { type: 'integer', description: 'When it was last fetched from its URL (epoch seconds)' },
        title: str,
        version: str,
        operations: { type: 'integer', description: 'How many operations its paths have' },
      },
      required: ['source', 'title', 'version', 'operations'],
    },
  },
  required: ['identifier'],
} as const;
export const apiList = {
  type: 'object',
  properties: { default: str, apis: { type: 'array', items: api }, next: nextCursor },
  required: ['apis', 'next'],
} as const;
export const apiOne = { type: 'object', properties: { api }, required: ['api'] } as const;
const scopeDescriptions = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 200 },
  maxProperties: 200,
  description: 'What each scope lets an app do, shown to the user on the consent page (at most 200 characters each)',
} as const;
/** An API's OpenAPI document as a request gives it: the document, or where to fetch it from (not both). */
const openapiDocument = {
  anyOf: [{ type: 'object' }, { type: 'string' }],
  description: 'Its OpenAPI 3.0 or 3.1 document, as JSON or as its JSON or YAML text (at most 1 MiB); validated',
} as const;
const openapiUrl = {
  type: 'string',
  maxLength: 2000,
  description: 'An https URL to fetch its OpenAPI document from, once now (POST …/openapi/refresh fetches it again)',
} as const;
const apiFields = { name: { type: 'string', maxLength: 200 }, scopes: scopeList, scope_descriptions: scopeDescriptions } as const;
export const newApi = {
  type: 'object',
  properties: { identifier: { type: 'string', maxLength: 2000 }, ...apiFields, openapi: openapiDocument, openapi_url: openapiUrl },
  required: ['identifier'],
  additionalProperties: false,
} as const;
export const apiChanges = {
  type: 'object',
  properties: {
    ...apiFields,
    openapi: {
      // null first: Fastify's ajv coerces types, and a string branch before it would make null "".
      anyOf: [{ type: 'null' }, ...openapiDocument.anyOf],
      description: `${openapiDocument.description}; null removes it`,
    },
    openapi_url: openapiUrl,
  },
  additionalProperties: false,
  minProperties: 1,
} as const;
/** An API's OpenAPI document as GET …/openapi answers it: the document as stored. */
export const openapiDocumentAnswer = { type: 'object', description: 'The OpenAPI document, as JSON', additionalProperties: true } as const;
/** An API by its identifier (an absolute URI), percent-encoded as one path segment. */
export const apiParam = { type: 'object', properties: { id: { type: 'string', maxLength: 2000 } }, required: ['id'] } as const;

const impactFields = {
  summary: { type: 'string', description: 'What goes with it, in words for a confirmation; "" when nothing does' },
  counts: { type: 'object', additionalProperties: int, description: 'The same, counted by what goes' },
} as const;
export const dependents = { type: 'object', properties: impactFields, required: ['summary', 'counts'] } as const;
export const deletion = {
  type: 'object',
  properties: { deleted: { type: 'string', description: 'What was deleted (its id or name)' }, ...impactFields },
  required: ['deleted', 'summary', 'counts'],
} as const;

const user = {
  type: 'object',
  properties: {
    id: str,
    username: str,
    email: { type: ['string', 'null'] },
    email_verified: { type: 'boolean' },
    name: { type: ['string', 'null'] },
    roles: strings,
    status: { type: 'string', enum: ['active', 'disabled'] },
    created_at: int,
    updated_at: int,
  },
  required: ['id', 'username', 'status'],
} as const;
export const userList = {
  type: 'object',
  properties: { users: { type: 'array', items: user }, next: nextCursor },
  required: ['users', 'next'],
} as const;
export const userOne = { type: 'object', properties: { user }, required: ['user'] } as const;
export const userChanges = {
  type: 'object',
  properties: {
    roles: {
      type: 'array',
      items: { type: 'string', maxLength: 64 },
      maxItems: 50,
      description: 'Exactly these roles; the last active administrator keeps the admin role',
    },
    name: { type: 'string', maxLength: 200, description: 'The name claim; "" clears it' },
    email: {
      type: 'string',
      maxLength: 254,
      description: 'The email claim; "" clears it. A new address is unverified unless email_verified says so',
    },
    email_verified: { type: 'boolean' },
  },
  minProperties: 1,
  additionalProperties: false,
} as const;
export const newPassword = {
  type: 'object',
  properties: {
    password: {
      type: 'string',
      maxLength: 1024,
      writeOnly: true,
      description: "Judged by the password policy as at creation; the user's sessions end",
    },
  },
  required: ['password'],
  additionalProperties: false,
} as const;
export const newUser = {
  type: 'object',
  properties: {
    username: { type: 'string', maxLength: 64 },
    password: {
      type: 'string',
      maxLength: 1024,
      writeOnly: true,
      description: '8-1024 characters; not the username nor containing it, not a common password, not easily guessed (zxcvbn score ≥ 3)',
    },
    email: { type: 'string', maxLength: 254 },
    name: { type: 'string', maxLength: 200 },
    roles: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const consentList = {
  type: 'object',
  properties: {
    consents: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          client_id: str,
          client_name: str,
          audience: { ...str, description: 'The API (RFC 8707 resource) the consent is for' },
          scopes: strings,
          granted_at: int,
        },
        required: ['client_id', 'audience', 'scopes'],
      },
    },
  },
  required: ['consents'],
} as const;
export const withdrawal = {
  type: 'object',
  properties: { withdrawn: { type: 'boolean' }, revoked_grants: int },
  required: ['withdrawn', 'revoked_grants'],
} as const;
export const sessionList = {
  type: 'object',
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: str, created_at: int, expires_at: int, last_seen_at: int, auth_time: int, ip: str, user_agent: str },
        required: ['id', 'created_at', 'expires_at'],
      },
    },
  },
  required: ['sessions'],
} as const;

const key = {
  type: 'object',
  properties: {
    kid: str,
    alg: str,
    status: { type: 'string', enum: ['active', 'retired', 'expired'] },
    created_at: int,
    retired_at: nullableInt,
    publish_until: nullableInt,
  },
  required: ['kid', 'alg', 'status'],
} as const;
export const keyList = { type: 'object', properties: { keys: { type: 'array', items: key } }, required: ['keys'] } as const;
export const rotateKeys = {
  type: ['object', 'null'],
  properties: { alg: { type: 'string', enum: ['ES256', 'RS256'] } },
  additionalProperties: false,
} as const;
export const rotation = {
  type: 'object',
  properties: {
    rotated: { type: 'array', items: { type: 'object', properties: { alg: str, kid: str, retired: str }, required: ['alg', 'kid'] } },
  },
  required: ['rotated'],
} as const;

const INSTANT =
  'ISO 8601 (2026-12-04, 2026-12-04T10:00:00Z, 2026-12-04T11:00:00+01:00; a time needs its offset) or seconds since the epoch';
/** Which events: each filter given narrows the log; src/admin/audit-query.ts reads them. */
const auditFilters = {
  actor: { type: 'string', maxLength: 200, description: 'Exactly this actor: a user id, client id, `cli:NAME`, `anonymous` or `system`' },
  action: {
    type: 'string',
    maxLength: 100,
    description: 'Exactly this action (`client.created`), or every action starting with it when it ends with a dot (`client.`)',
  },
  target: { type: 'string', maxLength: 200, description: 'Events about this id: the whole target, or one of its space-separated ids' },
  since: { type: 'string', maxLength: 40, description: `Events at or after this instant: ${INSTANT}` },
  until: { type: 'string', maxLength: 40, description: `Events before this instant: ${INSTANT}` },
} as const;
export const auditQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    before: { type: 'string', maxLength: 64, description: 'The `next` of the page before (newer); absent for the newest events' },
    ...auditFilters,
  },
  additionalProperties: false,
} as const;
export const auditExportQuery = {
  type: 'object',
  properties: {
    format: { type: 'string', enum: ['csv', 'json'], default: 'csv', description: 'CSV (RFC 4180) or a JSON array of the events' },
    ...auditFilters,
  },
  additionalProperties: false,
} as const;
export const auditPage = {
  type: 'object',
  properties: {
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str,
          at: int,
          actor: str,
          actor_type: str,
          action: str,
          target: str,
          ip: str,
          details: { type: 'object', additionalProperties: true },
        },
        required: ['id', 'at', 'actor', 'action'],
      },
    },
    next: { type: ['string', 'null'], description: 'Pass as `before` for the next (older) page; null on the last' },
  },
  required: ['events', 'next'],
} as const;

export const tenantSettingsSchema = {
  type: 'object',
  properties: {
    access_token_ttl: { type: 'integer', minimum: 60, maximum: 86400 },
    refresh_token_ttl: { type: 'integer', minimum: 60, maximum: 31536000 },
    id_token_ttl: { type: 'integer', minimum: 60, maximum: 86400 },
    session_ttl: { type: 'integer', minimum: 300, maximum: 31536000 },
    signup_enabled: { type: 'boolean' },
    display_name: { type: 'string', minLength: 1, maxLength: 100 },
    logo_url: { type: 'string', maxLength: 2000 },
    primary_color: { type: 'string', pattern: HEX_COLOUR },
  },
  additionalProperties: false,
} as const;
const tenantQuotas = {
  type: 'object',
  properties: {
    max_clients: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    max_users: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    max_roles: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    max_apis: { type: 'integer', minimum: 0, maximum: 10_000_000 },
  },
  additionalProperties: false,
} as const;
/** The same object as a JSON merge patch (RFC 7396): any field may also be null, which removes it. */
type MergePatchSchema<S extends { properties: Record<string, { type: string }> }> = {
  readonly type: 'object';
  readonly properties: {
    readonly [K in keyof S['properties']]: Omit<S['properties'][K], 'type'> & {
      readonly type: readonly [S['properties'][K]['type'], 'null'];
    };
  };
  readonly additionalProperties: false;
};
const mergePatchOf = <S extends { properties: Record<string, { type: string }> }>(schema: S): MergePatchSchema<S> =>
  ({
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(schema.properties).map(([name, field]) => [name, { ...field, type: [field.type, 'null'] }]),
    ),
    additionalProperties: false,
  }) as unknown as MergePatchSchema<S>;
const tenant = {
  type: 'object',
  properties: {
    id: str,
    name: str,
    status: { type: 'string', enum: ['active', 'suspended'] },
    issuer: str,
    settings: tenantSettingsSchema,
    quotas: tenantQuotas,
    allowed_scopes: { type: ['array', 'null'], items: str },
    created_at: int,
    updated_at: int,
    suspended_at: nullableInt,
  },
  required: ['id', 'name', 'status', 'issuer'],
} as const;
export const tenantOne = { type: 'object', properties: { tenant }, required: ['tenant'] } as const;
export const tenantPage = {
  type: 'object',
  properties: {
    tenants: { type: 'array', items: tenant },
    next: { type: ['string', 'null'], description: 'Pass as `after` for the next page; null on the last' },
  },
  required: ['tenants', 'next'],
} as const;
export const tenantQuery = {
  type: 'object',
  properties: {
    search: { type: 'string', maxLength: 100, description: 'Tenants whose id starts with it or whose name contains it' },
    after: { type: 'string', maxLength: 32 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
  additionalProperties: false,
} as const;
const tenantFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  settings: tenantSettingsSchema,
  quotas: tenantQuotas,
  allowed_scopes: { type: ['array', 'null'], items: scopeList.items, maxItems: 200 },
} as const;
export const newTenant = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 32 }, ...tenantFields },
  required: ['id', 'name'],
  additionalProperties: false,
} as const;
/** A change of a tenant's settings, as a JSON merge patch (RFC 7396): null takes a setting back to the deployment's. */
export const tenantSettingsPatch = mergePatchOf(tenantSettingsSchema);
export const tenantChanges = {
  type: 'object',
  properties: { ...tenantFields, settings: tenantSettingsPatch, quotas: mergePatchOf(tenantQuotas) },
  additionalProperties: false,
  minProperties: 1,
} as const;
