import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionService } from '../../../src/accounts/sessions.js';
import { sha256Hex } from '../../../src/tokens/hash.js';
import { fake } from '../support.js';

type Repository = ConstructorParameters<typeof SessionService>[0];
type StoredSession = Parameters<Repository['create']>[0];

const now = () => Math.floor(Date.now() / 1000);

/** Sessions over a map keyed by cookie hash, recording touches and revocations. */
function sessionsWith(lifetimes = { ttl: 3600, idleTimeout: 600 }) {
  const stored = new Map<string, StoredSession>();
  const touches: [string, number][] = [];
  const revoked: string[] = [];
  const service = new SessionService(
    fake<Repository>({
      create: async (session) => void stored.set(session.tokenHash, session),
      findActiveByTokenHash: async (tokenHash) => {
        const found = stored.get(tokenHash);
        if (!found) return undefined;
        const { tokenHash: _hash, ...session } = found;
        return session;
      },
      touch: async (id, interval) => void touches.push([id, interval]),
      revoke: async (id) => void revoked.push(id),
    }),
    lifetimes,
  );
  return { service, stored, touches, revoked };
}

describe('SessionService', () => {
  test('a new session has a public id apart from its cookie secret, of which the store keeps only the hash', async () => {
    const { service, stored } = sessionsWith();
    const { session, cookieValue } = await service.start('user-1', { ip: '192.0.2.1', userAgent: 'x'.repeat(400) });
    assert.match(cookieValue, /^[\w-]{43}$/);
    assert.match(session.id, /^[\w-]{22}$/);
    assert.ok(!cookieValue.includes(session.id));
    assert.equal(session.userAgent.length, 300, 'the user agent is cut');
    assert.ok(Math.abs(session.authTime - now()) <= 1);
    assert.equal(session.expiresAt, session.authTime + 3600);
    assert.equal(session.lastSeenAt, session.authTime);
    assert.deepEqual([...stored.keys()], [sha256Hex(cookieValue)]);
    assert.deepEqual(stored.get(sha256Hex(cookieValue)), { ...session, tokenHash: sha256Hex(cookieValue) });
    const again = await service.start('user-1', { ip: '192.0.2.1', userAgent: 'ua' });
    assert.notEqual(again.session.id, session.id, 'every sign-in starts a new session');
  });

  test('a cookie resolves to its session; no cookie, an unknown one or an absurdly long one to none', async () => {
    const { service } = sessionsWith();
    const { session, cookieValue } = await service.start('user-1', { ip: '192.0.2.1', userAgent: 'ua' });
    assert.deepEqual(await service.resolve(cookieValue), session);
    assert.equal(await service.resolve(undefined), undefined);
    assert.equal(await service.resolve(''), undefined);
    assert.equal(await service.resolve('x'.repeat(43)), undefined);
    assert.equal(await service.resolve('x'.repeat(101)), undefined);
  });

  test('a use is written at most once per tenth of the idle timeout', async () => {
    const { service, stored, touches } = sessionsWith({ ttl: 3600, idleTimeout: 600 });
    const { session, cookieValue } = await service.start('user-1', { ip: '192.0.2.1', userAgent: 'ua' });
    await service.resolve(cookieValue);
    assert.deepEqual(touches, [], 'just used');
    stored.get(sha256Hex(cookieValue))!.lastSeenAt = now() - 60;
    const touched = await service.resolve(cookieValue);
    assert.deepEqual(touches, [[session.id, 60]]);
    assert.ok(touched && Math.abs(touched.lastSeenAt - now()) <= 1);
    const tiny = sessionsWith({ ttl: 3600, idleTimeout: 5 });
    const started = await tiny.service.start('user-1', { ip: '192.0.2.1', userAgent: 'ua' });
    tiny.stored.get(sha256Hex(started.cookieValue))!.lastSeenAt = now() - 1;
    await tiny.service.resolve(started.cookieValue);
    assert.deepEqual(tiny.touches, [[started.session.id, 1]], 'never less than a second');
  });

  test('ending a session revokes it by id', async () => {
    const { service, revoked } = sessionsWith();
    await service.end('session-1');
    assert.deepEqual(revoked, ['session-1']);
  });
});
