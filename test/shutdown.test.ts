import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { eventually, freshStoreEnv, type ServeProcess, spawnServe } from './helpers/cli.js';
import { type RawConnection, rawConnection } from './helpers/raw-socket.js';
import { freePort } from './helpers/server.js';

/** Well past the 1.5 s deadline below, well short of what a stalled client held SIGTERM for before (40.9 s). */
const EXITS_WITHIN_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 1500;
const body = 'grant_type=client_credentials&scope=demo%3Aread';
const tokenRequestHead = `POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;

/** A client that sent part of its request body and then stalls: the request stays in flight. */
async function stalledClient(port: number): Promise<RawConnection> {
  const client = await rawConnection(port);
  client.write(tokenRequestHead + body.slice(0, 5));
  return client;
}

async function exitAfterSigterm(serve: ServeProcess): Promise<{ code: number | null; afterMs: number }> {
  const started = performance.now();
  const exited = once(serve.child, 'exit');
  serve.child.kill('SIGTERM');
  const timer = setTimeout(() => serve.child.kill('SIGKILL'), EXITS_WITHIN_MS);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return { code, afterMs: performance.now() - started };
}

/**
 * Shutdown with a deadline (issue 8, item 12): on SIGTERM, stop accepting, let requests in flight finish, cut off
 * what is left at GATEHOUSE_SHUTDOWN_TIMEOUT_MS, and exit 0. Before: one slow client held SIGTERM for 40.9 s.
 */
describe('SIGTERM drains within GATEHOUSE_SHUTDOWN_TIMEOUT_MS', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  const start = async (workers?: number) => {
    const port = await freePort();
    const env = {
      ...(await freshStoreEnv({ name: 'sqlite' }, cleanup)),
      PORT: String(port),
      GATEHOUSE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      // Far longer than the test: only the shutdown deadline may end the stalled request.
      GATEHOUSE_HTTP_REQUEST_TIMEOUT_MS: '120000',
      GATEHOUSE_HTTP_HEADERS_TIMEOUT_MS: '120000',
    };
    const serve = await spawnServe(env, `http://127.0.0.1:${port}`, workers === undefined ? [] : ['--workers', String(workers)]);
    cleanup.push(() => serve.stop());
    return { serve, port };
  };

  test('one process: a request in flight finishes, a stalled one is cut off at the deadline, exit 0', async (t) => {
    const { serve, port } = await start();
    const stalled = await stalledClient(port);
    const finishing = await stalledClient(port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = exitAfterSigterm(serve);
    // The rest of the body arrives after SIGTERM, within the deadline: that request is answered in full.
    setTimeout(() => finishing.write(body.slice(5)), 300);
    const { code, afterMs } = await exit;
    t.diagnostic(`exited ${Math.round(afterMs)} ms after SIGTERM`);
    assert.equal(code, 0, serve.output());
    assert.match(finishing.received(), /^HTTP\/1\.1 401 [\s\S]*"error":"invalid_client"/, 'the request in flight was answered');
    await stalled.closed;
    assert.equal(stalled.received(), '', 'the stalled request was cut off, not answered');
    assert.match(serve.output(), new RegExp(`requests still open after ${SHUTDOWN_TIMEOUT_MS} ms; closing their connections`));
    await assert.rejects(rawConnection(port), /ECONNREFUSED/, 'nothing listens any more');
  });

  test('a cluster: the primary stops its workers within the deadline, though one holds a stalled request', async (t) => {
    const { serve, port } = await start(2);
    // /health answers once one worker listens; the test is about both.
    const serving = () => [...serve.output().matchAll(/worker (\d+) serving/g)].map((match) => Number(match[1]));
    assert.equal(
      (
        await eventually(
          async () => serving(),
          (pids) => pids.length === 2,
          20_000,
        )
      ).length,
      2,
      serve.output(),
    );
    const stalled = await Promise.all([stalledClient(port), stalledClient(port), stalledClient(port)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { code, afterMs } = await exitAfterSigterm(serve);
    t.diagnostic(`cluster exited ${Math.round(afterMs)} ms after SIGTERM`);
    assert.equal(code, 0, serve.output());
    for (const client of stalled) await client.closed;
    for (const pid of serving()) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
  });
});
