import type { AuditLog } from '../admin/audit-log.js';
import type { Config } from '../config.js';
import type { KeyStore } from '../keys/key-store.js';
import type { Mailer } from '../ports/mail.js';
import type { OutboundFetcher } from '../ports/outbound.js';
import type { TenantQuotas } from '../ports/tenants.js';
import type { Repositories } from '../store/repositories.js';
import { ApiManagement } from './apis.js';
import { ClientManagement } from './clients.js';
import { KeyManagement } from './keys.js';
import { MemberManagement } from './members.js';
import { RoleManagement } from './roles.js';
import { ScopeLimit } from './scope-limit.js';
import { UserManagement } from './users.js';

/**
 * Administration, one class per aggregate, shared by the CLI and the admin API: each validates, writes and records
 * its own audit events, so both edges make the same change with the same event.
 */
export interface Management {
  clients: ClientManagement;
  roles: RoleManagement;
  apis: ApiManagement;
  users: UserManagement;
  keys: KeyManagement;
  members: MemberManagement;
}

export interface ManagementDependencies {
  config: Config;
  repositories: Repositories;
  keys: KeyStore;
  /** For events recorded after a change that is not one transaction of the repositories (key rotation). */
  audit: AuditLog;
  supportedGrantTypes: readonly string[];
  /** The tenant's limits on what it may create. */
  quotas: TenantQuotas;
  tenantId: string;
  /** The platform scopes the tenant's own roles and clients may carry; null: any. */
  allowedScopes: readonly string[] | null;
  /** The link of an invitation to join this tenant's team, at the platform's console. */
  invitationLink: (token: string) => string;
  /** The deployment's mail (invitations). */
  mailer: Mailer;
  /** The tenant's name, as its mail calls it. */
  tenantName: string;
  /** The guarded outbound fetcher: APIs' OpenAPI documents are fetched from their URLs through it. */
  fetcher: OutboundFetcher;
}

export function createManagement(dependencies: ManagementDependencies): Management {
  const { config, repositories, keys, audit, supportedGrantTypes, quotas } = dependencies;
  const scopeLimit = new ScopeLimit(dependencies.allowedScopes);
  const roles = new RoleManagement(repositories, quotas, scopeLimit);
  return {
    clients: new ClientManagement(repositories, roles, config, supportedGrantTypes, quotas, scopeLimit, dependencies.tenantId),
    roles,
    apis: new ApiManagement(repositories, config.defaultAudience, quotas, dependencies.fetcher),
    users: new UserManagement(repositories, quotas),
    keys: new KeyManagement(keys, audit),
    members: new MemberManagement(
      repositories,
      dependencies.tenantId,
      dependencies.invitationLink,
      dependencies.mailer,
      dependencies.tenantName,
    ),
  };
}
