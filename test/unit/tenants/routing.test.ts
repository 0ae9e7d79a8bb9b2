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

  test('the tenant of an issuer: the inverse of issuerOf, and null for every issuer that is no tenant of this server', () => {
    const path = new TenantRouting('https://auth.example.com', undefined);
    assert.equal(path.tenantOfIssuer('https://auth.example.com'), 'default');
    assert.equal(path.tenantOfIssuer('https://auth.example.com/t/acme'), 'acme');
    for (const issuer of [
      'https://auth.example.com/t/default',
      'https://auth.example.com/t/Acme',
      'https://auth.example.com/t/acme/',
      'https://auth.example.com/t/acme/x',
      'https://auth.example.com/t/',
      'https://auth.example.com.evil.test/t/acme',
      'https://evil.test/t/acme',
    ]) {
      assert.equal(path.tenantOfIssuer(issuer), null, issuer);
    }
    const host = new TenantRouting('http://localhost:4444', 'auth.test');
    assert.equal(host.tenantOfIssuer('http://acme.auth.test:4444'), 'acme');
    assert.equal(host.tenantOfIssuer('http://localhost:4444'), 'default');
    for (const issuer of ['http://acme.auth.test:4445', 'https://acme.auth.test:4444', 'http://default.auth.test:4444', 'not a url']) {
      assert.equal(host.tenantOfIssuer(issuer), null, issuer);
    }
  });
});
