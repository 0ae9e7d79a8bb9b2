/**
 * Gatehouse's tenant id rule (a copy of the server's TENANT_ID_RULE, as this package never imports the server):
 * lowercase slug, 1–32 characters of a–z, 0–9 and inner hyphens. It has no `.`, `/`, `%`, `:` or `@`, so a tenant id
 * put into an issuer pattern can never reach out of its URL segment or host label.
 */
const TENANT_ID_RULE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const PLACEHOLDER = '{tenant}';

/**
 * Which `iss` a resource server accepts:
 * - a string: that exact issuer, as for a single authorization server (the `tenant` claim is not checked);
 * - `{ pattern }`: every tenant of a platform, e.g. `https://auth.example.com/t/{tenant}` or
 *   `https://{tenant}.auth.example.com`; `{tenant}` stands for one tenant id and the rest must match exactly;
 * - `{ issuer, tenant }`: one exact issuer that belongs to a known tenant, e.g. the platform's default tenant
 *   `{ issuer: 'https://auth.example.com', tenant: 'default' }`.
 * A token of a tenant (matched by the last two) must carry that tenant id in its `tenant` claim.
 */
export type IssuerRule = string | { pattern: string } | { issuer: string; tenant: string };

/** The issuer a token's `iss` matched, and the tenant it names when the rule was a tenant's. */
export interface MatchedIssuer {
  issuer: string;
  tenant?: string;
}

/**
 * The pattern split around its one `{tenant}`. Refused (TypeError) unless the placeholder appears exactly once, no other
 * brace is left, and the pattern reads as an absolute URL without query or fragment (issuer identifiers have neither,
 * RFC 8414 §2).
 */
function splitPattern(pattern: string): { prefix: string; suffix: string } {
  const parts = pattern.split(PLACEHOLDER);
  if (parts.length !== 2) throw new TypeError(`the issuer pattern ${pattern} must contain ${PLACEHOLDER} exactly once`);
  const [prefix, suffix] = parts as [string, string];
  if (/[{}]/.test(prefix + suffix)) throw new TypeError(`the issuer pattern ${pattern} has a placeholder other than ${PLACEHOLDER}`);
  let sample: URL;
  try {
    sample = new URL(`${prefix}tenant${suffix}`);
  } catch {
    throw new TypeError(`the issuer pattern ${pattern} is not a URL`);
  }
  if (sample.search !== '' || sample.hash !== '' || /[?#]/.test(pattern)) {
    throw new TypeError(`the issuer pattern ${pattern} must not have a query or fragment (RFC 8414 §2)`);
  }
  return { prefix, suffix };
}

/**
 * The tenant whose issuer `iss` is by this pattern, or undefined: the text around `{tenant}` must match exactly and
 * what stands in its place must be a whole tenant id, so `…/t/acme/../x`, `…/t/acme.evil.com` or `…/t/ACME` match nothing.
 */
function tenantOf(pattern: string, iss: string): string | undefined {
  const { prefix, suffix } = splitPattern(pattern);
  if (iss.length <= prefix.length + suffix.length || !iss.startsWith(prefix) || !iss.endsWith(suffix)) return undefined;
  const tenant = iss.slice(prefix.length, iss.length - suffix.length);
  return TENANT_ID_RULE.test(tenant) ? tenant : undefined;
}

/**
 * The first rule `iss` matches, compared as exact strings (no normalisation, as RFC 9068 §4 wants the issuer
 * compared), or undefined when none does or `iss` is not a string. A malformed rule is a TypeError: a misconfigured
 * resource server, not a bad token.
 *
 * @example
 * matchIssuer({ pattern: 'https://auth.example.com/t/{tenant}' }, 'https://auth.example.com/t/acme');
 * // { issuer: 'https://auth.example.com/t/acme', tenant: 'acme' }
 */
export function matchIssuer(rules: IssuerRule | readonly IssuerRule[], iss: unknown): MatchedIssuer | undefined {
  if (typeof iss !== 'string') return undefined;
  for (const rule of listOf(rules)) {
    if (typeof rule === 'string') {
      if (rule === iss) return { issuer: iss };
    } else if ('pattern' in rule) {
      const tenant = tenantOf(rule.pattern, iss);
      if (tenant !== undefined) return { issuer: iss, tenant };
    } else if (rule.issuer === iss) {
      if (!TENANT_ID_RULE.test(rule.tenant))
        throw new TypeError(`the issuer ${rule.issuer} is given the tenant ${rule.tenant}, not a tenant id`);
      return { issuer: iss, tenant: rule.tenant };
    }
  }
  return undefined;
}

const listOf = (rules: IssuerRule | readonly IssuerRule[]): readonly IssuerRule[] =>
  typeof rules === 'string' || !Array.isArray(rules) ? [rules as IssuerRule] : rules;
