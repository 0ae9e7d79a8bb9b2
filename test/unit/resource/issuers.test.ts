import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IssuerRule, matchIssuer } from '@gatehouse/resource';

const PATH = { pattern: 'https://auth.example.com/t/{tenant}' };
const HOST = { pattern: 'https://{tenant}.auth.example.com' };

test('a path pattern matches the issuer of any tenant id and names the tenant', () => {
  assert.deepEqual(matchIssuer(PATH, 'https://auth.example.com/t/acme'), { issuer: 'https://auth.example.com/t/acme', tenant: 'acme' });
  assert.deepEqual(matchIssuer(PATH, 'https://auth.example.com/t/a'), { issuer: 'https://auth.example.com/t/a', tenant: 'a' });
  const longest = 'a'.repeat(32);
  assert.equal(matchIssuer(PATH, `https://auth.example.com/t/${longest}`)?.tenant, longest);
  assert.equal(matchIssuer(PATH, 'https://auth.example.com/t/acme-2')?.tenant, 'acme-2');
});

test('a host pattern matches the issuer of any tenant id and names the tenant', () => {
  assert.deepEqual(matchIssuer(HOST, 'https://acme.auth.example.com'), { issuer: 'https://acme.auth.example.com', tenant: 'acme' });
});

test('anything but a whole tenant id in the placeholder, or other text around it, matches nothing', () => {
  const refused = [
    'https://auth.example.com/t/acme/../x',
    'https://auth.example.com/t/acme/',
    'https://auth.example.com/t/acme.evil.com',
    'https://auth.example.com/t/acme?x=1',
    'https://auth.example.com/t/acme#x',
    'https://auth.example.com/t/ACME',
    'https://auth.example.com/t/acme%2F..',
    'https://auth.example.com/t/',
    'https://auth.example.com/t',
    'https://auth.example.com',
    'https://auth.example.com/t/-acme',
    'https://auth.example.com/t/acme-',
    'https://auth.example.com/t/ac_me',
    `https://auth.example.com/t/${'a'.repeat(33)}`,
    'https://auth.example.com.evil.com/t/acme',
    'http://auth.example.com/t/acme',
    ' https://auth.example.com/t/acme',
    'https://auth.example.com/t/acme ',
    'https://auth.example.com/t/ac\u0000me',
    '',
  ];
  for (const iss of refused) assert.equal(matchIssuer(PATH, iss), undefined, iss);
  for (const iss of [
    'https://evil.com/.auth.example.com',
    'https://evil.com#.auth.example.com',
    'https://a@evil.com?.auth.example.com',
    'https://acme.evil.auth.example.com',
    'https://.auth.example.com',
    'https://acme.auth.example.com/',
    'https://acme.auth.example.com:443',
  ]) {
    assert.equal(matchIssuer(HOST, iss), undefined, iss);
  }
});

test('an iss that is not a string matches nothing', () => {
  for (const iss of [undefined, null, 42, ['https://auth.example.com/t/acme'], { toString: () => 'https://auth.example.com/t/acme' }]) {
    assert.equal(matchIssuer(PATH, iss), undefined);
  }
});

test('a list is tried in order: exact issuers, tenant issuers and patterns side by side', () => {
  const rules: IssuerRule[] = ['https://other.example.com', { issuer: 'https://auth.example.com', tenant: 'default' }, PATH];
  assert.deepEqual(matchIssuer(rules, 'https://other.example.com'), { issuer: 'https://other.example.com' });
  assert.deepEqual(matchIssuer(rules, 'https://auth.example.com'), { issuer: 'https://auth.example.com', tenant: 'default' });
  assert.deepEqual(matchIssuer(rules, 'https://auth.example.com/t/beta'), { issuer: 'https://auth.example.com/t/beta', tenant: 'beta' });
  assert.equal(matchIssuer(rules, 'https://auth.example.com/'), undefined, 'exact means exact: no trailing slash');
  assert.equal(matchIssuer([], 'https://auth.example.com'), undefined);
});

test('a malformed rule is a TypeError, not a refused token', () => {
  const malformed: IssuerRule[] = [
    { pattern: 'https://auth.example.com/t/' },
    { pattern: 'https://{tenant}.auth.example.com/t/{tenant}' },
    { pattern: 'https://auth.example.com/{org}/{tenant}' },
    { pattern: 'https://auth.example.com/t/{tenant}}' },
    { pattern: '{tenant}' },
    { pattern: 'https://auth.example.com/t/{tenant}?x' },
    { pattern: 'https://auth.example.com/t/{tenant}#' },
    { issuer: 'https://auth.example.com', tenant: 'Not A Tenant' },
  ];
  for (const rule of malformed) assert.throws(() => matchIssuer(rule, 'https://auth.example.com'), TypeError, JSON.stringify(rule));
});
