import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientDirectory, UNKNOWN_CLIENTS_REMEMBERED } from '../../../src/oauth/client-directory.js';
import type { RecordCacheOptions, RecordCaches } from '../../../src/ports/caches.js';
import type { Client } from '../../../src/ports/clients.js';

/** A client record with every setting at its default, changed by `changes`. */
const client = (clientId: string, changes: Partial<Client> = {}): Client => ({
  clientId, name: clientId, description: '', roles: [], scopes: [], grantTypes: ['client_credentials'],
  tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: [], postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'RS256',
  skipConsent: false, introspection: false, accessTokenTtl: null, revokedAt: null, createdAt: 0, updatedAt: 0,
  secretHash: null, previousSecretHash: null, previousSecretExpiresAt: null,
  ...changes,
});

/** The directory over in-memory ports; its cache loads every time and keeps the options it was made with. */
function directoryOf(clients: Client[], roles: Record<string, string[]>) {
  const made: RecordCacheOptions[] = [];
  const caches: RecordCaches = (load, options) => {
    made.push(options);
    return { get: load };
  };
  const records = { get: async (clientId: string) => clients.find((candidate) => candidate.clientId === clientId) };
  const roleScopes = {
    scopesOf: async (names: readonly string[]) => new Map(names.filter((name) => name in roles).map((name) => [name, roles[name]!])),
  };
  return { directory: new ClientDirectory(records, roleScopes, caches), made };
}

describe('ClientDirectory', () => {
  test("a client may be given its own scopes and its roles' scopes; an unknown role adds nothing", async () => {
    const { directory } = directoryOf([client('billing', { roles: ['reader', 'gone'], scopes: ['invoices:write'] })], {
      reader: ['invoices:read', 'customers:read'],
      writer: ['customers:write'],
    });
    const found = await directory.find('billing');
    assert.equal(found?.client.clientId, 'billing');
    assert.deepEqual([...found!.allowedScopes].sort(), ['customers:read', 'invoices:read', 'invoices:write']);
  });

  test('an unknown client is not found; a revoked one is, with when it was revoked', async () => {
    const { directory } = directoryOf([client('old', { revokedAt: 1_700_000_000 })], {});
    assert.equal(await directory.find('nobody'), undefined);
    assert.equal((await directory.find('old'))?.client.revokedAt, 1_700_000_000);
  });

  test('unknown client_ids are cached too, so that a miss costs what a hit costs', () => {
    const { made } = directoryOf([], {});
    assert.equal(made.length, 1);
    assert.equal(made[0]!.maxMissEntries, UNKNOWN_CLIENTS_REMEMBERED);
  });
});
