import { randomUUID } from 'node:crypto';
import { passwordProblem } from '../accounts/password-policy.js';
import { hashPassword } from '../accounts/passwords.js';
import type { Config } from '../config.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from '../oidc/id-tokens.js';
import { isScopeToken } from '../oauth/scopes.js';
import type { Api } from '../ports/apis.js';
import type { ApiRepository } from '../store/apis.js';
import type { AuditRepository } from '../store/audit.js';
import type { Client } from '../ports/clients.js';
import type { ClientChanges, ClientRepository } from '../store/clients.js';
import type { ConsentRepository } from '../store/consents.js';
import type { GrantRepository } from '../store/grants.js';
import { isUniqueViolation } from '../store/errors.js';
import { nowSeconds } from '../ports/clock.js';
import { RefusedError } from '../ports/refused-error.js';
import type { Role, RoleRepository } from '../store/roles.js';
import type { SessionRepository } from '../store/sessions.js';
import { normalizeUsername } from '../accounts/usernames.js';
import type { User, UserRegistration } from '../ports/users.js';
import type { UserRepository } from '../store/users.js';
import { sha256Hex } from '../tokens/hash.js';
import { OPAQUE_PREFIXES, generateOpaque } from '../tokens/opaque.js';
import { systemActor } from './audit-log.js';
import type { ClientView, UserView } from './views.js';

export type { ClientView, UserView } from './views.js';

/**
 * A management request that cannot be carried out as asked; the message says what to change. A RefusedError, so
 * that the core's ports (UserRegistration for self sign-up) tell a taken username from any other failure.
 */
export class ManagementError extends RefusedError {
  override name = 'ManagementError';
}

export interface NewClientInput {
  name: string;
  description?: string;
  roles?: string[];
  scopes?: string[];
  grantTypes?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  idTokenSignedResponseAlg?: string;
  public?: boolean;
  accessTokenTtl?: number;
  /** A resource server: may introspect every client's tokens (RFC 7662 §4). Off unless asked for. */
  introspection?: boolean;
}

export interface NewUserInput {
  username: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  roles?: string[];
}

export const toUserView = (user: User): UserView => ({
  id: user.id,
  username: user.username,
  email: user.email,
  email_verified: user.emailVerified,
  name: user.name,
  roles: user.roles,
  status: user.disabledAt === null ? 'active' : 'disabled',
  created_at: user.createdAt,
  updated_at: user.updatedAt,
});

export const toClientView = (client: Client): ClientView => ({
  client_id: client.clientId,
  name: client.name,
  description: client.description,
  roles: client.roles,
  scope: client.scopes.join(' '),
  grant_types: client.grantTypes,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  redirect_uris: client.redirectUris,
  post_logout_redirect_uris: client.postLogoutRedirectUris,
  id_token_signed_response_alg: client.idTokenSignedResponseAlg,
  access_token_ttl: client.accessTokenTtl,
  introspection: client.introspection,
  status: client.revokedAt === null ? 'active' : 'revoked',
  created_at: client.createdAt,
  updated_at: client.updatedAt,
  revoked_at: client.revokedAt,
  previous_secret_expires_at:
    client.previousSecretExpiresAt !== null && client.previousSecretExpiresAt > nowSeconds() ? client.previousSecretExpiresAt : null,
});

export const ADMIN_ROLE = 'admin';
export const CONSOLE_CLIENT_ID = 'gatehouse-console';
export const PLAYGROUND_CLIENT_ID = 'gatehouse-playground';
/** The clients this server itself runs (ensureBuiltinClients); revoking one would break the console or playground for good. */
const BUILTIN_CLIENT_IDS: ReadonlySet<string> = new Set([CONSOLE_CLIENT_ID, PLAYGROUND_CLIENT_ID]);

/** Refuses to revoke a built-in client, by any path (CLI, admin API, console). */
export function checkRevocable(clientId: string): void {
  if (BUILTIN_CLIENT_IDS.has(clientId)) {
    throw new ManagementError(`"${clientId}" is a built-in client of this server and cannot be revoked`, 'conflict');
  }
}
/** Where the built-in clients' responses go: the console's callback route and Swagger UI's redirect page. */
export const consoleRedirectUri = (issuer: string): string => `${issuer}/console/callback`;
export const consoleLogoutRedirectUri = (issuer: string): string => `${issuer}/console/`;
export const playgroundRedirectUri = (issuer: string): string => `${issuer}/playground/oauth2-redirect.html`;
export const ADMIN_SCOPE = 'gatehouse:admin';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function checkTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86400) throw new ManagementError('access token lifetime must be 60-86400 seconds');
  return ttl;
}

/** RFC 7662 §2.1: introspection needs client authentication, which a public client (no secret) cannot give. */
function checkIntrospection(introspection: boolean | undefined, isPublic: boolean): void {
  if (introspection === true && isPublic) {
    throw new ManagementError(
      'a public client has no secret, so it cannot authenticate to introspect tokens; a resource server is a confidential client',
    );
  }
}

function checkScopes(scopes: readonly string[]): void {
  for (const scope of scopes) {
    if (!isScopeToken(scope)) throw new ManagementError(`"${scope}" is not a valid scope (RFC 6749 §3.3)`);
  }
}

/**
 * A host (with an optional port and path) typed without its scheme: "localhost:3000", "example.com/cb",
 * "127.0.0.1:8080/cb". WHATWG URL reads "localhost:3000" as scheme "localhost:" and path "3000", a private-use
 * scheme that no browser would ever send back. A reverse-domain private-use scheme ("com.example.app:/cb") has no
 * port digits or slash straight after its host-like part, so it does not match.
 */
const SCHEMELESS = /^(?<host>localhost|\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:[/?]|$)/i;

/** The error for a redirect URI that is not absolute, with the URI that was probably meant. */
function notAbsolute(uri: string): ManagementError {
  const host = SCHEMELESS.exec(uri)?.groups?.host?.toLowerCase();
  if (host !== undefined) {
    const scheme = LOOPBACK_HOSTS.has(host) ? 'http' : 'https';
    return new ManagementError(`redirect URI "${uri}" has no scheme: did you mean "${scheme}://${uri}"?`);
  }
  const path = uri.startsWith('/') ? uri : `/${uri}`;
  return new ManagementError(
    `redirect URI "${uri}" is not an absolute URI: give the full address the app receives it at, e.g. "https://app.example.com${path}" (or "http://localhost:3000${path}" during development)`,
  );
}

/**
 * Redirect URIs per RFC 9700 §2.1 and RFC 8252: absolute, no fragment, https — or http only for loopback during
 * development — or a private-use scheme for native apps. They are compared as exact strings (RFC 9700 §4.1.3), so
 * they must also be written the way a browser sends them: "https://host/…", not a host without its scheme.
 */
export function checkRedirectUri(uri: string): void {
  if (SCHEMELESS.test(uri)) throw notAbsolute(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw notAbsolute(uri);
  }
  if ((url.protocol === 'https:' || url.protocol === 'http:') && !/^https?:\/\/[^/]/i.test(uri)) {
    throw new ManagementError(`redirect URI "${uri}" must be written as ${url.protocol}//host/path, e.g. "${url.href}"`);
  }
  if (url.hash !== '' || uri.includes('#')) throw new ManagementError(`redirect URI "${uri}" must not have a fragment`);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ManagementError(`redirect URI "${uri}" must use https (http is allowed only for localhost and loopback IPs)`);
  }
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) {
    throw new ManagementError(`redirect URI "${uri}" uses a scheme that is never allowed`);
  }
}

/** A browser session as the admin API lists it. */
export interface SessionSummary {
  id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  auth_time: number;
  ip: string;
  user_agent: string;
}

/**
 * Administration of roles, APIs and app clients, shared by the CLI and the admin API. Client secrets are generated
 * here, returned once, and stored only as SHA-256 hashes.
 */
export interface ManagementDependencies {
  config: Config;
  clients: ClientRepository;
  roles: RoleRepository;
  apis: ApiRepository;
  users: UserRepository;
  sessions: SessionRepository;
  consents: ConsentRepository;
  grants: GrantRepository;
  /** For changes recorded in the same transaction as the change (a built-in client restored). */
  auditEvents: AuditRepository;
  supportedGrantTypes: readonly string[];
}

export class Management implements UserRegistration {
  private readonly config: Config;
  private readonly clients: ClientRepository;
  private readonly roles: RoleRepository;
  private readonly apis: ApiRepository;
  private readonly users: UserRepository;
  private readonly supportedGrantTypes: readonly string[];

  constructor(private readonly deps: ManagementDependencies) {
    ({ config: this.config, clients: this.clients, roles: this.roles, apis: this.apis, users: this.users, supportedGrantTypes: this.supportedGrantTypes } = deps);
  }

  /** The names, without repeats, when every one is a role that exists. */
  private async knownRoles(names: readonly string[]): Promise<string[]> {
    const roles = [...new Set(names)];
    const known = await this.roles.scopesOf(roles);
    const unknown = roles.filter((role) => !known.has(role));
    if (unknown.length > 0) throw new ManagementError(`unknown role: ${unknown.join(', ')} (create it first)`);
    return roles;
  }

  async createRole(input: { name: string; scopes: string[]; description?: string }): Promise<Role> {
    if (!NAME.test(input.name)) throw new ManagementError('a role name is 1-64 letters, digits, ".", "_", ":" or "-"');
    checkScopes(input.scopes);
    if (await this.roles.get(input.name)) throw new ManagementError(`role "${input.name}" exists already`, 'conflict');
    return this.roles.create({ name: input.name, scopes: [...new Set(input.scopes)], ...(input.description ? { description: input.description } : {}) });
  }

  /** The built-in role that carries the admin API's scope; created on first use. */
  async ensureAdminRole(): Promise<string> {
    if (!(await this.roles.get(ADMIN_ROLE))) {
      try {
        await this.roles.create({ name: ADMIN_ROLE, description: 'Administers Gatehouse through the admin API and console', scopes: [ADMIN_SCOPE] });
      } catch (error) {
        if (!(await this.roles.get(ADMIN_ROLE))) throw error;
      }
    }
    return ADMIN_ROLE;
  }

  listRoles(): Promise<Role[]> {
    return this.roles.list();
  }

  async createApi(input: { identifier: string; name: string; scopes: string[] }): Promise<Api> {
    let url: URL;
    try {
      url = new URL(input.identifier);
    } catch {
      throw new ManagementError('an API identifier is an absolute URI (RFC 8707), e.g. https://api.example.com');
    }
    if (url.hash !== '' || input.identifier.includes('#')) throw new ManagementError('an API identifier must not have a fragment');
    if (input.identifier === this.config.defaultAudience) throw new ManagementError('that identifier is the default API already', 'conflict');
    checkScopes(input.scopes);
    if (await this.apis.get(input.identifier)) throw new ManagementError(`API "${input.identifier}" exists already`, 'conflict');
    return this.apis.create({ identifier: input.identifier, name: input.name || input.identifier, scopes: [...new Set(input.scopes)] });
  }

  listApis(): Promise<Api[]> {
    return this.apis.list();
  }

  async createClient(input: NewClientInput): Promise<{ client: ClientView; clientSecret?: string }> {
    const name = input.name?.trim();
    if (!name || name.length > 200) throw new ManagementError('a client needs a name of 1-200 characters');
    const description = input.description?.trim() ?? '';
    if (description.length > 2000) throw new ManagementError('a description is at most 2000 characters');
    const roles = await this.knownRoles(input.roles ?? []);
    const scopes = [...new Set(input.scopes ?? [])];
    checkScopes(scopes);
    const isPublic = input.public === true;
    const grantTypes = [...new Set(input.grantTypes ?? (isPublic ? ['authorization_code', 'refresh_token'] : ['client_credentials']))];
    const unsupported = grantTypes.filter((grant) => !this.supportedGrantTypes.includes(grant));
    if (unsupported.length > 0) {
      throw new ManagementError(`unsupported grant type: ${unsupported.join(', ')} (supported: ${this.supportedGrantTypes.join(', ')})`);
    }
    if (grantTypes.length === 0) throw new ManagementError('a client needs at least one grant type');
    if (isPublic && grantTypes.includes('client_credentials')) {
      throw new ManagementError('a public client has no secret, so it cannot use client_credentials');
    }
    const redirectUris = [...new Set(input.redirectUris ?? [])];
    redirectUris.forEach(checkRedirectUri);
    const postLogoutRedirectUris = [...new Set(input.postLogoutRedirectUris ?? [])];
    postLogoutRedirectUris.forEach(checkRedirectUri);
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
      throw new ManagementError('a client using authorization_code needs at least one redirect URI');
    }
    const idTokenAlg = input.idTokenSignedResponseAlg ?? 'RS256';
    if (!(ID_TOKEN_SIGNING_ALGORITHMS as readonly string[]).includes(idTokenAlg)) {
      throw new ManagementError(`id_token_signed_response_alg must be one of ${ID_TOKEN_SIGNING_ALGORITHMS.join(', ')}`);
    }
    const ttl = input.accessTokenTtl === undefined ? undefined : checkTtl(input.accessTokenTtl);
    checkIntrospection(input.introspection, isPublic);
    const clientSecret = isPublic ? undefined : generateOpaque(OPAQUE_PREFIXES.clientSecret);
    const client = await this.clients.create({
      clientId: randomUUID(),
      name,
      description,
      roles,
      scopes,
      grantTypes,
      tokenEndpointAuthMethod: isPublic ? 'none' : 'client_secret_basic',
      redirectUris,
      postLogoutRedirectUris,
      idTokenSignedResponseAlg: idTokenAlg,
      accessTokenTtl: ttl ?? null,
      introspection: input.introspection === true,
      secretHash: clientSecret === undefined ? null : sha256Hex(clientSecret),
    });
    return { client: toClientView(client), ...(clientSecret === undefined ? {} : { clientSecret }) };
  }

  /** Changes a client's settings, validated as at creation. */
  async updateClient(clientId: string, input: Partial<Omit<NewClientInput, 'public' | 'grantTypes' | 'idTokenSignedResponseAlg'>>): Promise<ClientView> {
    const existing = await this.clients.get(clientId);
    if (!existing) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    const changes: ClientChanges = {};
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (!name || name.length > 200) throw new ManagementError('a client needs a name of 1-200 characters');
      changes.name = name;
    }
    if (input.description !== undefined) {
      if (input.description.length > 2000) throw new ManagementError('a description is at most 2000 characters');
      changes.description = input.description.trim();
    }
    if (input.roles !== undefined) changes.roles = await this.knownRoles(input.roles);
    if (input.scopes !== undefined) {
      checkScopes(input.scopes);
      changes.scopes = [...new Set(input.scopes)];
    }
    if (input.redirectUris !== undefined) {
      input.redirectUris.forEach(checkRedirectUri);
      if (existing.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
        throw new ManagementError('a client using authorization_code needs at least one redirect URI');
      }
      changes.redirectUris = [...new Set(input.redirectUris)];
    }
    if (input.postLogoutRedirectUris !== undefined) {
      input.postLogoutRedirectUris.forEach(checkRedirectUri);
      changes.postLogoutRedirectUris = [...new Set(input.postLogoutRedirectUris)];
    }
    if (input.accessTokenTtl !== undefined) changes.accessTokenTtl = checkTtl(input.accessTokenTtl);
    if (input.introspection !== undefined) {
      checkIntrospection(input.introspection, existing.tokenEndpointAuthMethod === 'none');
      changes.introspection = input.introspection;
    }
    const client = await this.clients.update(clientId, changes);
    if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    return toClientView(client);
  }

  /**
   * The console and the API playground are public clients of this very server, first party (no consent page),
   * allowed the admin role's scope — which a user's token carries only when the user holds that role.
   */
  async ensureBuiltinClients(): Promise<void> {
    const adminRole = await this.ensureAdminRole();
    const issuer = this.config.issuer;
    const builtins = [
      {
        clientId: CONSOLE_CLIENT_ID,
        name: 'Gatehouse console',
        description: 'The developer console of this Gatehouse.',
        redirectUris: [consoleRedirectUri(issuer)],
        postLogoutRedirectUris: [consoleLogoutRedirectUri(issuer)],
        scopes: [],
      },
      {
        clientId: PLAYGROUND_CLIENT_ID,
        name: 'Gatehouse API playground',
        description: 'Tries the APIs from the browser.',
        redirectUris: [playgroundRedirectUri(issuer)],
        postLogoutRedirectUris: [],
        scopes: ['demo:read'],
      },
    ];
    for (const builtin of builtins) {
      const existing = await this.clients.get(builtin.clientId);
      if (existing) {
        // The issuer may have moved (another port, a public URL): the redirect URIs follow it.
        if (existing.redirectUris.join(' ') !== builtin.redirectUris.join(' ')) {
          await this.clients.update(builtin.clientId, { redirectUris: builtin.redirectUris, postLogoutRedirectUris: builtin.postLogoutRedirectUris });
        }
        if (existing.revokedAt !== null) await this.restoreBuiltinClient(existing.clientId, existing.revokedAt);
        continue;
      }
      try {
        await this.clients.create({
          ...builtin,
          roles: [adminRole],
          grantTypes: ['authorization_code'],
          tokenEndpointAuthMethod: 'none',
          skipConsent: true,
          accessTokenTtl: null,
          secretHash: null,
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
  }

  /**
   * Earlier versions let `clients revoke` revoke a built-in client (checkRevocable refuses it now), which broke the
   * console or the playground for good. Such a client is made active again, with an audit event by the system, in
   * one transaction. What it had issued before stays revoked, as it was meant to be from the revocation on: its
   * grants are ended too, so tokens issued before the revocation do not come back with it.
   */
  private async restoreBuiltinClient(clientId: string, revokedAt: number): Promise<void> {
    await this.clients.restore(clientId, [
      this.deps.grants.revokeAllGrantsOfClientStatement(clientId),
      this.deps.auditEvents.appendStatement({
        ...systemActor(),
        action: 'client.restored',
        target: clientId,
        details: { revoked_at: revokedAt },
      }),
    ]);
  }

  async listClients(): Promise<ClientView[]> {
    return (await this.clients.list()).map(toClientView);
  }

  async getClient(clientId: string): Promise<ClientView> {
    const client = await this.clients.get(clientId);
    if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    return toClientView(client);
  }

  /** A new secret, shown once; the previous one keeps working for `graceSeconds` so deployments can roll over. */
  async rotateSecret(clientId: string, graceSeconds = this.config.secretRotationGrace): Promise<{ client: ClientView; clientSecret: string }> {
    const existing = await this.clients.get(clientId);
    if (!existing) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    if (existing.revokedAt !== null) throw new ManagementError('the client is revoked', 'conflict');
    if (existing.tokenEndpointAuthMethod === 'none') throw new ManagementError('a public client has no secret to rotate', 'conflict');
    const clientSecret = generateOpaque(OPAQUE_PREFIXES.clientSecret);
    const client = await this.clients.rotateSecret(clientId, sha256Hex(clientSecret), nowSeconds() + graceSeconds);
    if (!client) throw new ManagementError('the client changed while rotating its secret; try again', 'conflict');
    return { client: toClientView(client), clientSecret };
  }

  /** Disables the client: it gets no more tokens, and the tokens it has are refused by introspection. */
  async revokeClient(clientId: string): Promise<ClientView> {
    checkRevocable(clientId);
    if (!(await this.clients.revoke(clientId))) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    return this.getClient(clientId);
  }

  async createUser(input: NewUserInput): Promise<UserView> {
    const username = normalizeUsername(input.username ?? '');
    if (!USERNAME.test(username)) {
      throw new ManagementError('a username is 1-64 characters: letters, digits, and . _ @ + - (not first)');
    }
    const password = input.password ?? '';
    const email = input.email?.trim() || null;
    if (email !== null && (email.length > 254 || !EMAIL.test(email))) throw new ManagementError('the email address is not valid');
    const name = input.name?.trim() || null;
    if (name !== null && name.length > 200) throw new ManagementError('a name is at most 200 characters');
    // Judged before the name is looked up, so that self sign-up answers a weak password alike for free and taken names.
    const problem = await passwordProblem(password, { username, email, name });
    if (problem !== undefined) throw new ManagementError(problem);
    const roles = await this.knownRoles(input.roles ?? []);
    if (await this.users.findByUsername(username)) throw new ManagementError(`the username "${username}" is taken`, 'conflict');
    try {
      const user = await this.users.create({
        id: randomUUID(),
        username,
        passwordHash: await hashPassword(password),
        email,
        emailVerified: input.emailVerified === true,
        name,
        roles,
      });
      return toUserView(user);
    } catch (error) {
      // Two sign-ups racing for one name: the unique index decides.
      if (isUniqueViolation(error)) throw new ManagementError(`the username "${username}" is taken`, 'conflict');
      throw error;
    }
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }

  async getUser(idOrUsername: string): Promise<UserView> {
    const user = (await this.users.get(idOrUsername)) ?? (await this.users.findByUsername(idOrUsername));
    if (!user) throw new ManagementError(`no user "${idOrUsername}"`, 'not_found');
    return toUserView(user);
  }

  /**
   * A disabled user cannot sign in, their sessions end, and every grant they gave is revoked — refresh tokens and
   * access tokens alike — so that enabling them again does not bring back tokens someone may have stolen.
   */
  async disableUser(idOrUsername: string): Promise<UserView> {
    const user = await this.getUser(idOrUsername);
    if (!(await this.users.disableKeepingAHolderOf(user.id, ADMIN_ROLE))) {
      throw new ManagementError(
        `"${user.username}" is the last active administrator; create another (gatehouse users create --admin) before disabling this one`,
        'conflict',
      );
    }
    await this.deps.sessions.revokeAllForUser(user.id);
    await this.deps.grants.revokeAllGrantsOf(user.id);
    return this.getUser(user.id);
  }

  async enableUser(idOrUsername: string): Promise<UserView> {
    const user = await this.getUser(idOrUsername);
    await this.users.setDisabled(user.id, false);
    return this.getUser(user.id);
  }

  async updateRoleScopes(name: string, scopes: string[]): Promise<Role> {
    checkScopes(scopes);
    const role = await this.roles.setScopes(name, [...new Set(scopes)]);
    if (!role) throw new ManagementError(`no role "${name}"`, 'not_found');
    return role;
  }

  /** One entry per client and API (RFC 8707 audience): a consent covers the API it was given for. */
  async listConsents(userId: string): Promise<{ client_id: string; client_name: string; audience: string; scopes: string[]; granted_at: number }[]> {
    const user = await this.getUser(userId);
    const consents = await this.deps.consents.listForUser(user.id);
    return Promise.all(
      consents.map(async (consent) => ({
        client_id: consent.clientId,
        client_name: (await this.clients.get(consent.clientId))?.name ?? consent.clientId,
        audience: consent.audience,
        scopes: consent.scopes,
        granted_at: consent.grantedAt,
      })),
    );
  }

  /** A user's active sessions; `last_seen_at` is their last use, to within a tenth of the idle timeout. */
  async listSessions(userId: string): Promise<SessionSummary[]> {
    const user = await this.getUser(userId);
    return (await this.deps.sessions.listActiveForUser(user.id)).map((session) => ({
      id: session.id,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.lastSeenAt,
      auth_time: session.authTime,
      ip: session.ip,
      user_agent: session.userAgent,
    }));
  }

  async endSession(sessionId: string): Promise<void> {
    if (!(await this.deps.sessions.get(sessionId))) throw new ManagementError(`no active session "${sessionId}"`, 'not_found');
    await this.deps.sessions.revoke(sessionId);
  }

  /** Withdraws a user's consent for a client, at every API, and revokes every grant (and so every token) it gave. */
  async withdrawConsent(userId: string, clientId: string): Promise<{ withdrawn: boolean; revokedGrants: number }> {
    const withdrawn = await this.deps.consents.withdraw(userId, clientId);
    // Codes issued a moment ago have no grant yet; they must not turn into tokens afterwards.
    await this.deps.grants.invalidateCodesOf(userId, clientId);
    const revokedGrants = await this.deps.grants.revokeGrantsOf(userId, clientId);
    return { withdrawn, revokedGrants };
  }
}
