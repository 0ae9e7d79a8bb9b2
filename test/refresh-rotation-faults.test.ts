import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { nowSeconds } from '../src/ports/clock.js';
import { DEFAULT_TENANT } from '../src/ports/tenants.js';
import { GrantRepository } from '../src/store/grants.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { type ServeProcess, spawnServe } from './helpers/cli.js';
import { assertOAuthError, authorize, createAlice, redeem, refresh, type Tokens, tokensFor, webApp } from './helpers/code-flow.js';
import { requireScratchDisks, scratchDisk } from './helpers/disk.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { type Answer, basicAuth, type Credentials, introspect } from './helpers/tokens.js';

/**
 * Issue 8, item 3: refresh rotation and code redemption are one transaction each, and a client that repeats a
 * request (lost answer, two tabs, a timeout) within the reuse window is not signed out. Every fault here is real:
 * concurrent HTTP requests, a kill -9 of a `gatehouse serve` process, a PostgreSQL table lock, a full disk.
 */

const SCOPE = 'openid offline';
const run = promisify(execFile);
const tokensOf = (answer: Answer) => answer.body as Tokens;

/** Whether the access token is active at introspection. */
async function active(server: TestServer, introspector: Credentials, accessToken: string): Promise<boolean> {
  const answer = await introspect(server, introspector, accessToken);
  assert.equal(answer.status, 200, answer.text);
  return (answer.body as { active: boolean }).active;
}

/** The hash of the one refresh token of the family that can still be rotated, read from the store. */
async function liveTokenHash(server: TestServer, anyTokenOfFamily: string): Promise<string | null> {
  const row = await server.server.gatehouse.store.db
    .selectFrom('refresh_tokens')
    .innerJoin('grants', 'grants.id', 'refresh_tokens.grant_id')
    .select(['grants.refresh_token_hash', 'grants.revoked_at'])
    .where('refresh_tokens.token_hash', '=', Buffer.from(sha256Hex(anyTokenOfFamily), 'hex'))
    .executeTakeFirstOrThrow();
  return row.revoked_at === null ? row.refresh_token_hash : null;
}

/**
 * A refresh that gives up after `timeoutMs`, as an impatient client does, closing its connection; undefined when it
 * gave up or the server is gone. One connection per request (no keep-alive), so that nothing is left open when the
 * server closes.
 */
function refreshWithin(
  server: Pick<TestServer, 'url'>,
  app: Credentials,
  refreshToken: string,
  timeoutMs: number,
): Promise<Answer | undefined> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
  return new Promise((resolve) => {
    const request = httpRequest(`${server.url}/oauth2/token`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(app), connection: 'close' },
    });
    const timer = setTimeout(() => request.destroy(), timeoutMs);
    request.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('error', () => resolve(undefined));
      response.on('end', () => {
        clearTimeout(timer);
        const headers = new Headers(Object.entries(response.headers).map(([name, value]) => [name, String(value)] as [string, string]));
        resolve({ status: response.statusCode!, headers, text, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    request.end(body);
  });
}

for (const backend of backends()) {
  describe(`refresh rotation survives retries, races and faults (${backend.name})`, () => {
    let server: TestServer;
    let web: Credentials;
    let introspector: Credentials;
    const family = async (on = server, app = web) => tokensFor(on, app, await authorize(on, { clientId: app.clientId, scope: SCOPE }));

    before(async () => {
      server = await startTestServer(backend);
      await createAlice(server);
      web = await webApp(server);
      introspector = await server.createClient({ name: 'Resource server', introspection: true });
    });
    after(() => server.close());

    test('a retry 300 ms after a lost answer gets a fresh pair, and the family stays alive (10 trials)', async (t) => {
      let signedOut = 0;
      for (let trial = 0; trial < 10; trial++) {
        const first = await family();
        const lost = await refresh(server, web, first.refresh_token!);
        assert.equal(lost.status, 200, lost.text);
        await sleep(300);
        const retried = await refresh(server, web, first.refresh_token!);
        if (retried.status !== 200) {
          signedOut += 1;
          continue;
        }
        const fresh = tokensOf(retried);
        assert.notEqual(fresh.refresh_token, tokensOf(lost).refresh_token);
        assert.notEqual(fresh.access_token, tokensOf(lost).access_token);
        // The lost answer's access token may be in use elsewhere (another tab): it stays valid.
        assert.ok(await active(server, introspector, tokensOf(lost).access_token));
        const next = await refresh(server, web, fresh.refresh_token!);
        if (next.status !== 200) signedOut += 1;
        else assert.ok(await active(server, introspector, tokensOf(next).access_token));
      }
      t.diagnostic(`signed out: ${signedOut}/10`);
      assert.equal(signedOut, 0);
    });

    test('the successor used, then the old token presented again: reuse revokes the whole family', async () => {
      const first = await family();
      const second = tokensOf(await refresh(server, web, first.refresh_token!));
      const third = tokensOf(await refresh(server, web, second.refresh_token!));
      assertOAuthError(await refresh(server, web, first.refresh_token!), 400, 'invalid_grant');
      assert.equal(await liveTokenHash(server, first.refresh_token!), null);
      for (const tokens of [first, second, third]) assert.equal(await active(server, introspector, tokens.access_token), false);
      assertOAuthError(await refresh(server, web, third.refresh_token!), 400, 'invalid_grant');
    });

    test('a successor superseded by a retry, presented later, revokes the family', async () => {
      const first = await family();
      const superseded = tokensOf(await refresh(server, web, first.refresh_token!));
      const retried = tokensOf(await refresh(server, web, first.refresh_token!));
      assert.equal(await liveTokenHash(server, first.refresh_token!), sha256Hex(retried.refresh_token!));
      assertOAuthError(await refresh(server, web, superseded.refresh_token!), 400, 'invalid_grant');
      assert.equal(await active(server, introspector, retried.access_token), false);
      assertOAuthError(await refresh(server, web, retried.refresh_token!), 400, 'invalid_grant');
    });

    test('another client presenting the token is refused and changes nothing', async () => {
      const other = await webApp(server, 'Other app');
      const first = await family();
      const second = tokensOf(await refresh(server, web, first.refresh_token!));
      assertOAuthError(await refresh(server, other, first.refresh_token!), 400, 'invalid_grant');
      assert.equal(await liveTokenHash(server, first.refresh_token!), sha256Hex(second.refresh_token!));
    });

    for (const [label, count, gapMs] of [
      ['two tabs refreshing 50 ms apart', 2, 50],
      ['50 concurrent refreshes of one token', 50, 0],
    ] as const) {
      test(`${label}: the family stays alive with exactly one usable refresh token, every access token active`, async (t) => {
        const first = await family();
        const answers = await Promise.all(
          Array.from({ length: count }, async (_, i) => {
            await sleep(i * gapMs);
            return refresh(server, web, first.refresh_token!);
          }),
        );
        const won = answers.filter((answer) => answer.status === 200).map(tokensOf);
        let stillActive = 0;
        for (const tokens of won) if (await active(server, introspector, tokens.access_token)) stillActive += 1;
        t.diagnostic(`${won.length}/${count} answered 200, ${stillActive} of their access tokens active`);
        assert.equal(won.length, count, answers.find((answer) => answer.status !== 200)?.text);
        assert.equal(stillActive, won.length, 'an access token handed out was revoked');
        const live = await liveTokenHash(server, first.refresh_token!);
        assert.equal(
          won.filter((tokens) => sha256Hex(tokens.refresh_token!) === live).length,
          1,
          'exactly one handed-out refresh token is live',
        );
        const usable = won.find((tokens) => sha256Hex(tokens.refresh_token!) === live)!;
        assert.equal((await refresh(server, web, usable.refresh_token!)).status, 200);
      });
    }

    test('concurrent redemptions of one code: one 200, the others invalid_grant, and the winner keeps its tokens', async () => {
      const flow = await authorize(server, { clientId: web.clientId, scope: SCOPE });
      const answers = await Promise.all(Array.from({ length: 5 }, () => redeem(server, web, flow)));
      const won = answers.filter((answer) => answer.status === 200);
      assert.equal(won.length, 1, answers.map((answer) => answer.text).join('\n'));
      for (const answer of answers.filter((a) => a.status !== 200)) assertOAuthError(answer, 400, 'invalid_grant');
      const winner = tokensOf(won[0]!);
      assert.ok(await active(server, introspector, winner.access_token));
      assert.equal((await refresh(server, web, winner.refresh_token!)).status, 200);
    });

    test('a retired refresh token is kept until it would have expired, so a thief’s many rotations are still caught', async () => {
      const { db } = server.server.gatehouse.store;
      const stolen = await family();
      let thief = stolen;
      for (let i = 0; i < 5; i++) thief = tokensOf(await refresh(server, web, thief.refresh_token!));
      const rows = () =>
        db
          .selectFrom('refresh_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
      const before = Number((await rows()).n);
      await server.server.gatehouse.purgeExpired();
      assert.equal(Number((await rows()).n), before, 'the periodic purge deleted refresh tokens that had not expired');
      // The rightful client comes back with the token it last received, five rotations ago.
      assertOAuthError(await refresh(server, web, stolen.refresh_token!), 400, 'invalid_grant');
      assert.equal(await active(server, introspector, thief.access_token), false);
      // Once past its own expiry it is refused as expired, so nothing needs it any more.
      const deleted = await new GrantRepository(server.server.gatehouse.store, DEFAULT_TENANT).purgeExpiredRefreshTokens(
        nowSeconds() + server.config.refreshTokenTtl + 1,
      );
      assert.ok(deleted >= 6, `only ${deleted} rows purged`);
      assert.equal(Number((await rows()).n), before - deleted);
    });

    describe('after the reuse window', () => {
      // Times are whole seconds: 3.2 s after a rotation is always more than 2 s after it, 1.2 s never is.
      const WINDOW = 2;
      let strict: TestServer;
      let app: Credentials;
      let checker: Credentials;
      before(async () => {
        strict = await startTestServer(backend, { GATEHOUSE_REFRESH_REUSE_WINDOW: String(WINDOW) });
        await createAlice(strict);
        app = await webApp(strict);
        checker = await strict.createClient({ name: 'Resource server', introspection: true });
      });
      after(() => strict.close());

      test('presenting the rotated token revokes the family', async () => {
        const first = await family(strict, app);
        const second = tokensOf(await refresh(strict, app, first.refresh_token!));
        await sleep(3200);
        assertOAuthError(await refresh(strict, app, first.refresh_token!), 400, 'invalid_grant');
        assert.equal(await active(strict, checker, second.access_token), false);
        assertOAuthError(await refresh(strict, app, second.refresh_token!), 400, 'invalid_grant');
      });

      test('a retry does not stretch the window: it is measured from the first rotation', async () => {
        const first = await family(strict, app);
        assert.equal((await refresh(strict, app, first.refresh_token!)).status, 200);
        await sleep(1200);
        const retried = await refresh(strict, app, first.refresh_token!);
        assert.equal(retried.status, 200, retried.text);
        // 3.2 s after the first rotation, but only 2 s after the retry.
        await sleep(2000);
        assertOAuthError(await refresh(strict, app, first.refresh_token!), 400, 'invalid_grant');
        assert.equal(await active(strict, checker, tokensOf(retried).access_token), false);
      });

      if (backend.name === 'postgres') {
        test('a client that gave up during a stall keeps its token: the answer no one received is rolled back', async () => {
          const first = await family(strict, app);
          const locker = new pg.Client({ connectionString: strict.env.DATABASE_URL });
          await locker.connect();
          try {
            await locker.query('BEGIN');
            await locker.query('LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE');
            assert.equal(await refreshWithin(strict, app, first.refresh_token!, 500), undefined);
            await sleep(1000);
            await locker.query('COMMIT');
          } finally {
            await locker.end();
          }
          // Long enough for the abandoned request to finish, and for a rotation it made to leave the window.
          await sleep(3200);
          const later = await refresh(strict, app, first.refresh_token!);
          assert.equal(later.status, 200, later.text);
          assert.equal(await active(strict, checker, tokensOf(later).access_token), true);
        });
      }

      test('a replayed code revokes what it issued', async () => {
        const flow = await authorize(strict, { clientId: app.clientId, scope: SCOPE });
        const tokens = await tokensFor(strict, app, flow);
        await sleep(3200);
        assertOAuthError(await redeem(strict, app, flow), 400, 'invalid_grant');
        assert.equal(await active(strict, checker, tokens.access_token), false);
        assertOAuthError(await refresh(strict, app, tokens.refresh_token!), 400, 'invalid_grant');
      });
    });

    test('kill -9 of a serving process during a stream of rotations loses no family (3 kills)', async (t) => {
      const port = await freePort();
      const env = { ...server.env, PORT: String(port) };
      const url = `http://127.0.0.1:${port}`;
      // The families are made at the in-process server; the rotations go to a real `gatehouse serve` on the store.
      const families: { current: Tokens; lost: boolean }[] = [];
      for (let i = 0; i < 12; i++) families.push({ current: await family(), lost: false });
      let serve: ServeProcess | undefined;
      let lost = 0;
      try {
        for (let kill = 0; kill < 3; kill++) {
          serve = await spawnServe(env, url);
          let running = true;
          const streams = families.map(async (f) => {
            while (running && !f.lost) {
              const answer = await refreshWithin(serve!, web, f.current.refresh_token!, 10_000);
              if (!answer) return; // the process is gone: the client keeps the last token it received
              if (answer.status === 200) f.current = tokensOf(answer);
              else f.lost = true;
            }
          });
          await sleep(400 + kill * 150);
          serve.child.kill('SIGKILL');
          running = false;
          await Promise.all(streams);
          await serve.stop();
        }
        serve = await spawnServe(env, url);
        for (const f of families) {
          const answer = f.lost ? undefined : await refreshWithin(serve, web, f.current.refresh_token!, 10_000);
          if (answer?.status === 200) assert.ok(await active(server, introspector, tokensOf(answer).access_token));
          else lost += 1;
        }
      } finally {
        await serve?.stop();
      }
      t.diagnostic(`families lost: ${lost}/${families.length}`);
      assert.equal(lost, 0);
    });

    if (backend.name === 'postgres') {
      test('a PostgreSQL stall (refresh_tokens locked for 3 s) while clients time out and retry loses no family', async (t) => {
        const families: Tokens[] = [];
        for (let i = 0; i < 8; i++) families.push(await family());
        const locker = new pg.Client({ connectionString: server.env.DATABASE_URL });
        await locker.connect();
        let lost = 0;
        try {
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE');
          const release = sleep(3000).then(() => locker.query('COMMIT'));
          const received = await Promise.all(
            families.map(async (tokens) => {
              const deadline = Date.now() + 30_000;
              while (Date.now() < deadline) {
                const answer = await refreshWithin(server, web, tokens.refresh_token!, 1000);
                if (answer?.status === 200) return tokensOf(answer);
                if (answer && answer.status !== 503) break; // signed out: counted below
              }
              return tokens;
            }),
          );
          await release;
          for (const tokens of received) {
            const answer = await refresh(server, web, tokens.refresh_token!);
            if (answer.status === 200) assert.ok(await active(server, introspector, tokensOf(answer).access_token));
            else lost += 1;
          }
        } finally {
          await locker.end();
        }
        t.diagnostic(`families lost: ${lost}/8`);
        assert.equal(lost, 0);
      });
    }
  });
}

describe('refresh rotation on a full disk (sqlite)', async () => {
  if (!(await requireScratchDisks())) return;
  let disk: Awaited<ReturnType<typeof scratchDisk>>;
  let server: TestServer;
  let web: Credentials;
  before(async () => {
    disk = await scratchDisk(16);
    server = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_DATA_DIR: disk.path });
    await createAlice(server);
    web = await webApp(server);
  });
  after(async () => {
    await server?.close();
    await disk?.close();
  });

  /** Takes all free space but `headroom` bytes, so that a rotation's first writes may fit and its later ones not. */
  async function fillLeaving(headroom: number): Promise<() => Promise<void>> {
    const fillers = [join(disk.path, '.filler-bulk'), join(disk.path, '.filler-rest')];
    const free = async () => Number((await run('df', ['--output=avail', '-B1', disk.path])).stdout.split('\n')[1]);
    // fallocate takes most of it at once (leaving room for its own extent blocks), dd the rest block by block.
    await run('fallocate', ['-l', String(Math.max((await free()) - headroom - 65536, 4096)), fillers[0]!]).catch(() => {});
    const blocks = Math.floor(((await free()) - headroom) / 4096);
    if (blocks > 0) await run('dd', ['if=/dev/zero', `of=${fillers[1]}`, 'bs=4096', `count=${blocks}`, 'status=none']).catch(() => {});
    await run('sync', ['-f', disk.path]).catch(() => {});
    return async () => {
      for (const filler of fillers) await rm(filler, { force: true });
    };
  }

  test('a rotation that hits a full disk is all or nothing: 503, then the same token works once there is room', async (t) => {
    // Each family meets a different amount of room (0 to 7 blocks): somewhere a rotation's writes no longer all fit.
    let refused = 0;
    let lost = 0;
    for (let block = 0; block < 8; block++) {
      let tokens = await tokensFor(server, web, await authorize(server, { clientId: web.clientId, scope: SCOPE }));
      const unfill = await fillLeaving(block * 4096);
      try {
        for (let i = 0; i < 3; i++) {
          const answer = await refresh(server, web, tokens.refresh_token!);
          if (answer.status === 200) {
            tokens = tokensOf(answer);
            continue;
          }
          refused += 1;
          assert.equal(answer.status, 503, answer.text);
          assert.equal(answer.headers.get('retry-after'), '5');
          assert.deepEqual(Object.keys(answer.body as object).sort(), ['error', 'error_description']);
          assert.equal((answer.body as { error: string }).error, 'temporarily_unavailable');
          break;
        }
      } finally {
        await unfill();
      }
      if ((await refresh(server, web, tokens.refresh_token!)).status !== 200) lost += 1;
    }
    t.diagnostic(`rotations refused while full: ${refused}, families lost: ${lost}/8`);
    assert.ok(refused > 0, 'the full disk refused no rotation: the fault was not injected');
    assert.equal(lost, 0);
  });
});
