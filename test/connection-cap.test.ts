import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { trustedProxyPeers } from '../src/http/connection-cap.js';
import { type RawConnection, rawConnection } from './helpers/raw-socket.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CAP = 3;
const CLOSED_WITHIN_MS = 5000;
const liveRequest = 'GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref());
  return Promise.race([promise, late]);
};

/** What a connection gets for one request: the response, or '' when it was closed unanswered. */
async function answerOn(connection: RawConnection): Promise<string> {
  connection.write(liveRequest);
  await within(connection.closed, CLOSED_WITHIN_MS, 'the connection was neither answered nor closed');
  return connection.received();
}

/**
 * GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS over real sockets (issue 9, item 14): one peer address cannot hold more
 * than its share of the connections; trusted proxies, which carry many clients, are spared. Other clients are stood
 * for by other loopback addresses (127.0.0.2).
 */
describe('the per-address connection cap', () => {
  const servers: TestServer[] = [];
  const held: RawConnection[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_HTTP_MAX_CONNECTIONS_PER_ADDRESS: String(CAP), ...env });
    servers.push(server);
    return Number(new URL(server.url).port);
  };
  /** `count` connections from `from`, left open, once the server has accepted them all. */
  const hold = async (port: number, count: number, from = '127.0.0.1') => {
    const connections = await Promise.all(Array.from({ length: count }, () => rawConnection(port, '127.0.0.1', from)));
    held.push(...connections);
    await sleep(200);
    return connections;
  };
  const connectFrom = (port: number, from: string) => rawConnection(port, '127.0.0.1', from);
  after(async () => {
    for (const connection of held) connection.destroy();
    for (const server of servers) await server.close();
  });

  let port: number;
  before(async () => {
    port = await start();
  });

  test('the connection past the cap from one address is closed unanswered; another address is still served', async () => {
    const mine = await hold(port, CAP);
    assert.equal(await answerOn(await connectFrom(port, '127.0.0.1')), '', 'nothing is answered past the cap');
    assert.match(await answerOn(await connectFrom(port, '127.0.0.2')), /^HTTP\/1\.1 200 /, 'another address is not capped by the first');
    // The held ones still work.
    assert.match(await answerOn(mine[0]!), /^HTTP\/1\.1 200 [\s\S]*"status":"ok"/);
    for (const connection of mine) connection.destroy();
  });

  test('the count drops as connections close, and refused connections never counted', async () => {
    // Whatever the previous test left open is closed by now.
    await sleep(200);
    const mine = await hold(port, CAP);
    for (let i = 0; i < 5; i++) assert.equal(await answerOn(await connectFrom(port, '127.0.0.1')), '');
    mine[0]!.destroy();
    await sleep(200);
    assert.match(await answerOn(await connectFrom(port, '127.0.0.1')), /^HTTP\/1\.1 200 /, 'a closed connection frees its slot');
    for (const connection of mine) connection.destroy();
    await sleep(200);
    // All closed: the address has its whole share again (nothing leaked from the refused ones or the closed ones),
    // and no more.
    const again = await hold(port, CAP);
    assert.equal(await answerOn(await connectFrom(port, '127.0.0.1')), '', 'the cap still holds');
    for (const connection of again) assert.match(await answerOn(connection), /^HTTP\/1\.1 200 /);
  });

  test('a trusted proxy (GATEHOUSE_TRUST_PROXY lists it) is exempt; other peers are capped', async () => {
    const proxied = await start({ GATEHOUSE_TRUST_PROXY: '127.0.0.2/32' });
    await hold(proxied, CAP, '127.0.0.2');
    assert.match(await answerOn(await connectFrom(proxied, '127.0.0.2')), /^HTTP\/1\.1 200 /, 'the proxy carries many clients');
    await hold(proxied, CAP, '127.0.0.1');
    assert.equal(await answerOn(await connectFrom(proxied, '127.0.0.1')), '');
  });
});

test('which peers are trusted proxies: the listed addresses and CIDRs, also as IPv4-mapped IPv6; every peer with a hop count', () => {
  assert.equal(trustedProxyPeers(false)!('127.0.0.1'), false);
  // A hop count says only proxies reach the server, and names none: no address is capped.
  assert.equal(trustedProxyPeers(1), undefined);
  const listed = trustedProxyPeers(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1'])!;
  for (const proxy of ['10.1.2.3', '::ffff:10.1.2.3', '192.168.1.7', 'fd12::1', '::1']) assert.equal(listed(proxy), true, proxy);
  for (const client of ['11.0.0.1', '192.168.1.8', '::ffff:192.168.1.8', 'fe80::1', '2001:db8::1', '127.0.0.1']) {
    assert.equal(listed(client), false, client);
  }
});
