import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor, everyPage, pageInMemory, pageOf, pageSize } from '../../../src/management/paging.js';
import { ManagementError } from '../../../src/management/validation.js';

const invalid = (message: RegExp) => (error: unknown) =>
  error instanceof ManagementError && error.kind === 'invalid' && message.test(error.message);

test('page sizes: 50 unless told, 1 to 200', () => {
  assert.equal(pageSize(undefined), 50);
  assert.equal(pageSize(1), 1);
  assert.equal(pageSize(200), 200);
  for (const limit of [0, 201, 1.5, -1]) assert.throws(() => pageSize(limit), invalid(/^limit must be a whole number from 1 to 200$/));
});

test('a cursor gives back the key it was made of, and only a key of the shape asked for', () => {
  assert.deepEqual(decodeCursor(encodeCursor([1700000000, 'abc']), ['number', 'string'] as const), [1700000000, 'abc']);
  assert.equal(decodeCursor(undefined, ['string'] as const), undefined);
  for (const cursor of ['', 'not base64 at all!', encodeCursor(['abc']), encodeCursor(['1', 'abc']), encodeCursor([1, 'a', 'b'])]) {
    assert.throws(() => decodeCursor(cursor, ['number', 'string'] as const), invalid(/^after is not a cursor of this list/));
  }
});

test('pageOf: one more row than the limit means a next page, keyed by the last item shown', () => {
  assert.deepEqual(
    pageOf([1, 2, 3], 2, (n) => [n]),
    { items: [1, 2], next: encodeCursor([2]) },
  );
  assert.deepEqual(
    pageOf([1, 2], 2, (n) => [n]),
    { items: [1, 2], next: null },
  );
});

test('pageInMemory: search and paging over a sorted list; everyPage reads it whole', async () => {
  const roles = ['admin', 'alpha', 'beta', 'billing', 'gamma'].map((name) => ({
    name,
    description: name === 'gamma' ? 'Billing team' : '',
  }));
  const page = (query: Parameters<typeof pageInMemory>[1]) =>
    pageInMemory(
      roles,
      query,
      (role) => role.name,
      (role) => [role.name, role.description],
    );
  const first = page({ limit: 2 });
  assert.deepEqual(
    first.items.map((r) => r.name),
    ['admin', 'alpha'],
  );
  assert.deepEqual(
    page({ limit: 2, after: first.next! }).items.map((r) => r.name),
    ['beta', 'billing'],
  );
  assert.deepEqual(
    page({ search: ' BILL ' }).items.map((r) => r.name),
    ['billing', 'gamma'],
  );
  // A cursor past a name that has since gone still goes on after it.
  assert.deepEqual(
    page({ after: encodeCursor(['b']) }).items.map((r) => r.name),
    ['beta', 'billing', 'gamma'],
  );
  assert.deepEqual(page({ after: encodeCursor(['zzz']) }), { items: [], next: null });
  const all = await everyPage(async (after) => page({ limit: 2, ...(after ? { after } : {}) }));
  assert.deepEqual(all, roles);
});
