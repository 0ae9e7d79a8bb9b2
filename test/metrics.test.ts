import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/server.js';

const metricValue = (text: string, line: string): number => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
};

describe('Prometheus metrics', () => {
  let server: TestServer;
  let behindProxy: TestServer;

  before(async () => {
    server = await startTestServer({ name: 'sqlite' });
    behindProxy = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_TRUST_PROXY: '1' });
  });
  after(async () => {
    await server.close();
    await behindProxy.close();
  });

  const scrape = async (target: TestServer, headers: Record<string, string> = {}) => fetch(`${target.url}/metrics`, { headers });

  test('count issued tokens by grant and OAuth errors by endpoint, in the Prometheus text format', async () => {
    await server.createRole('reader', ['demo:read']);
    const { clientId, clientSecret } = await server.createClient({ roles: ['reader'] });
    const before = await (await scrape(server)).text();
    const post = (body: string) =>
      fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal((await post(`grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`)).status, 200);
    assert.equal((await post(`grant_type=client_credentials&client_id=${clientId}&client_secret=wrong`)).status, 401);
    assert.equal((await post('grant_type=password')).status, 400);

    const response = await scrape(server);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const issued = 'gatehouse_tokens_issued_total{grant_type="client_credentials"}';
    const invalidClient = 'gatehouse_oauth_errors_total{endpoint="/oauth2/token",error="invalid_client"}';
    const unsupported = 'gatehouse_oauth_errors_total{endpoint="/oauth2/token",error="unsupported_grant_type"}';
    assert.equal(metricValue(text, issued) - metricValue(before, issued), 1);
    assert.equal(metricValue(text, invalidClient) - metricValue(before, invalidClient), 1);
    assert.equal(metricValue(text, unsupported) - metricValue(before, unsupported), 1);
    assert.match(text, /^gatehouse_process_resident_memory_bytes \d+/m);
    assert.match(text, /^gatehouse_nodejs_eventloop_lag_seconds /m);
    assert.ok(!/gate_cs_|eyJ/.test(text), 'no secret or token in the metrics');
  });

  test('count every error answer by route pattern and status, from the one error handler', async () => {
    const before = await (await scrape(server)).text();
    assert.equal((await fetch(`${server.url}/api/demo/items`)).status, 401);
    assert.equal((await fetch(`${server.url}/api/demo/items`, { headers: { authorization: 'Bearer not-a-token' } })).status, 401);
    assert.equal((await fetch(`${server.url}/admin/clients`)).status, 401);
    const token = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    assert.equal(token.status, 400);

    const text = await (await scrape(server)).text();
    const counted = (route: string, status: number) => {
      const line = `gatehouse_http_errors_total{route="${route}",status="${status}"}`;
      return metricValue(text, line) - metricValue(before, line);
    };
    assert.equal(counted('/api/demo/items', 401), 2);
    assert.equal(counted('/admin/clients', 401), 1);
    assert.equal(counted('/oauth2/token', 400), 1);
    assert.match(text, /^# HELP gatehouse_http_errors_total /m);
  });

  test('only loopback clients may scrape unless GATEHOUSE_METRICS_PUBLIC=on', async () => {
    const remote = await scrape(behindProxy, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(remote.status, 403);
    assert.equal(((await remote.json()) as { error: string }).error, 'forbidden');
    assert.equal((await scrape(behindProxy)).status, 200);
  });
});
