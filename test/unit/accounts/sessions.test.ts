import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionService } from '../../../src/accounts/sessions.js';
import { nowSeconds } from '../../../src/ports/clock.js';
import type { SessionStore } from '../../../src/ports/session-store.js';
import type { Session } from '../../../src/ports/sessions.js';
import { sha256Hex } from '../../../src/tokens/hash.js';

/** A session store in memory that records its writes; the idle timeout is the service's concern here, not the store's. */
function memorySessions() {
  const rows = new Map<string, Session & { tokenHash: string; revoked: boolean }>();
  const touches: { id: string; interval: number; now: number }[] = [];
  const store: SessionStore = {
    create: async (session) => void rows.set(session.id, { ...session, revoked: false }),
    findActiveByTokenHash: async (tokenHash, now) => {
      const row = [...rows.values()].find((each) => each.tokenHash === tokenHash && !each.revoked && each.expiresAt > now);
      if (!row) return undefined;
      const { tokenHash: _hash, revoked: _revoked, ...session } = row;
      return session;
    },
    touch: async (id, interval, now) => {
      touches.push({ id, interval, now });
      rows.get(id)!.lastSeenAt = now;
    },
    revoke: async (id) => {
      rows.get(id)!.revoked = true;
    },
  };
  return { store, rows, touches };
}

const LIFETIMES = { ttl: 3600, idleTimeout: 600 };
const BROWSER = { ip: '203.0.113.7', userAgent: 'x'.repeat(500) };

test('a new session keeps only the hash of its cookie, its times from the lifetimes, and a shortened user agent', async () => {
  const { store, rows } = memorySessions();
  const before = nowSeconds();
  const { session, cookieValue } = await new SessionService(store, LIFETIMES).start('user-1', BROWSER);
  const stored = rows.get(session.id)!;
  assert.equal(stored.tokenHash, sha256Hex(cookieValue));
  assert.ok(![...Object.values(stored)].includes(cookieValue), 'the cookie itself is never stored');
  assert.notEqual(session.id, cookieValue, 'the public id (sid) is not the cookie secret');
  assert.equal(stored.userId, 'user-1');
  assert.ok(stored.authTime >= before && stored.authTime <= nowSeconds());
  assert.equal(stored.expiresAt, stored.authTime + LIFETIMES.ttl);
  assert.equal(stored.lastSeenAt, stored.authTime);
  assert.equal(stored.userAgent.length, 300);
  assert.equal(stored.ip, BROWSER.ip);
});

test('a cookie resolves to its session; a missing, unknown or oversized cookie to none', async () => {
  const { store } = memorySessions();
  const sessions = new SessionService(store, LIFETIMES);
  const { session, cookieValue } = await sessions.start('user-1', BROWSER);
  assert.equal((await sessions.resolve(cookieValue))?.id, session.id);
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
