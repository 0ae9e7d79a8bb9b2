import { TENANT_BASE } from './base';
import type {
  ApiChanges,
  ApiResource,
  AuditEvent,
  ClientChanges,
  ClientView,
  Consent,
  DeletionImpact,
  NewClient,
  NewTenant,
  NewUser,
  ProfileChanges,
  Role,
  Session,
  SigningKey,
  TenantView,
  UserView,
} from './types';

/** An error answer of the admin API: `{ error, error_description }` with its HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.hooks.accessToken();
    if (!token) {
      this.hooks.onUnauthorized();
      throw new ApiError(401, 'invalid_token', 'Your sign-in has expired. Signing you in again…');
    }
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(TENANT_BASE + path, {
        method,
        headers,
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = json as { error?: string; error_description?: string } | undefined;
      const code = error?.error ?? 'server_error';
      if (response.status === 401) this.hooks.onUnauthorized();
      if (response.status === 403 && code === 'insufficient_scope') this.hooks.onForbidden();
      const message = error?.error_description
        ? sentence(error.error_description)
        : (FALLBACK_MESSAGES[response.status] ?? `The server could not do that (HTTP ${response.status}). Try again in a moment.`);
      throw new ApiError(response.status, code, message);
    }
    return json as T;
  }

  private get<T>(path: string) {
    return this.request<T>('GET', path);
  }

  private post<T>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }

  // App clients
  listClients = () => this.get<{ clients: ClientView[] }>('/admin/clients').then((r) => r.clients);
  getClient = (id: string) => this.get<{ client: ClientView }>(`/admin/clients/${encodeURIComponent(id)}`).then((r) => r.client);
  createClient = (input: NewClient) => this.post<{ client: ClientView; client_secret?: string }>('/admin/clients', input);
  updateClient = (id: string, changes: ClientChanges) =>
    this.request<{ client: ClientView }>('PATCH', `/admin/clients/${encodeURIComponent(id)}`, changes).then((r) => r.client);
  rotateSecret = (id: string, graceSeconds: number) =>
    this.post<{ client: ClientView; client_secret: string }>(`/admin/clients/${encodeURIComponent(id)}/rotate-secret`, {
      grace_seconds: graceSeconds,
    });
  clientDependents = (id: string) => this.get<DeletionImpact>(`/admin/clients/${encodeURIComponent(id)}/dependents`);
  deleteClient = (id: string) => this.request<DeletionImpact>('DELETE', `/admin/clients/${encodeURIComponent(id)}`);
  revokeClient = (id: string) => this.post<{ client: ClientView }>(`/admin/clients/${encodeURIComponent(id)}/revoke`).then((r) => r.client);

  // Roles and APIs
  listRoles = () => this.get<{ roles: Role[] }>('/admin/roles').then((r) => r.roles);
  createRole = (input: { name: string; description?: string; scopes: string[] }) =>
    this.post<{ role: Role }>('/admin/roles', input).then((r) => r.role);
  updateRoleScopes = (name: string, scopes: string[]) =>
    this.request<{ role: Role }>('PATCH', `/admin/roles/${encodeURIComponent(name)}`, { scopes }).then((r) => r.role);
  roleDependents = (name: string) => this.get<DeletionImpact>(`/admin/roles/${encodeURIComponent(name)}/dependents`);
  deleteRole = (name: string) => this.request<DeletionImpact>('DELETE', `/admin/roles/${encodeURIComponent(name)}`);
  listApis = () => this.get<{ default: string; apis: ApiResource[] }>('/admin/apis');
  createApi = (input: ApiChanges & { identifier: string }) => this.post<{ api: ApiResource }>('/admin/apis', input).then((r) => r.api);
  updateApi = (identifier: string, changes: ApiChanges) =>
    this.request<{ api: ApiResource }>('PATCH', `/admin/apis/${encodeURIComponent(identifier)}`, changes).then((r) => r.api);
  apiDependents = (identifier: string) => this.get<DeletionImpact>(`/admin/apis/${encodeURIComponent(identifier)}/dependents`);
  deleteApi = (identifier: string) => this.request<DeletionImpact>('DELETE', `/admin/apis/${encodeURIComponent(identifier)}`);

  // Users
  listUsers = () => this.get<{ users: UserView[] }>('/admin/users').then((r) => r.users);
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
  listTenants = (page: { search?: string; after?: string; limit: number }) => {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.search) query.set('search', page.search);
    if (page.after) query.set('after', page.after);
    return this.get<{ tenants: TenantView[]; next: string | null }>(`/admin/tenants?${query}`);
  };
  createTenant = (input: NewTenant) => this.post<{ tenant: TenantView }>('/admin/tenants', input).then((r) => r.tenant);
  suspendTenant = (id: string) =>
    this.post<{ tenant: TenantView }>(`/admin/tenants/${encodeURIComponent(id)}/suspend`).then((r) => r.tenant);
  resumeTenant = (id: string) => this.post<{ tenant: TenantView }>(`/admin/tenants/${encodeURIComponent(id)}/resume`).then((r) => r.tenant);
  deleteTenant = (id: string) => this.request<void>('DELETE', `/admin/tenants/${encodeURIComponent(id)}`);

  // Audit log
  listAudit = (limit: number, before?: string) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set('before', before);
    return this.get<{ events: AuditEvent[]; next: string | null }>(`/admin/audit?${query}`);
  };
}
