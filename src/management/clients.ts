import { randomUUID } from 'node:crypto';
import { systemActor } from '../admin/audit-log.js';
import type { ClientView, DeletionImpact } from '../admin/views.js';
import type { Config } from '../config.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from '../oidc/id-tokens.js';
import type { Actor } from '../ports/audit.js';
import type { Client } from '../ports/clients.js';
import { nowSeconds } from '../ports/clock.js';
import { DEFAULT_TENANT, type TenantQuotas } from '../ports/tenants.js';
import type { ClientChanges } from '../store/clients.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Repositories } from '../store/repositories.js';
import { searchText } from '../store/search.js';
import { sha256Hex } from '../tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import { auditedTransaction } from './audit.js';
import {
  builtinClientId,
  CONSOLE_CLIENT_ID,
  checkRevocable,
  consoleLogoutRedirectUri,
  consoleRedirectUri,
  DEMO_READ_SCOPE,
  isBuiltinClient,
  MEMBER_SCOPE,
  PLAYGROUND_CLIENT_ID,
  playgroundRedirectUri,
} from './builtins.js';
import { deletionImpact } from './deletion.js';
import { decodeCursor, type ListQuery, type Page, pageOf, pageSize } from './paging.js';
import type { RoleManagement } from './roles.js';
import type { ScopeLimit } from './scope-limit.js';
import { checkQuota, checkScopes, knownRoles, ManagementError } from './validation.js';

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
  builtin: isBuiltinClient(client.clientId),
  status: client.revokedAt === null ? 'active' : 'revoked',
  created_at: client.createdAt,
  updated_at: client.updatedAt,
  revoked_at: client.revokedAt,
  previous_secret_expires_at:
    client.previousSecretExpiresAt !== null && client.previousSecretExpiresAt > nowSeconds() ? client.previousSecretExpiresAt : null,
});

/** The admin API's names of the settings (RFC 7591), as a client.updated event lists what was changed. */
const WIRE_NAMES: Record<keyof ClientChanges, string> = {
  name: 'name',
  description: 'description',
  roles: 'roles',
  scopes: 'scope',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  accessTokenTtl: 'access_token_ttl',
  introspection: 'introspection',
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function checkTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86400)
    throw new ManagementError('access token lifetime must be 60-86400 seconds', 'invalid', '/access_token_ttl');
  return ttl;
}

/** RFC 7662 §2.1: introspection needs client authentication, which a public client (no secret) cannot give. */
function checkIntrospection(introspection: boolean | undefined, isPublic: boolean): void {
  if (introspection === true && isPublic) {
    throw new ManagementError(
      'a public client has no secret, so it cannot authenticate to introspect tokens; a resource server is a confidential client',
      'invalid',
      '/introspection',
    );
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
function notAbsolute(uri: string, field: string): ManagementError {
  const host = SCHEMELESS.exec(uri)?.groups?.host?.toLowerCase();
  if (host !== undefined) {
    const scheme = LOOPBACK_HOSTS.has(host) ? 'http' : 'https';
    return new ManagementError(`redirect URI "${uri}" has no scheme: did you mean "${scheme}://${uri}"?`, 'invalid', field);
  }
  const path = uri.startsWith('/') ? uri : `/${uri}`;
  return new ManagementError(
    `redirect URI "${uri}" is not an absolute URI: give the full address the app receives it at, e.g. "https://app.example.com${path}" (or "http://localhost:3000${path}" during development)`,
    'invalid',
    field,
  );
}

/**
 * Redirect URIs per RFC 9700 §2.1 and RFC 8252: absolute, no fragment, https — or http only for loopback during
 * development — or a private-use scheme for native apps. They are compared as exact strings (RFC 9700 §4.1.3), so
 * they must also be written the way a browser sends them: "https://host/…", not a host without its scheme.
 */
export function checkRedirectUri(uri: string, field: string): void {
  if (SCHEMELESS.test(uri)) throw notAbsolute(uri, field);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw notAbsolute(uri, field);
  }
  if ((url.protocol === 'https:' || url.protocol === 'http:') && !/^https?:\/\/[^/]/i.test(uri)) {
    throw new ManagementError(`redirect URI "${uri}" must be written as ${url.protocol}//host/path, e.g. "${url.href}"`, 'invalid', field);
  }
  if (url.hash !== '' || uri.includes('#')) throw new ManagementError(`redirect URI "${uri}" must not have a fragment`, 'invalid', field);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ManagementError(
      `redirect URI "${uri}" must use https (http is allowed only for localhost and loopback IPs)`,
      'invalid',
      field,
    );
  }
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) {
    throw new ManagementError(`redirect URI "${uri}" uses a scheme that is never allowed`, 'invalid', field);
  }
}

/** The URIs of one list (`redirect_uris` or `post_logout_redirect_uris`) without repeats, each checked where it was given. */
function checkedRedirectUris(uris: readonly string[], list: string): string[] {
  for (const [index, uri] of uris.entries()) checkRedirectUri(uri, `/${list}/${index}`);
  return [...new Set(uris)];
}

/**
 * App clients, for the CLI and the admin API alike. Client secrets are generated here, returned once, and stored
 * only as SHA-256 hashes. Every change is one transaction with its audit event.
 */
export class ClientManagement {
  constructor(
    private readonly repositories: Repositories,
    private readonly roles: RoleManagement,
    private readonly config: Config,
    private readonly supportedGrantTypes: readonly string[],
    private readonly quotas: TenantQuotas,
    private readonly scopeLimit: ScopeLimit,
    private readonly tenantId: string,
  ) {}

  /**
   * This tenant's built-in clients (ensureBuiltinClients): every tenant has its console's and its playground's
   * (`builtinClientId`). The playground's may also ask for the scopes of every API the tenant sees (the directory's
   * playground-scopes.ts), which change as APIs do and so are not stored with it.
   */
  private builtins() {
    const issuer = this.config.issuer;
    const console = {
      clientId: builtinClientId(CONSOLE_CLIENT_ID, this.tenantId),
      name: 'Gatehouse console',
      description: 'The developer console of this Gatehouse.',
      redirectUris: [consoleRedirectUri(issuer)],
      postLogoutRedirectUris: [consoleLogoutRedirectUri(issuer)],
      // The platform's console is also where people manage the accounts they are members of.
      scopes: this.tenantId === DEFAULT_TENANT ? [MEMBER_SCOPE] : [],
    };
    const playground = {
      clientId: builtinClientId(PLAYGROUND_CLIENT_ID, this.tenantId),
      name: 'Gatehouse API playground',
      description: 'Tries the APIs from the browser.',
      redirectUris: [playgroundRedirectUri(issuer)],
      postLogoutRedirectUris: [],
      scopes: [DEMO_READ_SCOPE],
    };
    return [console, playground];
  }

  async createClient(input: NewClientInput, actor: Actor): Promise<{ client: ClientView; clientSecret?: string }> {
    const name = input.name?.trim();
    if (!name || name.length > 200) throw new ManagementError('a client needs a name of 1-200 characters', 'invalid', '/name');
    const description = input.description?.trim() ?? '';
    if (description.length > 2000) throw new ManagementError('a description is at most 2000 characters', 'invalid', '/description');
    const roles = await knownRoles(this.repositories.roles, input.roles ?? []);
    const scopes = [...new Set(input.scopes ?? [])];
    checkScopes(scopes, '/scope');
    const isPublic = input.public === true;
    const grantTypes = [...new Set(input.grantTypes ?? (isPublic ? ['authorization_code', 'refresh_token'] : ['client_credentials']))];
    const unsupported = grantTypes.filter((grant) => !this.supportedGrantTypes.includes(grant));
    if (unsupported.length > 0) {
      const supported = this.supportedGrantTypes.join(', ');
      throw new ManagementError(`unsupported grant type: ${unsupported.join(', ')} (supported: ${supported})`, 'invalid', '/grant_types');
    }
    if (grantTypes.length === 0) throw new ManagementError('a client needs at least one grant type', 'invalid', '/grant_types');
    if (isPublic && grantTypes.includes('client_credentials')) {
      throw new ManagementError('a public client has no secret, so it cannot use client_credentials', 'invalid', '/grant_types');
    }
    const redirectUris = checkedRedirectUris(input.redirectUris ?? [], 'redirect_uris');
    const postLogoutRedirectUris = checkedRedirectUris(input.postLogoutRedirectUris ?? [], 'post_logout_redirect_uris');
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
      throw new ManagementError('a client using authorization_code needs at least one redirect URI', 'invalid', '/redirect_uris');
    }
    const idTokenAlg = input.idTokenSignedResponseAlg ?? 'RS256';
    if (!(ID_TOKEN_SIGNING_ALGORITHMS as readonly string[]).includes(idTokenAlg)) {
      throw new ManagementError(`id_token_signed_response_alg must be one of ${ID_TOKEN_SIGNING_ALGORITHMS.join(', ')}`);
    }
    const ttl = input.accessTokenTtl === undefined ? undefined : checkTtl(input.accessTokenTtl);
    checkIntrospection(input.introspection, isPublic);
    const clientSecret = isPublic ? undefined : generateOpaque(OPAQUE_PREFIXES.clientSecret);
    const client = await auditedTransaction(this.repositories, async (tx, audit) => {
      // The built-in clients are the server's, made in every tenant: not among the clients the quota allows.
      const builtinIds = this.builtins().map((builtin) => builtin.clientId);
      await checkQuota(this.quotas.maxClients, () => tx.clients.count(builtinIds), 'app clients');
      await this.scopeLimit.check(tx, scopes);
      const created = await tx.clients.create({
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
      const details = { name: created.name, roles: created.roles, grant_types: created.grantTypes, introspection: created.introspection };
      await audit.record(actor, 'client.created', created.clientId, details);
      return created;
    });
    return { client: toClientView(client), ...(clientSecret === undefined ? {} : { clientSecret }) };
  }

  /** Changes a client's settings, validated as at creation; the event names the settings that were given. */
  async updateClient(
    clientId: string,
    input: Partial<Omit<NewClientInput, 'public' | 'grantTypes' | 'idTokenSignedResponseAlg'>>,
    actor: Actor,
  ): Promise<ClientView> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const existing = await tx.clients.get(clientId);
      if (!existing) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
      const changes: ClientChanges = {};
      if (input.name !== undefined) {
        const name = input.name.trim();
        if (!name || name.length > 200) throw new ManagementError('a client needs a name of 1-200 characters', 'invalid', '/name');
        changes.name = name;
      }
      if (input.description !== undefined) {
        if (input.description.length > 2000)
          throw new ManagementError('a description is at most 2000 characters', 'invalid', '/description');
        changes.description = input.description.trim();
      }
      if (input.roles !== undefined) changes.roles = await knownRoles(tx.roles, input.roles);
      if (input.scopes !== undefined) {
        checkScopes(input.scopes, '/scope');
        await this.scopeLimit.check(tx, input.scopes);
        changes.scopes = [...new Set(input.scopes)];
      }
      if (input.redirectUris !== undefined) {
        const redirectUris = checkedRedirectUris(input.redirectUris, 'redirect_uris');
        if (existing.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
          throw new ManagementError('a client using authorization_code needs at least one redirect URI', 'invalid', '/redirect_uris');
        }
        changes.redirectUris = redirectUris;
      }
      if (input.postLogoutRedirectUris !== undefined) {
        changes.postLogoutRedirectUris = checkedRedirectUris(input.postLogoutRedirectUris, 'post_logout_redirect_uris');
      }
      if (input.accessTokenTtl !== undefined) changes.accessTokenTtl = checkTtl(input.accessTokenTtl);
      if (input.introspection !== undefined) {
        checkIntrospection(input.introspection, existing.tokenEndpointAuthMethod === 'none');
        changes.introspection = input.introspection;
      }
      const client = await tx.clients.update(clientId, changes);
      if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
      await audit.record(actor, 'client.updated', client.clientId, {
        changed: Object.keys(changes).map((field) => WIRE_NAMES[field as keyof ClientChanges]),
      });
      return toClientView(client);
    });
  }

  /**
   * The console and the API playground are public clients of this very server, first party (no consent page),
   * allowed the admin role's scope — which a user's token carries only when the user holds that role.
   */
  async ensureBuiltinClients(): Promise<void> {
    const adminRole = await this.roles.ensureAdminRole();
    const { clients } = this.repositories;
    for (const builtin of this.builtins()) {
      const existing = await clients.get(builtin.clientId);
      if (existing) {
        // The issuer may have moved (another port, a public URL): the redirect URIs follow it.
        if (existing.redirectUris.join(' ') !== builtin.redirectUris.join(' ')) {
          await clients.update(builtin.clientId, {
            redirectUris: builtin.redirectUris,
            postLogoutRedirectUris: builtin.postLogoutRedirectUris,
          });
        }
        // A deployment made before a built-in scope existed (MEMBER_SCOPE) gains it.
        const missing = builtin.scopes.filter((scope) => !existing.scopes.includes(scope));
        if (missing.length > 0) await clients.update(builtin.clientId, { scopes: [...existing.scopes, ...missing] });
        if (existing.revokedAt !== null) await this.restoreBuiltinClient(existing.clientId, existing.revokedAt);
        continue;
      }
      try {
        await clients.create({
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
    const { clients, grants, auditEvents } = this.repositories;
    await clients.restore(clientId, [
      grants.revokeAllGrantsOfClientStatement(clientId),
      auditEvents.appendStatement({ ...systemActor(), action: 'client.restored', target: clientId, details: { revoked_at: revokedAt } }),
    ]);
  }

  /** A page of the tenant's clients in creation order; `search` looks in their ids, names and descriptions. */
  async listClients(query: ListQuery = {}): Promise<Page<ClientView>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.after, ['number', 'string'] as const);
    const rows = await this.repositories.clients.list({ search: searchText(query.search), after, limit: limit + 1 });
    return pageOf(rows.map(toClientView), limit, (client) => [client.created_at, client.client_id]);
  }

  async getClient(clientId: string): Promise<ClientView> {
    const client = await this.repositories.clients.get(clientId);
    if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    return toClientView(client);
  }

  /** A new secret, shown once; the previous one keeps working for `graceSeconds` so deployments can roll over. */
  async rotateSecret(
    clientId: string,
    graceSeconds: number | undefined,
    actor: Actor,
  ): Promise<{ client: ClientView; clientSecret: string }> {
    const clientSecret = generateOpaque(OPAQUE_PREFIXES.clientSecret);
    const client = await auditedTransaction(this.repositories, async (tx, audit) => {
      const existing = await tx.clients.get(clientId);
      if (!existing) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
      if (existing.revokedAt !== null) throw new ManagementError('the client is revoked', 'conflict');
      if (existing.tokenEndpointAuthMethod === 'none') throw new ManagementError('a public client has no secret to rotate', 'conflict');
      const graceUntil = nowSeconds() + (graceSeconds ?? this.config.secretRotationGrace);
      const rotated = await tx.clients.rotateSecret(clientId, sha256Hex(clientSecret), graceUntil);
      if (!rotated) throw new ManagementError('the client changed while rotating its secret; try again', 'conflict');
      const view = toClientView(rotated);
      await audit.record(actor, 'client.secret_rotated', view.client_id, { previous_secret_expires_at: view.previous_secret_expires_at });
      return view;
    });
    return { client, clientSecret };
  }

  /**
   * Disables the client: it gets no more tokens, and the tokens it has are refused by introspection. The revocation
   * and its event are one transaction.
   */
  async revokeClient(clientId: string, actor: Actor): Promise<ClientView> {
    checkRevocable(clientId);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const client = (await tx.clients.revoke(clientId)) ? await tx.clients.get(clientId) : undefined;
      if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
      await audit.record(actor, 'client.revoked', clientId, { name: client.name });
      return toClientView(client);
    });
  }

  /** What deleting the client takes with it: the consents users gave it and its live grants (with their tokens). */
  async clientDependents(clientId: string): Promise<DeletionImpact> {
    checkRevocable(clientId, 'deleted');
    const { clients, consents, grants } = this.repositories;
    if (!(await clients.get(clientId))) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    return clientImpact(await consents.countOf({ by: 'client', id: clientId }), await grants.countLive({ by: 'client', id: clientId }));
  }

  /**
   * Deletes the client with the consents users gave it and every grant it holds (its refresh and access tokens are
   * refused from then on; a token naming a client that is not there counts as revoked), in one transaction with its
   * event. The built-in clients cannot be deleted.
   */
  async deleteClient(clientId: string, actor: Actor): Promise<DeletionImpact> {
    checkRevocable(clientId, 'deleted');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const client = await tx.clients.get(clientId);
      if (!client) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
      const consents = await tx.consents.deleteAllOf({ by: 'client', id: clientId });
      const grants = await tx.grants.revokeEverythingOf({ by: 'client', id: clientId });
      await tx.clients.delete(clientId);
      await audit.record(actor, 'client.deleted', clientId, { name: client.name, consents, revoked_grants: grants });
      return clientImpact(consents, grants);
    });
  }
}

const clientImpact = (consents: number, grants: number): DeletionImpact =>
  deletionImpact({ consents, grants }, { consents: 'consent', grants: 'live grant' }, 'go with it');
