/**
 * A tenant is one customer account of the platform, and one issuer: its own signing keys, clients, roles, APIs, users,
 * sessions, consents, grants, audit log and settings. Every stored row carries its tenant's id.
 */
export interface Tenant {
  /** The slug in its URLs (`{base}/t/{id}`) or host (`{id}.auth.example.com`); TENANT_ID_RULE. */
  id: string;
  name: string;
  status: TenantStatus;
  settings: TenantSettings;
  quotas: TenantQuotas;
  /**
   * Scopes of the platform's APIs this tenant's own roles and clients may use (beside those of its own APIs); null for
   * every scope the platform defines.
   */
  allowedScopes: string[] | null;
  createdAt: number;
  updatedAt: number;
  suspendedAt: number | null;
}

/** Suspended: every token of the tenant is refused and its sign-in is closed, until it is resumed. */
export type TenantStatus = 'active' | 'suspended';

/** What a tenant sets for itself; an absent setting takes the deployment's (GATEHOUSE_*) value. */
export interface TenantSettings {
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  idTokenTtl?: number;
  sessionTtl?: number;
  signupEnabled?: boolean;
  /** Shown on the sign-in, consent and account pages instead of "Gatehouse". */
  displayName?: string;
  /** https URL of an image shown above the page's form. */
  logoUrl?: string;
  /** `#rrggbb` of the pages' buttons and links. */
  primaryColor?: string;
}

/** Limits the platform sets on a tenant; an absent limit means none. */
export interface TenantQuotas {
  maxClients?: number;
  maxUsers?: number;
  maxRoles?: number;
  maxApis?: number;
}

/** The tenant an existing deployment migrates into: it keeps the root URLs (`GATEHOUSE_ISSUER` itself) for good. */
export const DEFAULT_TENANT = 'default';

/**
 * The tenant id under which the platform's own definitions are stored: the APIs and role templates every tenant uses.
 * It cannot be a tenant (TENANT_ID_RULE has no underscore), so no tenant can read or write these rows as its own.
 */
export const PLATFORM_DEFINITIONS = '_platform';

/** Lowercase slug, 1–32 characters of a–z, 0–9 and inner hyphens: a DNS label and a path segment as it is. */
export const TENANT_ID_RULE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/**
 * Words refused as tenant ids: the default tenant's own id, names of this server's paths (a tenant `admin` under
 * host routing would be `admin.auth.example.com`, confusable with the operator's), and host labels people trust.
 */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  DEFAULT_TENANT,
  'admin',
  'api',
  'auth',
  'console',
  'playground',
  'login',
  'logout',
  'signup',
  'consent',
  'account',
  'token',
  'authorize',
  'health',
  'metrics',
  'static',
  'assets',
  'www',
  'mail',
  'platform',
  'system',
  'root',
  't',
  'well-known',
]);

/** Why `id` cannot name a new tenant, or undefined when it can. */
export function tenantIdProblem(id: string): string | undefined {
  if (!TENANT_ID_RULE.test(id)) {
    return `"${id}" is not a tenant id: use 1–32 lowercase letters, digits and inner hyphens (for example "acme-corp")`;
  }
  if (RESERVED_TENANT_IDS.has(id)) return `"${id}" is reserved; choose another tenant id`;
  return undefined;
}
