import type { ApiOpenApiView, ApiView, DeletionImpact } from '../admin/views.js';
import { isScopeToken } from '../oauth/scopes.js';
import type { Api, ApiDocument } from '../ports/apis.js';
import type { Actor } from '../ports/audit.js';
import { nowSeconds } from '../ports/clock.js';
import { OutboundFetchError, type OutboundFetcher } from '../ports/outbound.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { StoredDocument } from '../store/apis.js';
import type { Repositories } from '../store/repositories.js';
import { auditedTransaction } from './audit.js';
import { deletionImpact } from './deletion.js';
import { checkOpenApi, MAX_OPENAPI_BYTES, OPENAPI_FETCH_TIMEOUT_MS, OPENAPI_MEDIA_TYPES, parseOpenApiText } from './openapi-documents.js';
import { type ListQuery, type Page, pageInMemory } from './paging.js';
import { checkQuota, checkScopes, ManagementError } from './validation.js';

const toOpenApiView = (document: ApiDocument): ApiOpenApiView => ({
  source: document.url === undefined ? 'upload' : 'url',
  ...(document.url === undefined ? {} : { url: document.url }),
  ...(document.fetchedAt === undefined ? {} : { fetched_at: document.fetchedAt }),
  title: document.title,
  version: document.version,
  operations: document.operations,
});

const toApiView = (api: Api): ApiView => ({
  identifier: api.identifier,
  name: api.name,
  scopes: api.scopes,
  scope_descriptions: { ...api.scopeDescriptions },
  platform: api.platform === true,
  created_at: api.createdAt,
  openapi: api.openapi ? toOpenApiView(api.openapi) : null,
});

/** What the audit log records of an API's OpenAPI document (not the document): where it is from and what it says. */
const documentDetails = (document: StoredDocument | null) =>
  document && { source: document.url === null ? 'upload' : 'url', url: document.url, ...document.summary };

/**
 * An API's OpenAPI document as a change gives it: `openapi`, the document (a JSON value, or its JSON or YAML text), or
 * `openapiUrl`, where to fetch it from. On a change, `openapi: null` removes the document.
 */
export interface OpenApiInput {
  openapi?: unknown;
  openapiUrl?: string;
}

/** Whose definitions a management class changes: one tenant's own, or the platform's, which every tenant reads. */
export type DefinitionsOwner = 'tenant' | 'platform';

/** The audit action of a change to `owner`'s definitions: the platform's are `platform.*`. */
export const definitionEvent = (owner: DefinitionsOwner, action: string): string => (owner === 'platform' ? `platform.${action}` : action);

/**
 * APIs (RFC 8707 resource servers) that tokens can be issued for: a tenant's own, or the platform's (`owner`
 * 'platform', events `platform.api.*`). Every change is recorded as an audit event with it.
 */
export class ApiManagement {
  constructor(
    private readonly repositories: Repositories,
    private readonly defaultAudience: string,
    private readonly quotas: TenantQuotas,
    /** Fetches OpenAPI documents from their URLs (the guarded fetcher, src/http/outbound.ts). */
    private readonly fetcher: OutboundFetcher,
    private readonly owner: DefinitionsOwner = 'tenant',
  ) {}

  /**
   * Registers an API, with its OpenAPI document when one is given (validated; fetched once, now, from a URL), in one
   * transaction with its event.
   */
  async createApi(
    input: { identifier: string; name: string; scopes: string[]; scopeDescriptions?: Record<string, string> } & OpenApiInput,
    actor: Actor,
  ): Promise<ApiView> {
    let url: URL;
    try {
      url = new URL(input.identifier);
    } catch {
      throw new ManagementError('an API identifier is an absolute URI (RFC 8707), e.g. https://api.example.com', 'invalid', '/identifier');
    }
    if (url.hash !== '' || input.identifier.includes('#'))
      throw new ManagementError('an API identifier must not have a fragment', 'invalid', '/identifier');
    if (input.identifier === this.defaultAudience)
      throw new ManagementError('that identifier is the default API already', 'conflict', '/identifier');
    checkScopes(input.scopes, '/scopes');
    const scopeDescriptions = checkDescriptions(input.scopeDescriptions ?? {}, input.scopes);
    // Fetched before the transaction opens: a slow remote server must not hold the store.
    const document = (await this.documentOf(input)) ?? null;
    return auditedTransaction(this.repositories, async (tx, audit) => {
      // A tenant's own API of a platform API's identifier would stand in for it at that tenant, with scopes of the
      // tenant's choosing in tokens the platform's API accepts: it is taken, whoever registered it first.
      if (await tx.apis.get(input.identifier))
        throw new ManagementError(`API "${input.identifier}" exists already`, 'conflict', '/identifier');
      if (this.owner === 'platform' && (await tx.apis.heldByAnyTenant(input.identifier))) {
        throw new ManagementError(`a tenant has registered an API "${input.identifier}" of its own already`, 'conflict');
      }
      await checkQuota(this.quotas.maxApis, () => tx.apis.count(), 'APIs');
      const api = await tx.apis.create({
        identifier: input.identifier,
        name: input.name || input.identifier,
        scopes: [...new Set(input.scopes)],
        scopeDescriptions,
        document,
      });
      await audit.record(actor, definitionEvent(this.owner, 'api.created'), api.identifier, {
        scopes: api.scopes,
        ...(document ? { openapi: documentDetails(document) } : {}),
      });
      return toApiView(api);
    });
  }

  /** A page of the APIs in identifier order; `search` looks in their identifiers, names and scopes. */
  async listApis(query: ListQuery = {}): Promise<Page<ApiView>> {
    // A tenant's APIs are its own merged with the platform's (ownBeforePlatform): a small set, paged here.
    const all = (await this.repositories.apis.list()).map(toApiView);
    return pageInMemory(
      all,
      query,
      (api) => api.identifier,
      (api) => [api.identifier, api.name, ...api.scopes],
    );
  }

  /**
   * Changes an API's name, scopes, scope descriptions or OpenAPI document (what is absent stays; `openapi: null`
   * removes the document). Descriptions of scopes it no longer defines go. The identifier never changes: it is the
   * `aud` of the tokens issued for the API.
   */
  async updateApi(
    identifier: string,
    changes: { name?: string; scopes?: string[]; scopeDescriptions?: Record<string, string> } & OpenApiInput,
    actor: Actor,
  ): Promise<ApiView> {
    if (changes.scopes) checkScopes(changes.scopes, '/scopes');
    // An unknown API is refused before a URL is fetched for it.
    await this.ownApi(this.repositories, identifier);
    const document = await this.documentOf(changes);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const existing = await this.ownApi(tx, identifier);
      const scopes = changes.scopes ? [...new Set(changes.scopes)] : existing.scopes;
      const described = changes.scopeDescriptions ?? { ...existing.scopeDescriptions };
      const scopeDescriptions = checkDescriptions(changes.scopeDescriptions ? described : keepDescribed(described, scopes), scopes);
      await tx.apis.update(identifier, { name: changes.name || existing.name, scopes, scopeDescriptions });
      if (document !== undefined) await tx.apis.setDocument(identifier, document);
      const api = await tx.apis.get(identifier);
      if (!api) throw new ManagementError(`no API "${identifier}"`, 'not_found');
      await audit.record(actor, definitionEvent(this.owner, 'api.updated'), identifier, {
        scopes: api.scopes,
        scope_descriptions: api.scopeDescriptions,
        ...(document === undefined ? {} : { openapi: documentDetails(document) }),
      });
      return toApiView(api);
    });
  }

  /**
   * Fetches the API's OpenAPI document again from the URL it was fetched from, and keeps it when it is still a valid
   * document (the one stored stays otherwise).
   */
  async refreshOpenApi(identifier: string, actor: Actor): Promise<ApiView> {
    const url = (await this.ownApi(this.repositories, identifier)).openapi?.url;
    if (url === undefined) {
      throw new ManagementError(
        `API "${identifier}" has no OpenAPI document fetched from a URL to refresh; give openapi_url first`,
        'conflict',
      );
    }
    const document = await this.fetchDocument(url, undefined);
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const current = await this.ownApi(tx, identifier);
      if (current.openapi?.url !== url) {
        throw new ManagementError(`API "${identifier}"'s OpenAPI document changed while it was fetched; refresh it again`, 'conflict');
      }
      await tx.apis.setDocument(identifier, document);
      await audit.record(actor, definitionEvent(this.owner, 'api.openapi_refreshed'), identifier, { openapi: documentDetails(document) });
      const api = await tx.apis.get(identifier);
      if (!api) throw new ManagementError(`no API "${identifier}"`, 'not_found');
      return toApiView(api);
    });
  }

  /**
   * The OpenAPI document (JSON text) of an API the tenant sees, its own or the platform's: what a tenant's developers
   * try in the playground.
   */
  async openApiDocument(identifier: string): Promise<string> {
    const document = await this.repositories.apis.document(identifier);
    if (document !== undefined) return document;
    const api = await this.repositories.apis.get(identifier);
    throw new ManagementError(api ? `API "${identifier}" has no OpenAPI document` : `no API "${identifier}"`, 'not_found');
  }

  /** The APIs the tenant sees (its own and the platform's) that carry an OpenAPI document, in identifier order. */
  async documentedApis(): Promise<ApiView[]> {
    return (await this.repositories.apis.list()).filter((api) => api.openapi).map(toApiView);
  }

  /** What deleting the API takes with it: the consents given for it and the live grants (and tokens) for it. */
  async apiDependents(identifier: string): Promise<DeletionImpact> {
    await this.ownApi(this.repositories, identifier);
    return apiImpact(
      await this.repositories.consents.countOf({ by: 'audience', id: identifier }),
      await this.repositories.grants.countLive({ by: 'audience', id: identifier }),
    );
  }

  /**
   * Deletes the API, the consents given for it and every live grant for it (so its tokens are refused by
   * introspection), in one transaction with its event: a new API of that identifier starts with no consent. Roles
   * and clients keep their scopes: a scope is a name that other APIs, or one registered again, may define too.
   */
  async deleteApi(identifier: string, actor: Actor): Promise<DeletionImpact> {
    return auditedTransaction(this.repositories, async (tx, audit) => {
      await this.ownApi(tx, identifier);
      const consents = await tx.consents.deleteAllOf({ by: 'audience', id: identifier });
      const grants = await tx.grants.revokeEverythingOf({ by: 'audience', id: identifier });
      await tx.apis.delete(identifier);
      await audit.record(actor, definitionEvent(this.owner, 'api.deleted'), identifier, { consents, revoked_grants: grants });
      return apiImpact(consents, grants);
    });
  }

  /**
   * What each scope lets an app do, for the consent page of a request for `audience`: that API's descriptions first,
   * then those any other API of the tenant (or the platform) gives the scope — the default API has no registration
   * of its own, and its scopes are those of the registered APIs.
   */
  async scopeDescriptionsFor(audience: string): Promise<Record<string, string>> {
    const apis = await this.repositories.apis.list();
    const target = apis.find((api) => api.identifier === audience);
    return Object.assign({}, ...apis.filter((api) => api !== target).map((api) => api.scopeDescriptions), target?.scopeDescriptions);
  }

  /** The document a change gives, validated (and fetched); null to remove it; undefined when it gives none. */
  private async documentOf(input: OpenApiInput): Promise<StoredDocument | null | undefined> {
    if (input.openapi !== undefined && input.openapiUrl !== undefined) {
      throw new ManagementError('give the OpenAPI document (openapi) or its URL (openapi_url), not both', 'invalid', '/openapi_url');
    }
    if (input.openapiUrl !== undefined) return this.fetchDocument(input.openapiUrl, '/openapi_url');
    if (input.openapi === null) return null;
    if (input.openapi === undefined) return undefined;
    const what = 'the OpenAPI document';
    const value = typeof input.openapi === 'string' ? parseOpenApiText(input.openapi, what, '/openapi') : input.openapi;
    return { ...(await checkOpenApi(value, what, '/openapi')), url: null, fetchedAt: null };
  }

  /** The document at `url`, through the guarded fetcher, validated; its refusals say why in words. */
  private async fetchDocument(url: string, field: string | undefined): Promise<StoredDocument> {
    let body: Buffer;
    try {
      const limits = { accept: OPENAPI_MEDIA_TYPES, maxBytes: MAX_OPENAPI_BYTES, timeoutMs: OPENAPI_FETCH_TIMEOUT_MS };
      body = (await this.fetcher.get(url, limits)).body;
    } catch (error) {
      if (error instanceof OutboundFetchError)
        throw new ManagementError(`the OpenAPI document could not be fetched: ${error.message}`, 'invalid', field);
      throw error;
    }
    const checked = await checkOpenApi(parseOpenApiText(body.toString('utf8'), url, field), url, field);
    return { ...checked, url, fetchedAt: nowSeconds() };
  }

  /** The tenant's own API of this identifier: the platform's are not the tenant's to change. */
  private async ownApi(repositories: Repositories, identifier: string): Promise<Api> {
    const api = await repositories.apis.get(identifier);
    if (!api || (api.platform === true && this.owner === 'tenant')) throw new ManagementError(`no API "${identifier}"`, 'not_found');
    return api;
  }
}

const MAX_DESCRIPTION = 200;

/** The descriptions without blank ones, each of a scope the API defines (any scope, when it defines none). */
function checkDescriptions(descriptions: Readonly<Record<string, string>>, scopes: readonly string[]): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [scope, text] of Object.entries(descriptions)) {
    const description = text.trim();
    if (description === '') continue;
    if (scopes.length > 0 ? !scopes.includes(scope) : !isScopeToken(scope)) {
      throw new ManagementError(
        `scope_descriptions: "${scope}" is not one of the API's scopes; add it to scopes or remove its description`,
      );
    }
    if (description.length > MAX_DESCRIPTION) {
      throw new ManagementError(`scope_descriptions: the description of "${scope}" is longer than ${MAX_DESCRIPTION} characters`);
    }
    kept[scope] = description;
  }
  return kept;
}

/** The descriptions of the scopes still defined (all of them when the API now accepts any scope). */
const keepDescribed = (descriptions: Record<string, string>, scopes: readonly string[]): Record<string, string> =>
  scopes.length === 0 ? descriptions : Object.fromEntries(Object.entries(descriptions).filter(([scope]) => scopes.includes(scope)));

const apiImpact = (consents: number, grants: number): DeletionImpact =>
  deletionImpact({ consents, grants }, { consents: 'consent', grants: 'live grant' }, 'for this API go with it');
