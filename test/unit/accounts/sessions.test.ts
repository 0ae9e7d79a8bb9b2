import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionService } from '../../../src/accounts/sessions.js';
import { MemorySessionStore } from '../../../src/memory/session-store.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import { sha256Hex } from '../../../src/tokens/hash.js';

const LIFETIMES = { ttl: 3600, idleTimeout: 600 };

/** The in-memory session store, with the same idle timeout, recording each use it is asked to write. */
function memorySessions(idleTimeout = LIFETIMES.idleTimeout) {
  const store = new MemorySessionStore(idleTimeout);
  const touches: { id: string; interval: number; now: number }[] = [];
  const touch = store.touch.bind(store);
  store.touch = async (id, interval, now) => {
    touches.push({ id, interval, now });
    await touch(id, interval, now);
  };
  return { store, rows: store.rows, touches };
}

const BROWSER = { ip: '203.0.113.7', userAgent: 'x'.repeat(500) };

test('a new session keeps only the hash of its cookie, its times from the lifetimes, and a shortened user agent', async () => {
  const { store, rows } = memorySessions();
  const before = nowSeconds();
  const { session, cookieValue } = await new SessionService(store, LIFETIMES).start('user-1', BROWSER);
  const stored = rows.get(session.id)!;
  assert.equal(stored.tokenHash, sha256Hex(cookieValue));
  assert.ok(![...Object.values(stored)].includes(cookieValue), 'the cookie itself is never stored');
  assert.notEqual(session.id, cookieValue, 'the public id (sid) is not the cookie secret');
  assert.match(cookieValue, /^[\w-]{43}$/);
  assert.match(session.id, /^[\w-]{22}$/);
  assert.ok(!cookieValue.includes(session.id));
  assert.equal(stored.userId, 'user-1');
  assert.ok(stored.authTime >= before && stored.authTime <= nowSeconds());
  assert.equal(stored.expiresAt, stored.authTime + LIFETIMES.ttl);
  assert.equal(stored.lastSeenAt, stored.authTime);
  assert.equal(stored.userAgent.length, 300);
  assert.equal(stored.ip, BROWSER.ip);
  const again = await new SessionService(store, LIFETIMES).start('user-1', BROWSER);
  assert.notEqual(again.session.id, session.id, 'every sign-in starts a new session');
  assert.equal(rows.size, 2);
});

test('a cookie resolves to its session; a missing, unknown or oversized cookie to none', async () => {
  const { store } = memorySessions();
  const sessions = new SessionService(store, LIFETIMES);
  const { session, cookieValue } = await sessions.start('user-1', BROWSER);
  assert.deepEqual(await sessions.resolve(cookieValue), session);
  assert.equal(await sessions.resolve(undefined), undefined);
  assert.equal(await sessions.resolve(''), undefined);
  assert.equal(await sessions.resolve('not-a-session-cookie'), undefined);
  assert.equal(await sessions.resolve(cookieValue + 'x'.repeat(100)), undefined);
});

test('a use is written at most once per tenth of the idle timeout, and an ended session resolves to none', async () => {
  const { store, rows, touches } = memorySessions();
  const sessions = new SessionService(store, LIFETIMES);
  const { session, cookieValue } = await sessions.start('user-1', BROWSER);
  await sessions.resolve(cookieValue);
  assert.equal(touches.length, 0, 'a session used just now is not written again');

  rows.get(session.id)!.lastSeenAt = nowSeconds() - 60;
  const resolved = await sessions.resolve(cookieValue);
  assert.equal(touches.length, 1);
  assert.equal(touches[0]!.id, session.id);
  assert.equal(touches[0]!.interval, LIFETIMES.idleTimeout / 10);
  assert.equal(resolved?.lastSeenAt, touches[0]!.now, 'the answer carries the use just recorded');

  await sessions.end(session.id);
  assert.equal(rows.get(session.id)!.revoked, true);
  assert.equal(await sessions.resolve(cookieValue), undefined);
});

test('the touch interval is never less than a second, however short the idle timeout', async () => {
  const { store, rows, touches } = memorySessions(5);
  const sessions = new SessionService(store, { ttl: 3600, idleTimeout: 5 });
  const { session, cookieValue } = await sessions.start('user-1', BROWSER);
  rows.get(session.id)!.lastSeenAt = nowSeconds() - 1;
  await sessions.resolve(cookieValue);
  assert.deepEqual(
    touches.map(({ id, interval }) => [id, interval]),
    [[session.id, 1]],
  );
});

test('a session unused for longer than the idle timeout resolves to none, and is not revived by a use', async () => {
  const { store, rows } = memorySessions();
  const sessions = new SessionService(store, LIFETIMES);
  const { session, cookieValue } = await sessions.start('user-1', BROWSER);
  const idleSince = nowSeconds() - LIFETIMES.idleTimeout - 1;
  rows.get(session.id)!.lastSeenAt = idleSince;
  assert.equal(await sessions.resolve(cookieValue), undefined);
  await store.touch(session.id, 1, nowSeconds());
  assert.equal(rows.get(session.id)!.lastSeenAt, idleSince);
});
