import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bearerChallenge,
  InvalidTokenError,
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
} from '@gatehouse/resource';

test('the metadata URL inserts the well-known path between host and path (RFC 9728 §3.1)', () => {
  assert.equal(protectedResourceMetadataUrl('https://api.example.com'), 'https://api.example.com/.well-known/oauth-protected-resource');
  assert.equal(protectedResourceMetadataUrl('https://api.example.com/'), 'https://api.example.com/.well-known/oauth-protected-resource');
  assert.equal(
    protectedResourceMetadataUrl('https://api.example.com:8443/v1/orders'),
    'https://api.example.com:8443/.well-known/oauth-protected-resource/v1/orders',
  );
  assert.equal(
    protectedResourceMetadataUrl('https://api.example.com/x?tenant=a'),
    'https://api.example.com/.well-known/oauth-protected-resource/x?tenant=a',
  );
  assert.equal(protectedResourceMetadataPath('https://api.example.com/v1'), '/.well-known/oauth-protected-resource/v1');
  assert.equal(protectedResourceMetadataUrl('http://localhost:3000/api'), 'http://localhost:3000/.well-known/oauth-protected-resource/api');
});

test('a resource identifier with a fragment, or plain http off loopback, is refused (RFC 9728 §1.2)', () => {
  assert.throws(() => protectedResourceMetadataUrl('https://api.example.com/#x'), /fragment/);
  assert.throws(() => protectedResourceMetadataUrl('https://api.example.com/a#'), /fragment/);
  assert.throws(() => protectedResourceMetadata({ resource: 'http://api.example.com' }), /https/);
  assert.throws(() => protectedResourceMetadata({ resource: 'not a url' }), TypeError);
});

test('the metadata document names the resource exactly and its authorization servers (RFC 9728 §2, §3.3)', () => {
  assert.deepEqual(
    protectedResourceMetadata({
      resource: 'https://api.example.com/orders',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['orders:read', 'orders:write'],
      resourceName: 'Orders',
      resourceDocumentation: new URL('https://docs.example.com/orders'),
    }),
    {
      resource: 'https://api.example.com/orders',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['orders:read', 'orders:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Orders',
      resource_documentation: 'https://docs.example.com/orders',
    },
  );
  assert.deepEqual(protectedResourceMetadata({ resource: 'https://api.example.com' }), {
    resource: 'https://api.example.com',
    bearer_methods_supported: ['header'],
  });
});

test('a challenge names the metadata document in resource_metadata (RFC 9728 §5.1), bare or with an error', () => {
  const resourceMetadata = protectedResourceMetadataUrl('https://api.example.com/orders');
  assert.deepEqual(bearerChallenge('orders', undefined, { resourceMetadata }), {
    status: 401,
    wwwAuthenticate: `Bearer realm="orders", resource_metadata="${resourceMetadata}"`,
  });
  assert.equal(
    bearerChallenge('orders', new InvalidTokenError('the token has expired'), { resourceMetadata }).wwwAuthenticate,
    `Bearer realm="orders", resource_metadata="${resourceMetadata}", error="invalid_token", error_description="the token has expired"`,
  );
  assert.equal(bearerChallenge('orders').wwwAuthenticate, 'Bearer realm="orders"');
});
