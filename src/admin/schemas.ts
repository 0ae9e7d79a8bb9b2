/** JSON schemas of the admin API: they validate requests, shape responses and become its OpenAPI description. */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const strings = { type: 'array', items: str } as const;
const scopeList = {
  type: 'array',
  items: { type: 'string', pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$', maxLength: 200 },
  maxItems: 200,
} as const;
const uriList = { type: 'array', items: { type: 'string', maxLength: 2000 }, maxItems: 50 } as const;

export const adminSecurity = [{ bearer: ['gatehouse:admin'] }];

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

export const clientList = { type: 'object', properties: { clients: { type: 'array', items: client } }, required: ['clients'] } as const;
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
export const roleList = { type: 'object', properties: { roles: { type: 'array', items: role } }, required: ['roles'] } as const;
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
  },
  required: ['identifier'],
} as const;
export const apiList = {
  type: 'object',
  properties: { default: str, apis: { type: 'array', items: api } },
  required: ['apis'],
} as const;
export const apiOne = { type: 'object', properties: { api }, required: ['api'] } as const;
const scopeDescriptions = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 200 },
  maxProperties: 200,
  description: 'What each scope lets an app do, shown to the user on the consent page (at most 200 characters each)',
} as const;
const apiFields = { name: { type: 'string', maxLength: 200 }, scopes: scopeList, scope_descriptions: scopeDescriptions } as const;
export const newApi = {
  type: 'object',
  properties: { identifier: { type: 'string', maxLength: 2000 }, ...apiFields },
  required: ['identifier'],
  additionalProperties: false,
} as const;
export const apiChanges = { type: 'object', properties: apiFields, additionalProperties: false, minProperties: 1 } as const;
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
export const userList = { type: 'object', properties: { users: { type: 'array', items: user } }, required: ['users'] } as const;
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

export const auditQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, before: { type: 'string', maxLength: 64 } },
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
    next: { type: ['string', 'null'] },
  },
  required: ['events', 'next'],
} as const;

const tenantSettings = {
  type: 'object',
  properties: {
    access_token_ttl: { type: 'integer', minimum: 60, maximum: 86400 },
    refresh_token_ttl: { type: 'integer', minimum: 60, maximum: 31536000 },
    id_token_ttl: { type: 'integer', minimum: 60, maximum: 86400 },
    session_ttl: { type: 'integer', minimum: 300, maximum: 31536000 },
    signup_enabled: { type: 'boolean' },
    display_name: { type: 'string', minLength: 1, maxLength: 100 },
    logo_url: { type: 'string', maxLength: 2000 },
    primary_color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
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
    settings: tenantSettings,
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
  settings: tenantSettings,
  quotas: tenantQuotas,
  allowed_scopes: { type: ['array', 'null'], items: scopeList.items, maxItems: 200 },
} as const;
export const newTenant = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 32 }, ...tenantFields },
  required: ['id', 'name'],
  additionalProperties: false,
} as const;
export const tenantChanges = {
  type: 'object',
  properties: { ...tenantFields, settings: mergePatchOf(tenantSettings), quotas: mergePatchOf(tenantQuotas) },
  additionalProperties: false,
  minProperties: 1,
} as const;
