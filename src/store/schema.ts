/**
 * Table shapes shared by SQLite and PostgreSQL. Times are epoch seconds and lists are JSON text so that one
 * set of queries serves both databases.
 */
export interface RolesTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  name: string;
  description: string;
  scopes: string; // JSON string[]
  created_at: number;
}

export interface ApisTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  identifier: string;
  name: string;
  scopes: string; // JSON string[]; empty means any scope
  /** JSON object: scope → what it lets an app do, for the consent page (migration 0016). */
  scope_descriptions: string;
  created_at: number;
  /** Its OpenAPI document as JSON text, or null (migration 0019). */
  openapi_document: string | null;
  /** JSON {title, version, operations} of that document; null without one. */
  openapi_summary: string | null;
  /** Where the document was fetched from; null when uploaded, or without one. */
  openapi_url: string | null;
  openapi_fetched_at: number | null;
}

export interface ClientsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  client_id: string;
  name: string;
  description: string;
  roles: string; // JSON string[]
  scopes: string; // JSON string[]: scopes granted directly, beside those of the roles
  grant_types: string; // JSON string[]
  token_endpoint_auth_method: string;
  redirect_uris: string; // JSON string[]
  access_token_ttl: number | null;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
  updated_at: number;
  post_logout_redirect_uris: string; // JSON string[]
  id_token_signed_response_alg: string;
  skip_consent: number;
  /** 1: a resource server, which may introspect the tokens of every client; 0: only its own (RFC 7662 §4). */
  introspection: number;
}

export interface RevokedTokensTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  jti: string;
  client_id: string;
  expires_at: number;
  revoked_at: number;
}

export interface SigningKeysTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  kid: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed private JWK; null once the key is retired past every token it signed. */
  private_jwk_sealed: string | null;
  status: 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
  /** Until when the public key stays in the JWKS: the last moment a token it signed can still be valid. */
  publish_until: number | null;
}

/** Random keys of the pages (CSRF tokens, sealed interactions), each sealed under the master key. */
export interface PageKeysTable {
  name: string;
  /** AES-256-GCM sealed (sealed-box.ts), bound to the name. */
  key_sealed: string;
  created_at: number;
}

export interface UsersTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  id: string;
  /** Lower-cased: usernames are case-insensitive. */
  username: string;
  password_hash: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  roles: string; // JSON string[]
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  /** Public session id: the `sid` claim. The cookie holds a different secret, stored here only as token_hash. */
  id: string;
  token_hash: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  /** When the session was last used, to within a tenth of the idle timeout (writes are spaced that far apart). */
  last_seen_at: number;
  ip: string;
  user_agent: string;
  revoked_at: number | null;
}

/**
 * An authorization request that has been answered (a code issued, or denied), so it is answered once. Requests still
 * waiting for the user are not stored: they travel sealed in the browser (src/oauth/interaction-seal.ts).
 */
export interface InteractionsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  id: string;
  /** When the sealed interaction expires; after that it cannot be presented, so the row can go. */
  expires_at: number;
}

/** What one authorization code grew into: its refresh-token family and the access tokens issued from it. */
/**
 * A grant is also its refresh-token family: what the family's tokens stand for (one copy, not one per rotation), its
 * live refresh token, and the token the last rotation replaced with the time of that rotation (for retries).
 */
export interface GrantsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  id: string;
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  session_id: string;
  audience: string;
  auth_time: number;
  requested_at: number;
  refresh_token_hash: string | null;
  /** When the live refresh token was issued (its introspection `iat`); null before migration 0008. */
  refresh_token_issued_at: number | null;
  rotated_token_hash: string | null;
  rotated_at: number | null;
}

export interface AuthorizationCodesTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  code_hash: string;
  client_id: string;
  user_id: string;
  session_id: string;
  redirect_uri: string | null;
  code_challenge: string;
  scopes: string;
  nonce: string | null;
  audience: string;
  auth_time: number;
  requested_at: number;
  expires_at: number;
  used_at: number | null;
  grant_id: string | null;
}

/**
 * Every refresh token a family was given, kept until it expires so that presenting a retired one is recognised as
 * reuse (RFC 9700 §4.14.2); which one is live is on the grant. The key is the SHA-256 itself (32 bytes).
 */
export interface RefreshTokensTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  token_hash: Buffer;
  grant_id: string;
  expires_at: number;
}

export interface GrantAccessTokensTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  jti: string;
  grant_id: string;
  client_id: string;
  expires_at: number;
}

export interface ConsentsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  user_id: string;
  client_id: string;
  audience: string; // the API's identifier; '' for the default API
  scopes: string;
  granted_at: number;
}

export interface LoginThrottleTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  key: string;
  failures: number;
  window_start: number;
}

/** Failed sign-ins per account or address, for growing delays (src/store/sign-in-delays.ts). */
export interface SignInDelaysTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  key: string;
  /** Failures in a row, counting attempts still being evaluated. */
  failures: number;
  /** Epoch milliseconds of the last failure counted: the delay runs from it. */
  last_failure_ms: number;
  /** The one before it, where the delay runs from again when the last is withdrawn; 0 for none. */
  previous_failure_ms: number;
  /** Random id written by the attempt that counted it, which tells that attempt it was let through. */
  claim: string;
}

/** Browsers that signed in before, by their device cookie's SHA-256 hex (src/store/sign-in-devices.ts). */
export interface SignInDevicesTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  token_hash: string;
  user_id: string;
  failures: number;
  created_at: number;
  expires_at: number;
}

export interface AuditEventsTable {
  /** The tenant the row belongs to (migration 0014). */
  tenant_id: string;
  /** Time-ordered: sorting by id is sorting by time. */
  id: string;
  at: number;
  actor: string;
  actor_type: string;
  action: string;
  target: string;
  ip: string;
  details: string; // JSON object
}

/** A tenant (src/ports/tenants.ts): settings, quotas and allowed scopes are JSON. */
export interface TenantsTable {
  id: string;
  name: string;
  status: string;
  settings: string;
  quotas: string;
  allowed_scopes: string | null;
  created_at: number;
  updated_at: number;
  suspended_at: number | null;
}

/** An account's member: a user of the platform (the default tenant) with an account role (migration 0016). */
export interface MembersTable {
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: number;
  updated_at: number;
}

export interface InvitationsTable {
  id: string;
  tenant_id: string;
  /** SHA-256 of the invitation token, hex: the token itself is only in the link. */
  token_hash: string;
  email: string;
  role: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
}

/** The first run's one-time setup code of a tenant, as its SHA-256 (src/store/setup-codes.ts). */
export interface SetupCodesTable {
  tenant_id: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
}

export interface Database {
  tenants: TenantsTable;
  roles: RolesTable;
  apis: ApisTable;
  clients: ClientsTable;
  revoked_tokens: RevokedTokensTable;
  signing_keys: SigningKeysTable;
  page_keys: PageKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  grant_access_tokens: GrantAccessTokensTable;
  consents: ConsentsTable;
  login_throttle: LoginThrottleTable;
  sign_in_delays: SignInDelaysTable;
  sign_in_devices: SignInDevicesTable;
  audit_events: AuditEventsTable;
  members: MembersTable;
  invitations: InvitationsTable;
  setup_codes: SetupCodesTable;
}
