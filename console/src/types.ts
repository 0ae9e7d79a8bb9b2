/** The admin API's shapes (src/admin). Times are epoch seconds. */

import type { ClientRequest } from '../../src/admin/views.js';

export type { ApiView as ApiResource, ClientView, DeletionImpact, RoleView as Role, TenantView, UserView } from '../../src/admin/views.js';

export type NewClient = Omit<ClientRequest, 'id_token_signed_response_alg'> & { name: string };

export type ClientChanges = Partial<
  Pick<
    NewClient,
    'name' | 'description' | 'roles' | 'scope' | 'redirect_uris' | 'post_logout_redirect_uris' | 'access_token_ttl' | 'introspection'
  >
>;

export interface NewUser {
  username: string;
  password: string;
  email?: string;
  name?: string;
  roles?: string[];
}

/** POST and PATCH /admin/apis: identifier only at creation (it is the tokens' `aud`, never changed). */
export interface ApiChanges {
  name?: string;
  scopes?: string[];
  scope_descriptions?: Record<string, string>;
  /** Its OpenAPI document: as JSON, or its JSON or YAML text; null removes it (PATCH). */
  openapi?: Record<string, unknown> | string | null;
  /** An https URL the server fetches the OpenAPI document from. */
  openapi_url?: string;
}

/** PATCH /admin/users/{id}: the profile claims; "" clears a name or email. */
export interface ProfileChanges {
  name?: string;
  email?: string;
  email_verified?: boolean;
}

/** POST /admin/tenants: the console sets the id, the name and two of the quotas. */
export interface NewTenant {
  id: string;
  name: string;
  quotas?: { max_clients?: number; max_users?: number };
}

export interface Consent {
  client_id: string;
  client_name: string;
  /** The API (RFC 8707 resource) the consent is for. */
  audience: string;
  scopes: string[];
  granted_at: number;
}

export interface Session {
  id: string;
  created_at: number;
  expires_at: number;
  auth_time: number;
  ip: string | null;
  user_agent: string | null;
}

export type { KeyInfo as SigningKey } from '../../src/keys/key-info.js';

export interface AuditEvent {
  id: string;
  at: number;
  actor: string | null;
  actor_type: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export type { AccountView, InvitationView as Invitation, MemberView as Member } from '../../src/admin/views.js';
export type { AccountRole } from '../../src/ports/members.js';
export { ACCOUNT_ROLES } from '../../src/ports/members.js';

/** GET /admin/account: the account, its page settings, and the caller's role in it. */
export interface AccountSettings {
  account: {
    id: string;
    name: string;
    issuer: string;
    status: 'active' | 'suspended';
    settings: { display_name?: string; logo_url?: string; primary_color?: string; signup_enabled?: boolean };
  };
  role: import('../../src/ports/members.js').AccountRole | 'administrator';
}

/** POST /admin/clients/{id}/test-token: a token response (RFC 6749 §5.1) with the token's claims (RFC 9068). */
export interface TestToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  claims: Record<string, unknown> & { exp: number; aud: string | string[] };
}
