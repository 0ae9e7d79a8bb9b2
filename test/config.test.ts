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
    [custom.dbConnectTimeoutMs, custom.dbAcquireTimeoutMs, custom.dbStatementTimeoutMs, custom.dbIdleInTransactionTimeoutMs, custom.outageMaxStaleness],
    [1000, 2000, 3000, 4000, 60],
  );
  assert.throws(() => loadConfig({ GATEHOUSE_DB_STATEMENT_TIMEOUT_MS: '0' }), (e: unknown) => e instanceof ConfigError && /GATEHOUSE_DB_STATEMENT_TIMEOUT_MS/.test(e.message));
  assert.throws(() => loadConfig({ GATEHOUSE_DB_CONNECT_TIMEOUT_MS: '5s' }), /GATEHOUSE_DB_CONNECT_TIMEOUT_MS must be a whole number/);
  assert.throws(() => loadConfig({ GATEHOUSE_OUTAGE_MAX_STALENESS: '999999' }), /GATEHOUSE_OUTAGE_MAX_STALENESS must be between 1 and 86400/);
});
