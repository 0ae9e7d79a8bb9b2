import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminApi, adminApi, adminMachine, assertAdminError } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouse, gatehouseJson, migratedStoreForSuite } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** What a newcomer types instead of a redirect URI, and what the refusal must suggest (RFC 9700 §2.1: absolute URIs). */
const MISTAKES: [string, RegExp][] = [
  ['localhost:3000', /has no scheme: did you mean "http:\/\/localhost:3000"\?/],
  ['localhost:3000/callback', /has no scheme: did you mean "http:\/\/localhost:3000\/callback"\?/],
  ['127.0.0.1:8080/cb', /has no scheme: did you mean "http:\/\/127\.0\.0\.1:8080\/cb"\?/],
  ['example.com/cb', /has no scheme: did you mean "https:\/\/example\.com\/cb"\?/],
  ['app.example.com:8443', /has no scheme: did you mean "https:\/\/app\.example\.com:8443"\?/],
  ['/cb', /is not an absolute URI: give the full address .*"https:\/\/app\.example\.com\/cb"/],
  ['callback', /is not an absolute URI: give the full address .*"https:\/\/app\.example\.com\/callback"/],
  ['https:/cb', /must be written as https:\/\/host\/path/],
  ['http:localhost:3000/cb', /must be written as http:\/\/host\/path, e\.g\. "http:\/\/localhost:3000\/cb"/],
];
/** Still accepted: today's rules (https, http for loopback, private-use schemes for native apps). */
const ACCEPTED = ['https://app.example.com/cb', 'http://localhost:3000', 'http://[::1]:8080/cb', 'com.example.app:/oauth2redirect'];

const webClient = (uri: string, field: 'redirect_uris' | 'post_logout_redirect_uris') => ({
  name: 'Newcomer app',
  grant_types: ['authorization_code'],
  redirect_uris: field === 'redirect_uris' ? [uri] : ['https://app.example.com/cb'],
  ...(field === 'post_logout_redirect_uris' ? { post_logout_redirect_uris: [uri] } : {}),
});

for (const backend of backends()) {
  describe(`redirect URI registration over the admin API (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    before(async () => {
      server = await startTestServer(backend);
      api = adminApi(server, (await adminMachine(server, 'Admin robot')).token);
    });
    after(() => server.close());

    const clientIds = async () =>
      ((await api('GET', '/admin/clients')).body as { clients: { client_id: string }[] }).clients.map((c) => c.client_id).sort();

    test('a relative or scheme-less URI is refused with 400 invalid_request that shows the fix, and nothing is stored', async () => {
      const before = await clientIds();
      for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
        for (const [uri, message] of MISTAKES) {
          assertAdminError(await api('POST', '/admin/clients', webClient(uri, field)), 400, 'invalid_request', message);
        }
      }
      assert.deepEqual(await clientIds(), before);
    });

    test('changing a client to such a URI is refused and leaves its URIs as they were', async () => {
      const created = await api('POST', '/admin/clients', webClient('https://app.example.com/cb', 'redirect_uris'));
      assert.equal(created.status, 201, created.text);
      const id = (created.body as { client: { client_id: string } }).client.client_id;
      for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
        for (const [uri, message] of MISTAKES) {
          assertAdminError(await api('PATCH', `/admin/clients/${id}`, { [field]: [uri] }), 400, 'invalid_request', message);
        }
      }
      const stored = (await api('GET', `/admin/clients/${id}`)).body as {
        client: { redirect_uris: string[]; post_logout_redirect_uris: string[] };
      };
      assert.deepEqual([stored.client.redirect_uris, stored.client.post_logout_redirect_uris], [['https://app.example.com/cb'], []]);
    });

    test('absolute https, loopback http and private-use URIs are still accepted', async () => {
      const answer = await api('POST', '/admin/clients', {
        name: 'Good app',
        grant_types: ['authorization_code'],
        redirect_uris: ACCEPTED,
        post_logout_redirect_uris: ACCEPTED,
      });
      assert.equal(answer.status, 201, answer.text);
      const { client } = answer.body as { client: { redirect_uris: string[]; post_logout_redirect_uris: string[] } };
      assert.deepEqual([client.redirect_uris, client.post_logout_redirect_uris], [ACCEPTED, ACCEPTED]);
    });
  });

  describe(`redirect URI registration on the CLI (${backend.name})`, () => {
    const storeEnv = migratedStoreForSuite(backend);

    test('clients create with a scheme-less URI exits 1 with the fix on stderr, and creates nothing', async () => {
      const env = storeEnv();
      const cases: [string, string, RegExp][] = [
        ['--redirect-uris', 'localhost:3000', /redirect URI "localhost:3000" has no scheme: did you mean "http:\/\/localhost:3000"\?/],
        ['--redirect-uris', '/cb', /redirect URI "\/cb" is not an absolute URI/],
        [
          '--post-logout-redirect-uris',
          'example.com/bye',
          /redirect URI "example\.com\/bye" has no scheme: did you mean "https:\/\/example\.com\/bye"\?/,
        ],
      ];
      for (const [option, uri, message] of cases) {
        const extra = option === '--redirect-uris' ? [] : ['--redirect-uris', 'https://app.example.com/cb'];
        const result = await gatehouse(
          env,
          'clients',
          'create',
          '--name',
          'Newcomer app',
          '--grant-types',
          'authorization_code',
          option,
          uri,
          ...extra,
        );
        assert.equal(result.code, 1, `${option} ${uri}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
      }
      assert.deepEqual(await gatehouseJson(env, 'clients', 'list'), []);
    });
  });
}
