/**
 * The admin API's views of clients and users, as JSON. Kept free of imports (but of types from modules as free) so
 * that the console (console/src) can share them with the server: one definition of the contract.
 */
import type { AccountRole } from '../ports/members.js';

/** A client as shown to administrators: everything but secret hashes. */
export interface ClientView {
  client_id: string;
  name: string;
  description: string;
  roles: string[];
  scope: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  id_token_signed_response_alg: string;
  access_token_ttl: number | null;
  /** A resource server: it may introspect tokens issued to any client; otherwise only its own (RFC 7662 §4). */
  introspection: boolean;
  /** One the server itself runs (the console's, the playground's): it cannot be revoked or deleted. */
  builtin: boolean;
  status: 'active' | 'revoked';
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
  previous_secret_expires_at: number | null;
}

/** A user as shown to administrators: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  roles: string[];
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

/** The client fields of POST and PATCH /admin/clients (snake_case, as in RFC 7591); all optional on PATCH. */
export interface ClientRequest {
  name?: string;
  description?: string;
  roles?: string[];
  scope?: string;
  grant_types?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  id_token_signed_response_alg?: string;
  access_token_ttl?: number;
  introspection?: boolean;
  public?: boolean;
}

/** A role as shown to administrators. */
export interface RoleView {
  name: string;
  description: string;
  scopes: string[];
  /** A role template of the platform's: every tenant has it, none changes it. */
  platform: boolean;
  created_at: number;
}

/** A registered API (RFC 8707 resource server) as shown to administrators. */
export interface ApiView {
  identifier: string;
  name: string;
  /** Empty: the API accepts any scope. */
  scopes: string[];
  /** What a scope lets an app do, shown on the consent page; a scope without one is shown by its name. */
  scope_descriptions: Record<string, string>;
  /** One of the platform's APIs: every tenant has it, none changes it. */
  platform: boolean;
  created_at: number;
  /** What its OpenAPI document is (GET …/openapi gives the document itself); null without one. */
  openapi: ApiOpenApiView | null;
}

/** An API's OpenAPI document as its view tells of it. */
export interface ApiOpenApiView {
  /** Uploaded (the admin API's `openapi`), or fetched from `url` (`openapi_url`) and refreshed from it on demand. */
  source: 'upload' | 'url';
  url?: string;
  /** When it was last fetched from its URL (epoch seconds). */
  fetched_at?: number;
  /** Its info.title and info.version. */
  title: string;
  version: string;
  /** How many operations its paths have. */
  operations: number;
}

/** A tenant as shown to platform operators. */
export interface TenantView {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  /** Its issuer: discovery is at `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  settings: {
    access_token_ttl?: number;
    refresh_token_ttl?: number;
    id_token_ttl?: number;
    session_ttl?: number;
    signup_enabled?: boolean;
    display_name?: string;
    logo_url?: string;
    primary_color?: string;
  };
  quotas: { max_clients?: number; max_users?: number; max_roles?: number; max_apis?: number };
  allowed_scopes: string[] | null;
  created_at: number;
  updated_at: number;
  suspended_at: number | null;
}

/**
 * What deleting a client, role, API or user takes with it: told before (GET …/dependents), for the confirmation that
 * names it, and after (the DELETE's answer), as what went.
 */
export interface DeletionImpact {
  /** In words, e.g. "2 app clients and 1 user lose corpora:query"; "" when nothing goes with it. */
  summary: string;
  /** The same, counted by what goes: clients, users, sessions, consents, grants (live ones, with their tokens). */
  counts: Record<string, number>;
}

/** An account's member, as its team sees them (GET /admin/members). */
export interface MemberView {
  user_id: string;
  username: string;
  name: string | null;
  email: string | null;
  role: AccountRole;
  joined_at: number;
}

/** An invitation not yet accepted (GET /admin/invitations); its link is shown once, when it is made. */
export interface InvitationView {
  id: string;
  email: string;
  role: AccountRole;
  invited_by: string;
  created_at: number;
  expires_at: number;
  expired: boolean;
}

/** An account as the person who is a member of it sees it (GET /me/accounts). */
export interface AccountView {
  id: string;
  name: string;
  role: AccountRole;
  issuer: string;
  status: 'active' | 'suspended';
}
