import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryGrants } from '../../../../src/memory/grants.js';
import { GRANTS, type GrantServices } from '../../../../src/oauth/grants/index.js';
import { audiences, fake } from '../../support.js';

test('the registry makes one handler per grant type, in the order discovery lists them, from the shared services', () => {
  const services: GrantServices = {
    grants: new MemoryGrants(),
    userTokens: fake<GrantServices['userTokens']>({}),
    accessTokens: fake<GrantServices['accessTokens']>({}),
    audiences: audiences(),
    audit: fake<GrantServices['audit']>({}),
    refreshReuseWindow: 10,
    refreshFamilyLifetime: 86_400,
    defaultAccessTokenTtl: 300,
  };
  const handlers = GRANTS.map((grant) => grant(services));
  assert.deepEqual(
    handlers.map((handler) => handler.grantType),
    ['authorization_code', 'refresh_token', 'client_credentials'],
  );
});
