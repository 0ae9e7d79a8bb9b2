import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

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
  assert.throws(() => loadConfig({ PORT: 'abc' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ PORT: '70000' }), ConfigError);
  assert.throws(() => loadConfig({ GATEHOUSE_ACCESS_TOKEN_TTL: '0' }), /GATEHOUSE_ACCESS_TOKEN_TTL/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'ftp://x' }), /GATEHOUSE_ISSUER/);
  assert.throws(() => loadConfig({ GATEHOUSE_ISSUER: 'https://x/?a=b' }), /query/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
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
    [set.shutdownTimeoutMs, set.httpHeadersTimeoutMs, set.httpRequestTimeoutMs, set.httpKeepAliveTimeoutMs, set.httpMaxConnections, set.workerRestartDelayMs, set.workerRestartMaxDelayMs],
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
