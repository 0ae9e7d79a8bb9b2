import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tenant } from '../../../src/ports/tenants.js';
import { TenantDirectory } from '../../../src/tenants/directory.js';

const tenant = (id: string, changes: Partial<Tenant> = {}): Tenant => ({
  id,
  name: id,
  status: 'active',
  settings: {},
  quotas: {},
  allowedScopes: null,
  createdAt: 1,
  updatedAt: 1,
  suspendedAt: null,
  ...changes,
});

/** A directory over a Map of records, counting how often each tenant's services were built. */
function directoryOver(records: Map<string, Tenant>, limit = 10) {
  const builds: string[] = [];
  const directory = new TenantDirectory(
    { get: async (id: string) => records.get(id) && { ...records.get(id)! } },
    async (record: Tenant) => {
      builds.push(record.id);
      return { tenant: record };
    },
    limit,
  );
  return { directory, builds };
}

describe('TenantDirectory', () => {
  test('builds a tenant once, on first use, and only a tenant that exists', async () => {
    const { directory, builds } = directoryOver(new Map([['acme', tenant('acme')]]));
    assert.deepEqual(builds, [], 'nothing is built before it is asked for');
    const first = await directory.open('acme');
    const second = await directory.open('acme');
    assert.equal(first, second);
    assert.deepEqual(builds, ['acme']);
    assert.equal(await directory.open('nobody'), undefined);
  });

  test('a changed record (a suspension, new settings) gets services built from it at the next open', async () => {
    const records = new Map([['acme', tenant('acme')]]);
    const { directory, builds } = directoryOver(records);
    await directory.open('acme');
    records.set('acme', tenant('acme', { status: 'suspended', suspendedAt: 2 }));
    assert.equal((await directory.open('acme'))?.tenant.status, 'suspended');
    records.set('acme', tenant('acme'));
    assert.equal((await directory.open('acme'))?.tenant.status, 'active', 'resumed within the same second still counts');
    assert.deepEqual(builds, ['acme', 'acme', 'acme']);
    records.delete('acme');
    assert.equal(await directory.open('acme'), undefined, 'a deleted tenant is gone');
  });

  test('keeps at most `limit` tenants built, dropping the least recently used', async () => {
    const records = new Map(['a', 'b', 'c'].map((id) => [id, tenant(id)]));
    const { directory, builds } = directoryOver(records, 2);
    await directory.open('a');
    await directory.open('b');
    await directory.open('a');
    await directory.open('c');
    await directory.open('a');
    assert.deepEqual(builds, ['a', 'b', 'c'], '"a" was used last and stayed');
    await directory.open('b');
    assert.deepEqual(builds, ['a', 'b', 'c', 'b'], '"b" was dropped and is built again');
  });

  test('a build that fails is not kept: the next open tries again', async () => {
    let fail = true;
    const directory = new TenantDirectory(
      { get: async () => tenant('acme') },
      async (record: Tenant) => {
        if (fail) throw new Error('store unavailable');
        return { tenant: record };
      },
      10,
    );
    await assert.rejects(directory.open('acme'), /store unavailable/);
    fail = false;
    assert.equal((await directory.open('acme'))?.tenant.id, 'acme');
  });
});
