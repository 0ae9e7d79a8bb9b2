import type { ApiView, DeletionImpact } from '../admin/views.js';
import { isScopeToken } from '../oauth/scopes.js';
import type { Api } from '../ports/apis.js';
import type { Actor } from '../ports/audit.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import { auditedTransaction } from './audit.js';
import { deletionImpact } from './deletion.js';
import { type ListQuery, type Page, pageInMemory } from './paging.js';
import { checkQuota, checkScopes, ManagementError } from './validation.js';

const toApiView = (api: Api): ApiView => ({
  identifier: api.identifier,
  name: api.name,
  scopes: api.scopes,
  scope_descriptions: { ...api.scopeDescriptions },
  platform: api.platform === true,
  created_at: api.createdAt,
});

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
    private readonly owner: DefinitionsOwner = 'tenant',
  ) {}

  async createApi(
    input: { identifier: string; name: string; scopes: string[]; scopeDescriptions?: Record<string, string> },
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
      });
      await audit.record(actor, definitionEvent(this.owner, 'api.created'), api.identifier, { scopes: api.scopes });
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
   * Changes an API's name, scopes or scope descriptions (what is absent stays). Descriptions of scopes it no longer
   * defines go. The identifier never changes: it is the `aud` of the tokens issued for the API.
   */
  async updateApi(
    identifier: string,
    changes: { name?: string; scopes?: string[]; scopeDescriptions?: Record<string, string> },
    actor: Actor,
  ): Promise<ApiView> {
    if (changes.scopes) checkScopes(changes.scopes, '/scopes');
    return auditedTransaction(this.repositories, async (tx, audit) => {
      const existing = await this.ownApi(tx, identifier);
      const scopes = changes.scopes ? [...new Set(changes.scopes)] : existing.scopes;
      const described = changes.scopeDescriptions ?? { ...existing.scopeDescriptions };
      const scopeDescriptions = checkDescriptions(changes.scopeDescriptions ? described : keepDescribed(described, scopes), scopes);
      const api = await tx.apis.update(identifier, { name: changes.name || existing.name, scopes, scopeDescriptions });
      if (!api) throw new ManagementError(`no API "${identifier}"`, 'not_found');
      await audit.record(actor, definitionEvent(this.owner, 'api.updated'), identifier, {
        scopes: api.scopes,
        scope_descriptions: api.scopeDescriptions,
      });
      return toApiView(api);
    });
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
