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
