import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

for (const backend of backends()) {
  describe(`the front page of each issuer (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      await createTenants(server, 'acme');
    });
    after(() => server.close());

    const page = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^text\/html/);
      assert.match(response.headers.get('content-security-policy')!, /default-src 'none'/);
      return response.text();
    };

    test('/ links the console, the playground, discovery, the account page and the OpenAPI document; a first run points to the setup page and the CLI', async () => {
      const first = await page('/');
      for (const href of ['/console/', '/playground/', '/.well-known/openid-configuration', '/account', '/openapi.json']) {
        assert.ok(first.includes(`href="${href}"`), href);
      }
      assert.match(
        first,
        /There is no administrator yet\. <a href="\/setup">Set up Gatehouse<\/a> with the setup code the server printed when it started \(none is needed in a browser on its machine\), or create one on that machine with <code>npm exec -- gatehouse users create --username admin --admin<\/code>/,
      );
      const { management } = server.server.gatehouse;
      await management.users.createUser({
        username: 'ada',
        password: 'staple battery horse',
        roles: [await management.roles.ensureAdminRole()],
      });
      assert.doesNotMatch(await page('/'), /no administrator yet/);
    });

    test("a tenant's front page links its own console, playground, discovery and account page, and names --tenant", async () => {
      const acme = await page('/t/acme/');
      for (const href of ['/t/acme/console/', '/t/acme/playground/', '/t/acme/.well-known/openid-configuration', '/t/acme/account']) {
        assert.ok(acme.includes(`href="${href}"`), href);
      }
      assert.doesNotMatch(acme, /href="\/playground|openapi\.json/, "the platform's document and playground are the root's");
      assert.match(acme, /<strong>http:\/\/127\.0\.0\.1:\d+\/t\/acme<\/strong>/);
      assert.match(acme, /--admin --tenant acme<\/code>/);
      assert.equal((await fetch(`${server.url}/t/nobody/`)).status, 404);
    });
  });
}
