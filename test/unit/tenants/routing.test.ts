import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TenantRouting } from '../../../src/tenants/routing.js';

describe('TenantRouting', () => {
  test('path routing: the default tenant is the issuer itself, others are {issuer}/t/{id}', () => {
    const routing = new TenantRouting('https://auth.example.com', undefined);
    assert.equal(routing.issuerOf('default'), 'https://auth.example.com');
    assert.equal(routing.issuerOf('acme'), 'https://auth.example.com/t/acme');
    assert.equal(routing.tenantOfHost('acme.auth.example.com'), 'default', 'without host routing every host is the default tenant');
  });

  test('host routing: {scheme}://{id}.{domain} with the issuer port and path', () => {
    const routing = new TenantRouting('http://localhost:4444', 'auth.test');
    assert.equal(routing.issuerOf('acme'), 'http://acme.auth.test:4444');
    assert.equal(routing.issuerOf('default'), 'http://localhost:4444');
    assert.equal(
      new TenantRouting('https://auth.example.com/sso', 'auth.example.com').issuerOf('acme'),
      'https://acme.auth.example.com/sso',
    );
  });

  test('the tenant of a host: the label before the domain when it can be a tenant id, null when it cannot', () => {
    const routing = new TenantRouting('https://auth.example.com', 'auth.example.com');
    assert.equal(routing.tenantOfHost('acme.auth.example.com'), 'acme');
    assert.equal(routing.tenantOfHost('ACME.Auth.Example.com'), 'acme', 'hosts are case-insensitive');
    assert.equal(routing.tenantOfHost('auth.example.com'), 'default', "the operator's own host");
    assert.equal(routing.tenantOfHost('other.example.org'), 'default');
    for (const host of [
      'default.auth.example.com',
      'a.b.auth.example.com',
      'bad_id.auth.example.com',
      '-x.auth.example.com',
      '.auth.example.com',
    ]) {
      assert.equal(routing.tenantOfHost(host), null, host);
    }
    assert.equal(routing.tenantOfHost('evilauth.example.com'), 'default', 'a look-alike host is not under the domain');
  });
});
