import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { loadConfig } from '../src/config.js';
import { createGatehouse, type Gatehouse } from '../src/gatehouse.js';
import { postgresUrl } from './helpers/backends.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { type Credentials, postForm } from './helpers/tokens.js';

/**
 * A TCP relay in front of PostgreSQL that can make one connection go silent: it stays open, but nothing passes
 * either way any more and nobody is told, as when a NAT or firewall forgets an idle flow.
 */
async function silencingRelay(target: URL) {
  const connections: { client: Socket; server: Socket; sent: string; silent: boolean }[] = [];
  const relay: Server = createServer((client) => {
    const server = connect(Number(target.port || 5432), target.hostname);
    const connection = { client, server, sent: '', silent: false };
    connections.push(connection);
    client.on('data', (chunk: Buffer) => {
      if (connection.silent) return;
      connection.sent = (connection.sent + chunk.toString('latin1')).slice(-4096);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (!connection.silent) client.write(chunk);
    });
    for (const [one, other] of [
      [client, server],
      [server, client],
    ] as const) {
      one.on('error', () => other.destroy());
      one.on('close', () => other.destroy());
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    /** Silences the connection that sent `text`, once it has. */
    async silence(text: string): Promise<void> {
      for (let i = 0; i < 200; i++) {
        const connection = connections.find((c) => !c.silent && c.sent.includes(text));
        if (connection) {
          connection.silent = true;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no connection sent ${text}`);
    },
    close: () => {
      for (const { client, server } of connections) {
        client.destroy();
        server.destroy();
      }
      return new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe('PostgreSQL: a listening connection that goes silent', { skip: postgresUrl ? false : 'no PostgreSQL' }, () => {
  let relay: Awaited<ReturnType<typeof silencingRelay>>;
  let a: TestServer;
  let other: Gatehouse;
  let client: Credentials;

  before(async () => {
    relay = await silencingRelay(new URL(postgresUrl!));
    // The listener is asked to answer every connect timeout; one second keeps the test short.
    a = await startTestServer({ name: 'postgres', postgresUrl: relay.url }, { GATEHOUSE_DB_CONNECT_TIMEOUT_MS: '1000' });
    await a.createRole('reader', ['demo:read']);
    client = await a.createClient({ name: 'machine', roles: ['reader'] });
    // Another instance on the same database, reaching it directly.
    const direct = new URL(a.env.DATABASE_URL!);
    direct.host = new URL(postgresUrl!).host;
    other = await createGatehouse(loadConfig({ ...a.env, DATABASE_URL: direct.toString() }));
  });
  after(async () => {
    await other?.close();
    await a?.close();
    await relay?.close();
  });

  const kidOfToken = async () => {
    const answer = await postForm(a, '/oauth2/token', { grant_type: 'client_credentials' }, client);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return decodeProtectedHeader(String((answer.body as { access_token: string }).access_token)).kid;
  };

  test('is found out within a few seconds, and a key rotated meanwhile by another instance is used here', async () => {
    const before = await kidOfToken();
    await relay.silence('LISTEN gatehouse_changes');
    const [rotated] = await other.keys.rotate(['ES256']);
    assert.notEqual(rotated!.kid, before);
    // Without the heartbeat this instance would hear of the rotation only when its keys aged out (a minute).
    const started = Date.now();
    let kid = before;
    while (kid !== rotated!.kid && Date.now() - started < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      kid = await kidOfToken().catch(() => kid);
    }
    assert.equal(kid, rotated!.kid, 'the rotation made elsewhere is used within 15 s');
    // Listening again: the next change made elsewhere is heard as it happens.
    const [again] = await other.keys.rotate(['ES256']);
    const heard = Date.now();
    while ((await kidOfToken().catch(() => undefined)) !== again!.kid && Date.now() - heard < 5000)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await kidOfToken(), again!.kid);
  });
});
