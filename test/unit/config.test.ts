import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('defaults follow DESIGN §2', () => {
  const config = loadConfig({});
  assert.equal(config.port, 4444);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.issuer, 'http://localhost:4444');
  assert.equal(config.defaultAudience, 'http://localhost:4444/api');
  assert.equal(config.accessTokenTtl, 1800);
  assert.equal(config.databaseUrl, undefined);
  assert.match(config.dataDir, /\/data$/);
});

test('the issuer follows PORT, loses a trailing slash, and sets the default audience', () => {
  assert.equal(loadConfig({ PORT: '8080' }).issuer, 'http://localhost:8080');
  const config = loadConfig({ GATEHOUSE_ISSUER: 'https://auth.example.com/' });
  assert.equal(config.issuer, 'https://auth.example.com');
  assert.equal(config.defaultAudience, 'https://auth.example.com/api');
  assert.equal(loadConfig({ GATEHOUSE_AUDIENCE: 'urn:example:api' }).defaultAudience, 'urn:example:api');
});

test('bad values are refused with a message naming the variable', () => {
  assert.throws(
    () => loadConfig({ PORT: 'abc' }),
    (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ PORT: '70000' }), ConfigError);
  assert.throws(() => loadConfig({ GATEHOUSE_ACCESS_TOKEN_TTL: '0' }), /GATEHOUSE_ACCESS_TOKEN_TTL/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'ftp://x' }), /GATEHOUSE_ISSUER/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'https://x/?a=b' }), /query/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ GATEHOUSE_SMTP_URL: 'mail.example.com:25' }), /GATEHOUSE_SMTP_URL must start with smtp:\/\//);
  assert.throws(() => loadConfig({ GATEHOUSE_SMTP_URL: 'not a url' }), /GATEHOUSE_SMTP_URL is not a URL/);
});

test('mail: the outbox unless GATEHOUSE_SMTP_URL names a server; From names the issuer host unless set', () => {
  const outbox = loadConfig({ GATEHOUSE_ISSUER: 'https://auth.example.com' });
  assert.deepEqual([outbox.smtpUrl, outbox.mailFrom], [undefined, 'Gatehouse <no-reply@auth.example.com>']);
  const smtp = loadConfig({ GATEHOUSE_SMTP_URL: 'smtps://u:p@mail.example.com:465', GATEHOUSE_MAIL_FROM: 'Acme <id@acme.test>' });
  assert.deepEqual([smtp.smtpUrl, smtp.mailFrom], ['smtps://u:p@mail.example.com:465', 'Acme <id@acme.test>']);
});

test('audit retention is in days (default 90) and the purge interval in seconds (default 600)', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.auditRetention, 90 * 86400);
  assert.equal(defaults.purgeInterval, 600);
  const set = loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: '7', GATEHOUSE_PURGE_INTERVAL: '60' });
  assert.equal(set.auditRetention, 7 * 86400);
  assert.equal(set.purgeInterval, 60);
  assert.throws(
    () => loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: '0' }),
    (e: unknown) => e instanceof ConfigError && /GATEHOUSE_AUDIT_RETENTION_DAYS/.test(e.message),
  );
  assert.throws(() => loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: '30d' }), /GATEHOUSE_AUDIT_RETENTION_DAYS must be a whole number/);
  assert.throws(() => loadConfig({ GATEHOUSE_PURGE_INTERVAL: '100000' }), /GATEHOUSE_PURGE_INTERVAL must be between 1 and 86400/);
});

test('GATEHOUSE_DB_WRITE_TIMEOUT_MS: 10 s by default, milliseconds up to 10 minutes', () => {
  assert.equal(loadConfig({}).dbWriteTimeoutMs, 10_000);
  assert.equal(loadConfig({ GATEHOUSE_DB_WRITE_TIMEOUT_MS: '2500' }).dbWriteTimeoutMs, 2500);
  assert.throws(
    () => loadConfig({ GATEHOUSE_DB_WRITE_TIMEOUT_MS: '0' }),
    (e: unknown) => e instanceof ConfigError && /GATEHOUSE_DB_WRITE_TIMEOUT_MS/.test(e.message),
  );
  assert.throws(() => loadConfig({ GATEHOUSE_DB_WRITE_TIMEOUT_MS: '10s' }), /GATEHOUSE_DB_WRITE_TIMEOUT_MS must be a whole number/);
  assert.throws(() => loadConfig({ GATEHOUSE_DB_WRITE_TIMEOUT_MS: '600001' }), /GATEHOUSE_DB_WRITE_TIMEOUT_MS/);
});

test('the refresh reuse window defaults to 10 s, 0 turns it off, and it is bounded', () => {
  assert.equal(loadConfig({}).refreshReuseWindow, 10);
  assert.equal(loadConfig({ GATEHOUSE_REFRESH_REUSE_WINDOW: '0' }).refreshReuseWindow, 0);
  assert.equal(loadConfig({ GATEHOUSE_REFRESH_REUSE_WINDOW: '30' }).refreshReuseWindow, 30);
  assert.throws(() => loadConfig({ GATEHOUSE_REFRESH_REUSE_WINDOW: '301' }), /GATEHOUSE_REFRESH_REUSE_WINDOW must be between 0 and 300/);
  assert.throws(() => loadConfig({ GATEHOUSE_REFRESH_REUSE_WINDOW: '-1' }), /GATEHOUSE_REFRESH_REUSE_WINDOW must be a whole number/);
});

test('database timeouts (ms) and the outage staleness bound (s) have defaults and refuse nonsense', () => {
  const config = loadConfig({});
  assert.equal(config.dbConnectTimeoutMs, 5000);
  assert.equal(config.dbAcquireTimeoutMs, 5000);
  assert.equal(config.dbStatementTimeoutMs, 10_000);
  assert.equal(config.dbIdleInTransactionTimeoutMs, 10_000);
  assert.equal(config.outageMaxStaleness, 300);
  const custom = loadConfig({
    GATEHOUSE_DB_CONNECT_TIMEOUT_MS: '1000',
    GATEHOUSE_DB_ACQUIRE_TIMEOUT_MS: '2000',
    GATEHOUSE_DB_STATEMENT_TIMEOUT_MS: '3000',
    GATEHOUSE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
    GATEHOUSE_OUTAGE_MAX_STALENESS: '60',
  });
  assert.deepEqual(
    [
      custom.dbConnectTimeoutMs,
      custom.dbAcquireTimeoutMs,
      custom.dbStatementTimeoutMs,
      custom.dbIdleInTransactionTimeoutMs,
      custom.outageMaxStaleness,
    ],
    [1000, 2000, 3000, 4000, 60],
  );
  assert.throws(
    () => loadConfig({ GATEHOUSE_DB_STATEMENT_TIMEOUT_MS: '0' }),
    (e: unknown) => e instanceof ConfigError && /GATEHOUSE_DB_STATEMENT_TIMEOUT_MS/.test(e.message),
  );
  assert.throws(() => loadConfig({ GATEHOUSE_DB_CONNECT_TIMEOUT_MS: '5s' }), /GATEHOUSE_DB_CONNECT_TIMEOUT_MS must be a whole number/);
  assert.throws(
    () => loadConfig({ GATEHOUSE_OUTAGE_MAX_STALENESS: '999999' }),
    /GATEHOUSE_OUTAGE_MAX_STALENESS must be between 1 and 86400/,
  );
});

test('operations settings: shutdown deadline, HTTP timeouts and connection cap, worker restart backoff', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.shutdownTimeoutMs, 20_000);
  assert.equal(defaults.httpHeadersTimeoutMs, 10_000);
  assert.equal(defaults.httpRequestTimeoutMs, 20_000);
  assert.equal(defaults.httpKeepAliveTimeoutMs, 65_000);
  assert.equal(defaults.httpMaxConnections, 10_000);
  assert.equal(defaults.workerRestartDelayMs, 1000);
  assert.equal(defaults.workerRestartMaxDelayMs, 30_000);
  const set = loadConfig({
    GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '5000',
    GATEHOUSE_HTTP_HEADERS_TIMEOUT_MS: '2000',
    GATEHOUSE_HTTP_REQUEST_TIMEOUT_MS: '3000',
    GATEHOUSE_HTTP_KEEP_ALIVE_TIMEOUT_MS: '4000',
    GATEHOUSE_HTTP_MAX_CONNECTIONS: '50',
    GATEHOUSE_WORKER_RESTART_DELAY_MS: '200',
    GATEHOUSE_WORKER_RESTART_MAX_DELAY_MS: '800',
  });
  assert.deepEqual(
    [
      set.shutdownTimeoutMs,
      set.httpHeadersTimeoutMs,
      set.httpRequestTimeoutMs,
      set.httpKeepAliveTimeoutMs,
      set.httpMaxConnections,
      set.workerRestartDelayMs,
      set.workerRestartMaxDelayMs,
    ],
    [5000, 2000, 3000, 4000, 50, 200, 800],
  );
  assert.throws(() => loadConfig({ GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '0' }), /GATEHOUSE_SHUTDOWN_TIMEOUT_MS/);
  assert.throws(() => loadConfig({ GATEHOUSE_HTTP_MAX_CONNECTIONS: 'many' }), /GATEHOUSE_HTTP_MAX_CONNECTIONS/);
  assert.throws(
    () => loadConfig({ GATEHOUSE_HTTP_HEADERS_TIMEOUT_MS: '30000', GATEHOUSE_HTTP_REQUEST_TIMEOUT_MS: '20000' }),
    (e: unknown) => e instanceof ConfigError && /GATEHOUSE_HTTP_HEADERS_TIMEOUT_MS.*GATEHOUSE_HTTP_REQUEST_TIMEOUT_MS/.test(e.message),
  );
  assert.throws(() => loadConfig({ GATEHOUSE_WORKER_RESTART_DELAY_MS: '60000' }), /GATEHOUSE_WORKER_RESTART_DELAY_MS/);
});

test('GATEHOUSE_TRUST_PROXY: off by default, a hop count or proxy addresses/CIDRs; "on" (every hop) is refused', () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ GATEHOUSE_TRUST_PROXY: 'off' }).trustProxy, false);
  assert.equal(loadConfig({ GATEHOUSE_TRUST_PROXY: '0' }).trustProxy, false);
  assert.equal(loadConfig({ GATEHOUSE_TRUST_PROXY: '2' }).trustProxy, 2);
  assert.deepEqual(loadConfig({ GATEHOUSE_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1, fd00::/8' }).trustProxy, [
    '10.0.0.1',
    '192.168.0.0/16',
    '::1',
    'fd00::/8',
  ]);
  for (const refused of ['on', 'true', 'yes']) {
    assert.throws(
      () => loadConfig({ GATEHOUSE_TRUST_PROXY: refused }),
      (e: unknown) =>
        e instanceof ConfigError && /GATEHOUSE_TRUST_PROXY/.test(e.message) && /hop count/.test(e.message) && /CIDR/.test(e.message),
    );
  }
  for (const bad of ['11', 'proxy.example.com', '10.0.0.0/33', '::1/129', '10.0.0.1,', '10.0.0.1/8/8', '10.0.0.256']) {
    assert.throws(
      () => loadConfig({ GATEHOUSE_TRUST_PROXY: bad }),
      (e: unknown) => e instanceof ConfigError && /GATEHOUSE_TRUST_PROXY/.test(e.message),
      bad,
    );
  }
});

test('GATEHOUSE_SESSION_IDLE_TIMEOUT: 2 hours by default (the TTL when shorter), never 0, never above the TTL', () => {
  assert.deepEqual([loadConfig({}).sessionTtl, loadConfig({}).sessionIdleTimeout], [86400, 7200]);
  assert.equal(loadConfig({ GATEHOUSE_SESSION_IDLE_TIMEOUT: '600' }).sessionIdleTimeout, 600);
  // A short TTL set before the idle timeout existed stays a valid configuration.
  assert.equal(loadConfig({ GATEHOUSE_SESSION_TTL: '3600' }).sessionIdleTimeout, 3600);
  assert.equal(loadConfig({ GATEHOUSE_SESSION_TTL: '3600', GATEHOUSE_SESSION_IDLE_TIMEOUT: '3600' }).sessionIdleTimeout, 3600);
  const aboveTtl = new ConfigError('GATEHOUSE_SESSION_IDLE_TIMEOUT (3601) must not exceed GATEHOUSE_SESSION_TTL (3600)');
  assert.throws(() => loadConfig({ GATEHOUSE_SESSION_TTL: '3600', GATEHOUSE_SESSION_IDLE_TIMEOUT: '3601' }), aboveTtl);
  assert.throws(() => loadConfig({ GATEHOUSE_SESSION_IDLE_TIMEOUT: '0' }), /GATEHOUSE_SESSION_IDLE_TIMEOUT must be between 1 and/);
  assert.throws(() => loadConfig({ GATEHOUSE_SESSION_IDLE_TIMEOUT: '2h' }), /GATEHOUSE_SESSION_IDLE_TIMEOUT must be a whole number/);
});

test('GATEHOUSE_REFRESH_FAMILY_LIFETIME: 90 days by default (the token TTL when longer), never below the token TTL', () => {
  assert.deepEqual([loadConfig({}).refreshTokenTtl, loadConfig({}).refreshFamilyLifetime], [30 * 86400, 90 * 86400]);
  assert.equal(loadConfig({ GATEHOUSE_REFRESH_FAMILY_LIFETIME: String(40 * 86400) }).refreshFamilyLifetime, 40 * 86400);
  // A long TTL set before the family lifetime existed stays a valid configuration.
  assert.equal(loadConfig({ GATEHOUSE_REFRESH_TOKEN_TTL: String(180 * 86400) }).refreshFamilyLifetime, 180 * 86400);
  const belowTtl = new ConfigError('GATEHOUSE_REFRESH_FAMILY_LIFETIME (3600) must not be shorter than GATEHOUSE_REFRESH_TOKEN_TTL (7200)');
  assert.throws(() => loadConfig({ GATEHOUSE_REFRESH_TOKEN_TTL: '7200', GATEHOUSE_REFRESH_FAMILY_LIFETIME: '3600' }), belowTtl);
  assert.throws(() => loadConfig({ GATEHOUSE_REFRESH_FAMILY_LIFETIME: '0' }), /GATEHOUSE_REFRESH_FAMILY_LIFETIME must be between 1 and/);
});

test('GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS: 256 by default, a positive whole number', () => {
  assert.equal(loadConfig({}).httpMaxConnectionsPerAddress, 256);
  assert.equal(loadConfig({ GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '8' }).httpMaxConnectionsPerAddress, 8);
  const name = 'GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS';
  assert.throws(() => loadConfig({ [name]: '0' }), new RegExp(`${name} must be between 1 and`));
  assert.throws(() => loadConfig({ [name]: 'lots' }), new RegExp(`${name} must be a whole number`));
});

test('sign-in delays: 3 free failures per account, 20 per address, then 1 s doubling up to 15 minutes', () => {
  assert.deepEqual(loadConfig({}).signInDelays, { freeFailures: 3, freeFailuresPerAddress: 20, firstDelay: 1, maxDelay: 900 });
  const set = loadConfig({
    GATEHOUSE_SIGN_IN_FREE_FAILURES: '5',
    GATEHOUSE_SIGN_IN_FREE_FAILURES_PER_ADDRESS: '100',
    GATEHOUSE_SIGN_IN_DELAY: '2',
    GATEHOUSE_SIGN_IN_MAX_DELAY: '3600',
  });
  assert.deepEqual(set.signInDelays, { freeFailures: 5, freeFailuresPerAddress: 100, firstDelay: 2, maxDelay: 3600 });
  const tooLong = /GATEHOUSE_SIGN_IN_DELAY \(1000\) must not exceed GATEHOUSE_SIGN_IN_MAX_DELAY \(900\)/;
  assert.throws(() => loadConfig({ GATEHOUSE_SIGN_IN_DELAY: '1000' }), tooLong);
  assert.throws(() => loadConfig({ GATEHOUSE_SIGN_IN_FREE_FAILURES: '0' }), /GATEHOUSE_SIGN_IN_FREE_FAILURES must be between 1 and 100/);
  assert.throws(() => loadConfig({ GATEHOUSE_SIGN_IN_MAX_DELAY: '1h' }), /GATEHOUSE_SIGN_IN_MAX_DELAY must be a whole number/);
});

test('GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH is off unless turned on, and takes only on or off', () => {
  assert.equal(loadConfig({}).devAllowLoopbackFetch, false);
  assert.equal(loadConfig({ GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'on' }).devAllowLoopbackFetch, true);
  assert.equal(loadConfig({ GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'off' }).devAllowLoopbackFetch, false);
  assert.throws(
    () => loadConfig({ GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH: 'sometimes' }),
    (error: unknown) =>
      error instanceof ConfigError && /GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH must be on or off, got "sometimes"/.test(error.message),
  );
});
