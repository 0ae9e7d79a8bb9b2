import type { ApiView } from '../admin/views.js';
import type { Api } from '../ports/apis.js';
import type { Actor } from '../ports/audit.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import { auditedTransaction } from './audit.js';
import { type ListQuery, type Page, pageInMemory } from './paging.js';
import { checkQuota, checkScopes, ManagementError } from './validation.js';

const toApiView = (api: Api): ApiView => ({
  identifier: api.identifier,
  name: api.name,
  scopes: api.scopes,
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

  async createApi(input: { identifier: string; name: string; scopes: string[] }, actor: Actor): Promise<ApiView> {
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
}
