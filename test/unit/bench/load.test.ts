import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type HttpRequest, runLoad } from '../../../bench/lib/load.js';

/** A real HTTP server that records, in arrival order, the path, authorization and body of every request. */
async function recordingServer() {
  const seen: { path: string; authorization: string | undefined; body: string }[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    seen.push({ path: request.url ?? '', authorization: request.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
    // A little latency, so that several connections have requests in flight at once.
    setTimeout(() => response.end('ok'), 2);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('runLoad over a list of requests (bench tenants scenario)', () => {
  let server: Awaited<ReturnType<typeof recordingServer>>;
  before(async () => {
    server = await recordingServer();
  });
  after(() => server.close());

  test('sends every request of the list as given, in one round-robin shared by all connections', async () => {
    const list: HttpRequest[] = ['a', 'b', 'c', 'd', 'e'].map((tenant) => ({
      method: 'POST',
      url: `${server.url}/t/${tenant}/oauth2/token?x=1`,
      headers: { authorization: `Basic ${tenant}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&tenant=${tenant}`,
    }));
    const result = await runLoad(list, { connections: 4, duration: 1 });
    assert.equal(result.non2xx, 0);
    assert.equal(result.errors, 0);
    assert.ok(server.seen.length >= 20, `only ${server.seen.length} requests arrived`);
    for (const request of server.seen) {
      const tenant = /^\/t\/([a-e])\/oauth2\/token\?x=1$/.exec(request.path)?.[1];
      assert.ok(tenant, `unexpected path ${request.path}`);
      assert.equal(request.authorization, `Basic ${tenant}`, 'each request keeps its own headers');
      assert.equal(request.body, `grant_type=client_credentials&tenant=${tenant}`, 'and its own body');
    }
    // The first requests of the connections go to different entries, not all to the first one.
    assert.equal(new Set(server.seen.slice(0, 4).map((request) => request.path)).size, 4);
    const counts = new Map<string, number>();
    for (const request of server.seen) counts.set(request.path, (counts.get(request.path) ?? 0) + 1);
    assert.equal(counts.size, 5);
    const spread = Math.max(...counts.values()) - Math.min(...counts.values());
    // Each entry is sent the same number of times give or take one; up to one request per connection may be cut off
    // by the end of the run before it arrives.
    assert.ok(spread <= 1 + 4, `the entries were not used evenly: ${[...counts.values()]}`);
  });
});
