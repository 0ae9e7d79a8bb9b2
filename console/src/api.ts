import { everyPage, MAX_PAGE_SIZE } from '../../src/management/every-page.js';
import { apiBase } from './base';
import type {
  AccountSettings,
  AccountView,
  ApiChanges,
  ApiResource,
  AuditEvent,
  ClientChanges,
  ClientView,
  Consent,
  DeletionImpact,
  Invitation,
  Member,
  NewClient,
  NewTenant,
  NewUser,
  ProfileChanges,
  Role,
  Session,
  SigningKey,
  TenantView,
  TestToken,
  UserView,
} from './types';

/** A page of one of the admin API's lists: those matching `search`, after the cursor `after` (a page's `next`). */
export interface PageQuery {
  search?: string;
  after?: string;
  limit: number;
}

const queryOf = (page: PageQuery) => {
  const query = new URLSearchParams({ limit: String(page.limit) });
  if (page.search) query.set('search', page.search);
  if (page.after) query.set('after', page.after);
  return query;
};

/** The audit log's filters (GET /admin/audit); since and until are ISO 8601 instants. Empty ones are left out. */
export interface AuditFilters {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
}

const filterQuery = (filters: AuditFilters) =>
  new URLSearchParams(Object.entries(filters).filter((entry): entry is [string, string] => Boolean(entry[1])));

/** An error answer of the admin API: `{ error, error_description }` with its HTTP status. */

/**
 * An error answer of the admin API: `{ error, error_description }` with its HTTP status, and `field`, the JSON pointer
 * of the request field it is about ("/redirect_uris/0") when it is about one, so that a form shows it there.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const FALLBACK_MESSAGES: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'Your sign-in has expired.',
  403: 'You need administrator access for this.',
  404: 'It does not exist (any more).',
  409: 'That conflicts with something that exists already.',
  429: 'Too many requests. Wait a moment and try again.',
};

/** The JSON of a body, or undefined when it is empty or not JSON (a proxy's error page). */
function jsonOf(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Turns a server message ("a role name is ...") into a sentence for the page. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export interface ApiHooks {
  /** The current access token, or undefined when signed out or expired. */
  accessToken(): string | undefined;
  /** The token was refused (expired, revoked): sign in again. */
  onUnauthorized(): void;
  /** The token lacks gatehouse:admin. */
  onForbidden(): void;
}

/** The admin API (src/admin) — the only server API the console uses besides the OAuth endpoints. */
export class AdminApi {
  constructor(private readonly hooks: ApiHooks) {}

  /** `path` below the page's account's (or this console's) base; a path of `/me/…` is the platform's own, at the root. */
  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    return jsonOf(await response.text()) as T;
  }

  /** The answer to a request with the bearer token, when it is a success; an error answer is thrown as an ApiError. */
  private async send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const token = this.hooks.accessToken();
    if (!token) {
      this.hooks.onUnauthorized();
      throw new ApiError(401, 'invalid_token', 'Your sign-in has expired. Signing you in again…');
    }
    const headers: Record<string, string> = { accept, authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch((path.startsWith('/me/') ? '' : apiBase()) + path, {
        method,
        headers,
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
    }
    if (response.ok) return response;
    const error = jsonOf(await response.text()) as { error?: string; error_description?: string; field?: string } | undefined;
    const code = error?.error ?? 'server_error';
    if (response.status === 401) this.hooks.onUnauthorized();
    if (response.status === 403 && code === 'insufficient_scope') this.hooks.onForbidden();
    const message = error?.error_description
      ? sentence(error.error_description)
      : (FALLBACK_MESSAGES[response.status] ?? `The server could not do that (HTTP ${response.status}). Try again in a moment.`);
    throw new ApiError(response.status, code, message, error?.field);
  }

  private get<T>(path: string) {
    return this.request<T>('GET', path);
  }

  private post<T>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }

  // App clients
  pageClients = (page: PageQuery) => this.get<{ clients: ClientView[]; next: string | null }>(`/admin/clients?${queryOf(page)}`);
  listClients = () =>
    everyPage((after) => this.pageClients({ after, limit: MAX_PAGE_SIZE }).then((r) => ({ items: r.clients, next: r.next })));
  getClient = (id: string) => this.get<{ client: ClientView }>(`/admin/clients/${encodeURIComponent(id)}`).then((r) => r.client);
  createClient = (input: NewClient) => this.post<{ client: ClientView; client_secret?: string }>('/admin/clients', input);
  updateClient = (id: string, changes: ClientChanges) =>
    this.request<{ client: ClientView }>('PATCH', `/admin/clients/${encodeURIComponent(id)}`, changes).then((r) => r.client);
  rotateSecret = (id: string, graceSeconds: number) =>
    this.post<{ client: ClientView; client_secret: string }>(`/admin/clients/${encodeURIComponent(id)}/rotate-secret`, {
      grace_seconds: graceSeconds,
    });
  issueTestToken = (id: string, scope?: string) =>
    this.post<TestToken>(`/admin/clients/${encodeURIComponent(id)}/test-token`, scope === undefined ? {} : { scope });
  clientDependents = (id: string) => this.get<DeletionImpact>(`/admin/clients/${encodeURIComponent(id)}/dependents`);
  deleteClient = (id: string) => this.request<DeletionImpact>('DELETE', `/admin/clients/${encodeURIComponent(id)}`);
  revokeClient = (id: string) => this.post<{ client: ClientView }>(`/admin/clients/${encodeURIComponent(id)}/revoke`).then((r) => r.client);

  // Roles and APIs
  pageRoles = (page: PageQuery) => this.get<{ roles: Role[]; next: string | null }>(`/admin/roles?${queryOf(page)}`);
  listRoles = () => everyPage((after) => this.pageRoles({ after, limit: MAX_PAGE_SIZE }).then((r) => ({ items: r.roles, next: r.next })));
  createRole = (input: { name: string; description?: string; scopes: string[] }) =>
    this.post<{ role: Role }>('/admin/roles', input).then((r) => r.role);
  updateRoleScopes = (name: string, scopes: string[]) =>
    this.request<{ role: Role }>('PATCH', `/admin/roles/${encodeURIComponent(name)}`, { scopes }).then((r) => r.role);
  pageApis = (page: PageQuery) => this.get<{ default: string; apis: ApiResource[]; next: string | null }>(`/admin/apis?${queryOf(page)}`);
  listApis = async () => {
    let defaultApi = '';
    const apis = await everyPage((after) =>
      this.pageApis({ after, limit: MAX_PAGE_SIZE }).then((r) => {
        defaultApi = r.default;
        return { items: r.apis, next: r.next };
      }),
    );
    return { default: defaultApi, apis };
  };
  roleDependents = (name: string) => this.get<DeletionImpact>(`/admin/roles/${encodeURIComponent(name)}/dependents`);
  deleteRole = (name: string) => this.request<DeletionImpact>('DELETE', `/admin/roles/${encodeURIComponent(name)}`);
  createApi = (input: ApiChanges & { identifier: string }) => this.post<{ api: ApiResource }>('/admin/apis', input).then((r) => r.api);
  updateApi = (identifier: string, changes: ApiChanges) =>
    this.request<{ api: ApiResource }>('PATCH', `/admin/apis/${encodeURIComponent(identifier)}`, changes).then((r) => r.api);
  apiDependents = (identifier: string) => this.get<DeletionImpact>(`/admin/apis/${encodeURIComponent(identifier)}/dependents`);
  deleteApi = (identifier: string) => this.request<DeletionImpact>('DELETE', `/admin/apis/${encodeURIComponent(identifier)}`);
  refreshApiOpenApi = (identifier: string) =>
    this.post<{ api: ApiResource }>(`/admin/apis/${encodeURIComponent(identifier)}/openapi/refresh`).then((r) => r.api);

  // Users
  pageUsers = (page: PageQuery) => this.get<{ users: UserView[]; next: string | null }>(`/admin/users?${queryOf(page)}`);
  listUsers = () => everyPage((after) => this.pageUsers({ after, limit: MAX_PAGE_SIZE }).then((r) => ({ items: r.users, next: r.next })));
  getUser = (id: string) => this.get<{ user: UserView }>(`/admin/users/${encodeURIComponent(id)}`).then((r) => r.user);
  createUser = (input: NewUser) => this.post<{ user: UserView }>('/admin/users', input).then((r) => r.user);
  setUserRoles = (id: string, roles: string[]) =>
    this.request<{ user: UserView }>('PATCH', `/admin/users/${encodeURIComponent(id)}`, { roles }).then((r) => r.user);
  updateProfile = (id: string, changes: ProfileChanges) =>
    this.request<{ user: UserView }>('PATCH', `/admin/users/${encodeURIComponent(id)}`, changes).then((r) => r.user);
  setUserPassword = (id: string, password: string) =>
    this.post<{ user: UserView }>(`/admin/users/${encodeURIComponent(id)}/password`, { password }).then((r) => r.user);
  userDependents = (id: string) => this.get<DeletionImpact>(`/admin/users/${encodeURIComponent(id)}/dependents`);
  deleteUser = (id: string) => this.request<DeletionImpact>('DELETE', `/admin/users/${encodeURIComponent(id)}`);
  disableUser = (id: string) => this.post<{ user: UserView }>(`/admin/users/${encodeURIComponent(id)}/disable`).then((r) => r.user);
  enableUser = (id: string) => this.post<{ user: UserView }>(`/admin/users/${encodeURIComponent(id)}/enable`).then((r) => r.user);
  listConsents = (id: string) =>
    this.get<{ consents: Consent[] }>(`/admin/users/${encodeURIComponent(id)}/consents`).then((r) => r.consents);
  withdrawConsent = (id: string, clientId: string) =>
    this.request<{ withdrawn: boolean; revoked_grants: number }>(
      'DELETE',
      `/admin/users/${encodeURIComponent(id)}/consents/${encodeURIComponent(clientId)}`,
    );
  listSessions = (id: string) =>
    this.get<{ sessions: Session[] }>(`/admin/users/${encodeURIComponent(id)}/sessions`).then((r) => r.sessions);
  revokeSession = (sessionId: string) => this.request<void>('DELETE', `/admin/sessions/${encodeURIComponent(sessionId)}`);

  // Signing keys
  listKeys = () => this.get<{ keys: SigningKey[] }>('/admin/keys').then((r) => r.keys);
  rotateKeys = (alg?: 'ES256' | 'RS256') =>
    this.post<{ rotated: { alg: string; kid: string; retired?: string }[] }>('/admin/keys/rotate', alg ? { alg } : {}).then(
      (r) => r.rotated,
    );

  // Tenants (the platform's admin API: the default tenant's operators only)
  listTenants = (page: PageQuery) => this.get<{ tenants: TenantView[]; next: string | null }>(`/admin/tenants?${queryOf(page)}`);
  createTenant = (input: NewTenant) => this.post<{ tenant: TenantView }>('/admin/tenants', input).then((r) => r.tenant);
  suspendTenant = (id: string) =>
    this.post<{ tenant: TenantView }>(`/admin/tenants/${encodeURIComponent(id)}/suspend`).then((r) => r.tenant);
  resumeTenant = (id: string) => this.post<{ tenant: TenantView }>(`/admin/tenants/${encodeURIComponent(id)}/resume`).then((r) => r.tenant);
  deleteTenant = (id: string) => this.request<void>('DELETE', `/admin/tenants/${encodeURIComponent(id)}`);
  inviteToTenant = (id: string, input: { email: string; role: string }) =>
    this.post<{ invitation: Invitation; url: string; emailed: boolean; email_error?: string }>(
      `/admin/tenants/${encodeURIComponent(id)}/invitations`,
      input,
    );

  // Your accounts (the platform's console) and an account's team
  listMyAccounts = () => this.get<{ accounts: AccountView[] }>('/me/accounts').then((r) => r.accounts);
  createMyAccount = (input: { id: string; name: string }) =>
    this.post<{ account: AccountView }>('/me/accounts', input).then((r) => r.account);
  lookupInvitation = (token: string) =>
    this.post<{ account: { id: string; name: string }; invitation: Invitation }>('/me/invitations/lookup', { token });
  acceptInvitation = (token: string) => this.post<{ account: AccountView }>('/me/invitations/accept', { token }).then((r) => r.account);
  getAccount = () => this.get<AccountSettings>('/admin/account');
  updateAccount = (changes: {
    name?: string;
    settings?: { [K in keyof AccountSettings['account']['settings']]?: AccountSettings['account']['settings'][K] | null };
  }) => this.request<AccountSettings>('PATCH', '/admin/account', changes);
  listMembers = () => this.get<{ members: Member[] }>('/admin/members').then((r) => r.members);
  setMemberRole = (userId: string, role: string) =>
    this.request<{ member: Member }>('PATCH', `/admin/members/${encodeURIComponent(userId)}`, { role }).then((r) => r.member);
  removeMember = (userId: string) => this.request<void>('DELETE', `/admin/members/${encodeURIComponent(userId)}`);
  listInvitations = () => this.get<{ invitations: Invitation[] }>('/admin/invitations').then((r) => r.invitations);
  invite = (input: { email: string; role: string }) =>
    this.post<{ invitation: Invitation; url: string; emailed: boolean; email_error?: string }>('/admin/invitations', input);
  withdrawInvitation = (id: string) => this.request<void>('DELETE', `/admin/invitations/${encodeURIComponent(id)}`);

  // Audit log
  listAudit = (limit: number, before?: string, filters: AuditFilters = {}) => {
    const query = filterQuery(filters);
    query.set('limit', String(limit));
    if (before) query.set('before', before);
    return this.get<{ events: AuditEvent[]; next: string | null }>(`/admin/audit?${query}`);
  };
  /** The filtered log as a file: fetched with the bearer token (a plain link would carry none), named as the server names it. */
  exportAudit = async (filters: AuditFilters, format: 'csv' | 'json') => {
    const query = filterQuery(filters);
    query.set('format', format);
    const response = await this.send('GET', `/admin/audit/export?${query}`, undefined, format === 'csv' ? 'text/csv' : 'application/json');
    const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
    return { blob: await response.blob(), filename: named ?? `audit.${format}` };
  };
}
