import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { SignInDelaySettings } from './accounts/login.js';

/** Everything Gatehouse reads from its environment, parsed once and passed down (never a global). */
export interface Config {
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  /** postgres://… selects PostgreSQL; absent means the SQLite file in dataDir. */
  databaseUrl: string | undefined;
  /** Master secret for encrypting signing keys and page keys at rest; generated into dataDir when absent. */
  masterSecret: string | undefined;
  /** The master secret being replaced: what it sealed is sealed again under masterSecret at start. */
  previousMasterSecret: string | undefined;
  accessTokenTtl: number;
  /** Audience of access tokens issued without an RFC 8707 `resource` parameter. */
  defaultAudience: string;
  /** How long the previous client secret keeps working after `rotate-secret`. */
  secretRotationGrace: number;
  refreshTokenTtl: number;
  idTokenTtl: number;
  sessionTtl: number;
  /** Seconds a session may go unused before it ends (at most sessionTtl, which still bounds it absolutely). */
  sessionIdleTimeout: number;
  /** Seconds a refresh-token family lives from its grant, however often it rotates (at least refreshTokenTtl). */
  refreshFamilyLifetime: number;
  /**
   * Whether people may create their own accounts on the sign-up page; on the platform (the default tenant), also
   * whether they may create accounts (tenants) of their own in the console.
   */
  signupEnabled: boolean;
  /** How many accounts (tenants) one person may own by creating them (GATEHOUSE_ACCOUNTS_PER_PERSON). */
  accountsPerPerson: number;
  /** GATEHOUSE_SMTP_URL: where mail goes; undefined writes it to `{dataDir}/outbox/` instead. */
  smtpUrl: string | undefined;
  /** GATEHOUSE_MAIL_FROM: the From of the server's mail. */
  mailFrom: string;
  /** The growing delays after failed sign-ins (README, "Security notes"). */
  signInDelays: SignInDelaySettings;
  /**
   * Which X-Forwarded-For hops to believe (for client addresses in throttling, /metrics, sessions and the audit log):
   * none, the nearest N, or those that come from the listed proxy addresses/CIDRs.
   */
  trustProxy: TrustProxy;
  /** Serve /metrics to everyone, not only to loopback clients. */
  publicMetrics: boolean;
  /**
   * GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on, for development only: the outbound fetcher (src/http/outbound.ts) may reach
   * loopback addresses, over http too. Warned about at start.
   */
  devAllowLoopbackFetch: boolean;
  logLevel: string;
  /** Seconds an audit event is kept (GATEHOUSE_AUDIT_RETENTION_DAYS, in days). */
  auditRetention: number;
  /** Seconds between purges of expired records; the first runs within a minute of start. */
  purgeInterval: number;
  /** SQLite: how long a write may wait (for the lock, the disk, the writes queued before it) before a 503. */
  dbWriteTimeoutMs: number;
  /**
   * Seconds after a refresh token's first rotation (or a code's first redemption) during which presenting it again
   * is taken for the same client's retry rather than reuse; 0 disables.
   */
  refreshReuseWindow: number;
  /** PostgreSQL: opening a connection, waiting for a pooled one, one statement, a transaction left open (ms). */
  dbConnectTimeoutMs: number;
  dbAcquireTimeoutMs: number;
  dbStatementTimeoutMs: number;
  dbIdleInTransactionTimeoutMs: number;
  /**
   * While the database is unavailable, cached clients, APIs, users, signing keys and revocation states keep serving
   * for at most this long after they were read (s): a change made elsewhere meanwhile takes effect within this bound.
   */
  outageMaxStaleness: number;
  /** How long SIGTERM waits for in-flight requests before closing what is left (ms). */
  shutdownTimeoutMs: number;
  /** Time a client has to send the request headers (ms). */
  httpHeadersTimeoutMs: number;
  /** Time a client has to send the whole request, headers and body (ms). */
  httpRequestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (ms). */
  httpKeepAliveTimeoutMs: number;
  /** Open connections one process accepts; further ones are closed at once. */
  httpMaxConnections: number;
  /** Open connections one process accepts from one peer address (trusted proxies exempt); further ones are closed. */
  httpMaxConnectionsPerAddress: number;
  /**
   * GATEHOUSE_TENANT_HOSTS=*.auth.example.com: the domain under which each tenant is a host (`acme.auth.example.com`);
   * undefined for path routing, where tenant acme is `{issuer}/t/acme`.
   */
  tenantHostDomain: string | undefined;
  /** How many tenants' services one process keeps built at once (least recently used go first). */
  tenantCacheSize: number;
  /** First delay before the cluster primary restarts a worker that exited (ms); doubles per failure in a row. */
  workerRestartDelayMs: number;
  /** Longest delay between worker restarts (ms). */
  workerRestartMaxDelayMs: number;
}

/** false: the socket peer is the client; a number: that many proxies in front; a list: proxies at these addresses. */
export type TrustProxy = false | number | readonly string[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const positiveInteger = (env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number =>
  wholeNumber(env, name, fallback, 1, max);

/** A whole number where 0 means "off". */
const nonNegativeInteger = (env: Env, name: string, fallback: number, max: number): number => wholeNumber(env, name, fallback, 0, max);

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

const TRUST_PROXY_FORMS = 'off, a hop count (1 for one proxy in front) or a comma list of proxy addresses/CIDRs';

/** An IPv4 or IPv6 address, optionally with a /prefix that fits its family. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * GATEHOUSE_TRUST_PROXY. "on" (trust every hop) is refused rather than read as 1: it used to make a client-supplied
 * left-most X-Forwarded-For the client address, and guessing what an old setting meant could keep that hole open.
 */
function trustProxy(env: Env): TrustProxy {
  const name = 'GATEHOUSE_TRUST_PROXY';
  const raw = env[name]?.trim() ?? '';
  if (['', 'off', 'false', 'no', '0'].includes(raw.toLowerCase())) return false;
  if (['on', 'true', 'yes'].includes(raw.toLowerCase())) {
    throw new ConfigError(
      `${name}=${raw} would trust every X-Forwarded-For hop, which lets a client forge its address; use ${TRUST_PROXY_FORMS}`,
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError(`${name} must be at most 10 hops, got "${raw}"`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isAddressOrCidr(entry));
  if (bad !== undefined) throw new ConfigError(`${name} must be ${TRUST_PROXY_FORMS}; "${bad}" is none of these`);
  return entries;
}

function absoluteUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not have a query or fragment`);
  // Issuer identifiers are compared as exact strings (RFC 8414 §3.3); a trailing slash would break that.
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: Env = process.env): Config {
  const port = positiveInteger(env, 'PORT', 4444, 65535);
  const issuer = absoluteUrl('GATEHOUSE_ISSUER', env.GATEHOUSE_ISSUER || `http://localhost:${port}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    issuer,
    dataDir: resolve(env.GATEHOUSE_DATA_DIR || './data'),
    databaseUrl,
    ...masterSecrets(env),
    accessTokenTtl: positiveInteger(env, 'GATEHOUSE_ACCESS_TOKEN_TTL', 1800, 86400),
    // Compared as an exact string by resource servers, so it is taken as written.
    defaultAudience: env.GATEHOUSE_AUDIENCE || `${issuer}/api`,
    secretRotationGrace: positiveInteger(env, 'GATEHOUSE_SECRET_ROTATION_GRACE', 86400, 30 * 86400),
    ...refreshLifetimes(env),
    idTokenTtl: positiveInteger(env, 'GATEHOUSE_ID_TOKEN_TTL', 3600, 86400),
    ...sessionLifetimes(env),
    // Off unless the operator turns it on: a new deployment does not let strangers make accounts (issue 12).
    signupEnabled: flag(env, 'GATEHOUSE_SIGNUP', false),
    signInDelays: signInDelays(env),
    trustProxy: trustProxy(env),
    publicMetrics: flag(env, 'GATEHOUSE_METRICS_PUBLIC', false),
    devAllowLoopbackFetch: flag(env, 'GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH', false),
    logLevel: env.GATEHOUSE_LOG_LEVEL || 'info',
    auditRetention: positiveInteger(env, 'GATEHOUSE_AUDIT_RETENTION_DAYS', 90, 36500) * 86400,
    purgeInterval: positiveInteger(env, 'GATEHOUSE_PURGE_INTERVAL', 600, 86400),
    dbWriteTimeoutMs: positiveInteger(env, 'GATEHOUSE_DB_WRITE_TIMEOUT_MS', 10_000, 10 * 60_000),
    // Short, as Okta's and Auth0's: long enough for a lost answer's retry, too short to be a thief's grace period.
    refreshReuseWindow: nonNegativeInteger(env, 'GATEHOUSE_REFRESH_REUSE_WINDOW', 10, 300),
    dbConnectTimeoutMs: positiveInteger(env, 'GATEHOUSE_DB_CONNECT_TIMEOUT_MS', 5000, 600_000),
    dbAcquireTimeoutMs: positiveInteger(env, 'GATEHOUSE_DB_ACQUIRE_TIMEOUT_MS', 5000, 600_000),
    dbStatementTimeoutMs: positiveInteger(env, 'GATEHOUSE_DB_STATEMENT_TIMEOUT_MS', 10_000, 600_000),
    dbIdleInTransactionTimeoutMs: positiveInteger(env, 'GATEHOUSE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 10_000, 600_000),
    outageMaxStaleness: positiveInteger(env, 'GATEHOUSE_OUTAGE_MAX_STALENESS', 300, 86_400),
    shutdownTimeoutMs: positiveInteger(env, 'GATEHOUSE_SHUTDOWN_TIMEOUT_MS', 20_000, 10 * 60_000),
    ...httpTimeouts(env),
    // Above the 60 s idle timeout of common load balancers, so that the proxy, not the server, closes an idle
    // connection and never sends a request on a socket the server is closing.
    httpKeepAliveTimeoutMs: positiveInteger(env, 'GATEHOUSE_HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, 10 * 60_000),
    httpMaxConnections: positiveInteger(env, 'GATEHOUSE_HTTP_MAX_CONNECTIONS', 10_000, 1_000_000),
    // Far above what one browser or app opens (a handful), so that clients behind one NAT are not cut off.
    httpMaxConnectionsPerAddress: positiveInteger(env, 'GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 256, 1_000_000),
    ...workerRestartDelays(env),
    tenantHostDomain: tenantHostDomain(env),
    tenantCacheSize: positiveInteger(env, 'GATEHOUSE_TENANT_CACHE_SIZE', 2000, 1_000_000),
    accountsPerPerson: positiveInteger(env, 'GATEHOUSE_ACCOUNTS_PER_PERSON', 5, 1000),
    smtpUrl: smtpUrl(env),
    mailFrom: env.GATEHOUSE_MAIL_FROM || `Gatehouse <no-reply@${new URL(issuer).hostname}>`,
  };
}

/** GATEHOUSE_TENANT_HOSTS: `*.` and a domain of at least two DNS labels, lowercase. */
function tenantHostDomain(env: Env): string | undefined {
  const raw = env.GATEHOUSE_TENANT_HOSTS?.trim().toLowerCase();
  if (!raw) return undefined;
  const domain = raw.startsWith('*.') ? raw.slice(2) : '';
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((part) => label.test(part))) {
    throw new ConfigError(
      `GATEHOUSE_TENANT_HOSTS must be "*." and a domain, for example *.auth.example.com; got "${env.GATEHOUSE_TENANT_HOSTS}"`,
    );
  }
  return domain;
}

/**
 * GATEHOUSE_SECRET and GATEHOUSE_PREVIOUS_SECRET. The strength of GATEHOUSE_SECRET is judged at start
 * (src/keys/secret-strength.ts), where the estimator is loaded only when a secret is set.
 */
/** GATEHOUSE_SMTP_URL, checked at start: an SMTP URL or nothing (the outbox). */
function smtpUrl(env: Env): string | undefined {
  const value = env.GATEHOUSE_SMTP_URL;
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('GATEHOUSE_SMTP_URL is not a URL: use smtp://host:port or smtps://user:password@host:port');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError(`GATEHOUSE_SMTP_URL must start with smtp:// or smtps:// (it starts with ${url.protocol}//)`);
  }
  return value;
}

function masterSecrets(env: Env): Pick<Config, 'masterSecret' | 'previousMasterSecret'> {
  const masterSecret = env.GATEHOUSE_SECRET || undefined;
  const previousMasterSecret = env.GATEHOUSE_PREVIOUS_SECRET || undefined;
  if (previousMasterSecret !== undefined && masterSecret === undefined) {
    throw new ConfigError('GATEHOUSE_PREVIOUS_SECRET is set but GATEHOUSE_SECRET is not: set GATEHOUSE_SECRET to the new secret');
  }
  if (previousMasterSecret !== undefined && previousMasterSecret === masterSecret) {
    throw new ConfigError('GATEHOUSE_PREVIOUS_SECRET is the same as GATEHOUSE_SECRET: set it to the secret being replaced, or unset it');
  }
  return { masterSecret, previousMasterSecret };
}

type Setting = [name: string, fallback: number, max: number];

/** Two settings where the first may not exceed the second; both read with positiveInteger. */
function orderedPair(env: Env, lower: Setting, upper: Setting): [number, number] {
  const low = positiveInteger(env, ...lower);
  const high = positiveInteger(env, ...upper);
  if (low > high) throw new ConfigError(`${lower[0]} (${low}) must not exceed ${upper[0]} (${high})`);
  return [low, high];
}

/**
 * Slow clients must not hold sockets: headers within 10 s, the whole request within 20 s by default. Node refuses a
 * headers timeout longer than the request timeout: the headers are part of the request.
 */
function httpTimeouts(env: Env): Pick<Config, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs'> {
  const [httpHeadersTimeoutMs, httpRequestTimeoutMs] = orderedPair(
    env,
    ['GATEHOUSE_HTTP_HEADERS_TIMEOUT_MS', 10_000, 10 * 60_000],
    ['GATEHOUSE_HTTP_REQUEST_TIMEOUT_MS', 20_000, 10 * 60_000],
  );
  return { httpHeadersTimeoutMs, httpRequestTimeoutMs };
}

/**
 * A session ends after GATEHOUSE_SESSION_IDLE_TIMEOUT unused (OWASP ASVS V3.3: idle and absolute timeouts) and at
 * GATEHOUSE_SESSION_TTL whatever happens. There is no "off": an idle timeout equal to the TTL never ends a session
 * first. Left unset it is 2 hours, or the TTL when that is shorter, so that a short TTL set before this setting
 * existed is still a valid configuration.
 */
function sessionLifetimes(env: Env): Pick<Config, 'sessionTtl' | 'sessionIdleTimeout'> {
  const sessionTtl = positiveInteger(env, 'GATEHOUSE_SESSION_TTL', 86400, 90 * 86400);
  const sessionIdleTimeout = positiveInteger(env, 'GATEHOUSE_SESSION_IDLE_TIMEOUT', Math.min(7200, sessionTtl), 90 * 86400);
  if (sessionIdleTimeout > sessionTtl) {
    throw new ConfigError(`GATEHOUSE_SESSION_IDLE_TIMEOUT (${sessionIdleTimeout}) must not exceed GATEHOUSE_SESSION_TTL (${sessionTtl})`);
  }
  return { sessionTtl, sessionIdleTimeout };
}

/**
 * Rotation gives each refresh token a new GATEHOUSE_REFRESH_TOKEN_TTL; GATEHOUSE_REFRESH_FAMILY_LIFETIME bounds the
 * family as a whole, so that refreshing cannot keep a grant (or a stolen token) alive for ever: RFC 9700 §4.14.2
 * lets refresh tokens expire however recently they were used. Left unset it is 90 days, or the token TTL when that
 * is longer, so that a long TTL set before this setting existed is still a valid configuration.
 */
function refreshLifetimes(env: Env): Pick<Config, 'refreshTokenTtl' | 'refreshFamilyLifetime'> {
  const refreshTokenTtl = positiveInteger(env, 'GATEHOUSE_REFRESH_TOKEN_TTL', 30 * 86400, 365 * 86400);
  const fallback = Math.max(90 * 86400, refreshTokenTtl);
  const refreshFamilyLifetime = positiveInteger(env, 'GATEHOUSE_REFRESH_FAMILY_LIFETIME', fallback, 10 * 365 * 86400);
  if (refreshFamilyLifetime < refreshTokenTtl) {
    const names = ['GATEHOUSE_REFRESH_FAMILY_LIFETIME', 'GATEHOUSE_REFRESH_TOKEN_TTL'];
    throw new ConfigError(`${names[0]} (${refreshFamilyLifetime}) must not be shorter than ${names[1]} (${refreshTokenTtl})`);
  }
  return { refreshTokenTtl, refreshFamilyLifetime };
}

/**
 * Per account a few typos are free, far too few for guessing; an address gets more, as a shared office NAT signs in
 * many people. The longest wait is 15 minutes: the owner without a device cookie is slowed down, never locked out.
 */
function signInDelays(env: Env): SignInDelaySettings {
  const [firstDelay, maxDelay] = orderedPair(env, ['GATEHOUSE_SIGN_IN_DELAY', 1, 3600], ['GATEHOUSE_SIGN_IN_MAX_DELAY', 900, 86_400]);
  return {
    freeFailures: positiveInteger(env, 'GATEHOUSE_SIGN_IN_FREE_FAILURES', 3, 100),
    freeFailuresPerAddress: positiveInteger(env, 'GATEHOUSE_SIGN_IN_FREE_FAILURES_PER_ADDRESS', 20, 100_000),
    firstDelay,
    maxDelay,
  };
}

function workerRestartDelays(env: Env): Pick<Config, 'workerRestartDelayMs' | 'workerRestartMaxDelayMs'> {
  const [workerRestartDelayMs, workerRestartMaxDelayMs] = orderedPair(
    env,
    ['GATEHOUSE_WORKER_RESTART_DELAY_MS', 1000, 10 * 60_000],
    ['GATEHOUSE_WORKER_RESTART_MAX_DELAY_MS', 30_000, 60 * 60_000],
  );
  return { workerRestartDelayMs, workerRestartMaxDelayMs };
}
