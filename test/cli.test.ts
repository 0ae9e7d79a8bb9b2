import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { nowSeconds } from '../src/ports/clock.js';
import { sha256Hex } from '../src/tokens/hash.js';
import { backends } from './helpers/backends.js';
import { eventually, freshStoreEnv, gatehouse, gatehouseJson, type ServeProcess, spawnServe } from './helpers/cli.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';

const CLIENT_SECRET = /^gate_cs_[0-9A-Za-z]{49}$/;
/** Fields every printed client has (more may be added); none of them a secret or a hash. */
const CLIENT_VIEW_FIELDS = [
  'client_id',
  'created_at',
  'grant_types',
  'name',
  'redirect_uris',
  'roles',
  'scope',
  'status',
  'token_endpoint_auth_method',
];
const hasClientFields = (view: Record<string, unknown>) => {
  for (const field of CLIENT_VIEW_FIELDS) assert.ok(field in view, `a printed client has ${field}`);
  assert.deepEqual(
    Object.keys(view).filter((key) => /hash/i.test(key)),
    [],
    'no hash fields',
  );
};

/** POSTs the token endpoint the way the quick start does: a form body with the secret in it. */
async function requestToken(baseUrl: string, clientId: string, clientSecret: string) {
  const response = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const within = (actual: number | null, expected: number, slack = 3) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= slack, `${actual} is not within ${slack} s of ${expected}`);

describe('CLI --version', () => {
  test('--version and -V print the version in package.json, without opening a store', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.match(version, /^\d+\.\d+\.\d+/);
    // A data dir that cannot be created: the version must not depend on a store.
    const env = { GATEHOUSE_DATA_DIR: '/proc/no-such-gatehouse-dir' };
    for (const flag of ['--version', '-V']) {
      assert.deepEqual(await gatehouse(env, flag), { code: 0, stdout: `${version}\n`, stderr: '' }, flag);
    }
  });
});

for (const backend of backends()) {
  describe(`CLI --json output and errors (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let env: Record<string, string>;
    let client: { client_id: string; client_secret: string };
    before(async () => {
      env = await freshStoreEnv(backend, cleanup);
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    test('migrate --json reports the applied migrations, the dialect and the schema version, then that none is left', async () => {
      const first = await gatehouseJson(env, 'migrate');
      assert.equal(first.dialect, backend.name);
      assert.equal(first.applied[0], '0001_core');
      assert.ok(
        first.applied.every((name: string) => /^\d{4}_\w+$/.test(name)),
        first.applied.join(),
      );
      assert.equal(first.schema_version, first.applied.at(-1));
      assert.deepEqual(await gatehouseJson(env, 'migrate'), { applied: [], dialect: backend.name, schema_version: first.schema_version });
    });

    test('roles create and list --json', async () => {
      const role = await gatehouseJson(
        env,
        'roles',
        'create',
        '--name',
        'reader',
        '--scopes',
        'demo:read  orders:read',
        '--description',
        'Reads',
      );
      assert.equal(role.name, 'reader');
      assert.deepEqual(role.scopes, ['demo:read', 'orders:read']);
      const roles = await gatehouseJson(env, 'roles', 'list');
      assert.deepEqual(
        roles.map((r: { name: string; scopes: string[] }) => [r.name, r.scopes]),
        [['reader', ['demo:read', 'orders:read']]],
      );
    });

    test('apis create and list --json', async () => {
      const api = await gatehouseJson(
        env,
        'apis',
        'create',
        '--identifier',
        'https://orders.example.com',
        '--name',
        'Orders',
        '--scopes',
        'orders:read',
      );
      assert.deepEqual([api.identifier, api.name, api.scopes], ['https://orders.example.com', 'Orders', ['orders:read']]);
      const apis = await gatehouseJson(env, 'apis', 'list');
      assert.equal(apis.default, 'http://localhost:4444/api');
      assert.deepEqual(
        apis.apis.map((a: { identifier: string }) => a.identifier),
        ['https://orders.example.com'],
      );
    });

    test('errors go to stderr with a non-zero exit and nothing on stdout', async () => {
      const cases: [string[], RegExp][] = [
        [['clients', 'create', '--name', 'Ghost', '--roles', 'no-such-role', '--json'], /unknown role: no-such-role/],
        [['clients', 'get', '00000000-0000-4000-8000-000000000000', '--json'], /no client with id "00000000-0000-4000-8000-000000000000"/],
        [['clients', 'create', '--roles', 'reader', '--json'], /required option '--name <name>' not specified/],
        [
          ['clients', 'create', '--name', 'Short', '--access-token-ttl', '10', '--json'],
          /--access-token-ttl.*'10' is invalid.*60 to 86400/,
        ],
        [['frobnicate', '--json'], /unknown command 'frobnicate'/],
      ];
      const results = await Promise.all(cases.map(([args]) => gatehouse(env, ...args)));
      results.forEach((result, i) => {
        const [args, message] = cases[i]!;
        assert.notEqual(result.code, 0, `${args.join(' ')} must fail`);
        assert.equal(result.stdout, '', `${args.join(' ')} printed on stdout`);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
      });
    });

    test('clients create, list and get --json; the secret is printed once', async () => {
      client = await gatehouseJson(env, 'clients', 'create', '--name', 'Billing', '--roles', 'reader', '--scopes', 'extra:write');
      assert.match(client.client_id, /^[0-9a-f-]{36}$/);
      assert.match(client.client_secret, CLIENT_SECRET);
      hasClientFields(client);
      assert.deepEqual((client as any).roles, ['reader']);
      assert.equal((client as any).scope, 'extra:write');
      assert.deepEqual((client as any).grant_types, ['client_credentials']);

      const list = await gatehouseJson(env, 'clients', 'list');
      assert.deepEqual(
        list.map((c: { client_id: string; name: string }) => [c.client_id, c.name]),
        [[client.client_id, 'Billing']],
        'the failed create left nothing',
      );
      const got = await gatehouse(env, 'clients', 'get', client.client_id, '--json');
      assert.equal(got.code, 0, got.stderr);
      const view = JSON.parse(got.stdout);
      hasClientFields(view);
      assert.equal('client_secret' in view, false);
      assert.equal(view.status, 'active');
      for (const leak of [client.client_secret, sha256Hex(client.client_secret), '"secret_hash"', '"client_secret"']) {
        assert.ok(!got.stdout.includes(leak) && !JSON.stringify(list).includes(leak), `clients get/list print ${leak}`);
      }
    });

    test('keys list and rotate --json', async () => {
      const keys = await gatehouseJson(env, 'keys', 'list');
      assert.deepEqual(keys.map((k: { alg: string; status: string }) => `${k.alg}:${k.status}`).sort(), ['ES256:active', 'RS256:active']);
      const rotated = await gatehouseJson(env, 'keys', 'rotate', '--yes');
      assert.deepEqual(
        rotated.map((r: { alg: string; retired: string }) => [r.alg, r.retired]).sort(),
        keys.map((k: { alg: string; kid: string }) => [k.alg, k.kid]).sort(),
      );
      const listed = await gatehouseJson(env, 'keys', 'list');
      assert.equal(listed.length, 4);
      for (const key of listed) {
        const wasRotated = rotated.some((r: { retired: string }) => r.retired === key.kid);
        assert.equal(key.status, wasRotated ? 'retired' : 'active');
        if (wasRotated)
          assert.ok(key.publish_until >= nowSeconds() + 1800 + 60 - 5, 'published at least as long as its access tokens live');
        else assert.ok(rotated.some((r: { kid: string }) => r.kid === key.kid));
      }
    });

    test('clients rotate-secret and revoke --json', async () => {
      const rotated = await gatehouseJson(env, 'clients', 'rotate-secret', client.client_id, '--yes');
      assert.equal(rotated.client_id, client.client_id);
      assert.match(rotated.client_secret, CLIENT_SECRET);
      assert.notEqual(rotated.client_secret, client.client_secret);
      within(rotated.previous_secret_expires_at, nowSeconds() + 86400);
      const revoked = await gatehouseJson(env, 'clients', 'revoke', client.client_id, '--yes');
      assert.equal(revoked.status, 'revoked');
      within(revoked.revoked_at, nowSeconds());
    });
  });

  describe(`CLI rotate-secret against a running server (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
      await server.createRole('reader', ['demo:read']);
    });
    after(() => server?.close());

    test('the old secret works during the grace period, and not at all with --grace 0', async () => {
      const { clientId, clientSecret: original } = await server.createClient({ name: 'Rotating', roles: ['reader'] });
      const first = await gatehouseJson(server.env, 'clients', 'rotate-secret', clientId, '--yes');
      assert.match(first.client_secret, CLIENT_SECRET);
      assert.equal((await requestToken(server.url, clientId, original)).status, 200, 'old secret during the grace period');
      assert.equal((await requestToken(server.url, clientId, first.client_secret)).status, 200, 'new secret');

      const second = await gatehouseJson(server.env, 'clients', 'rotate-secret', clientId, '--grace', '0', '--yes');
      assert.equal(second.previous_secret_expires_at, null);
      for (const stale of [original, first.client_secret]) {
        const refused = await requestToken(server.url, clientId, stale);
        assert.deepEqual([refused.status, refused.body.error], [401, 'invalid_client']);
      }
      assert.equal((await requestToken(server.url, clientId, second.client_secret)).status, 200);
    });
  });

  describe(`quick start: gatehouse serve and the CLI side by side (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let serve: ServeProcess | undefined;
    let env: Record<string, string>;
    after(async () => {
      await serve?.stop();
      for (const step of cleanup.reverse()) await step();
    });

    test('create a role and a client, get a token, call the demo API, revoke the client', async () => {
      // SQLite as a new user runs it: no secret, so one is generated into the data dir. PostgreSQL needs one shared secret.
      env = { ...(await freshStoreEnv(backend, cleanup, { secret: backend.name === 'postgres' })), PORT: String(await freePort()) };
      serve = await spawnServe(env, `http://127.0.0.1:${env.PORT}`);
      const health = (await (await fetch(`${serve.url}/health`)).json()) as any;
      assert.deepEqual([health.status, health.database.ok, health.database.dialect], ['ok', true, backend.name]);
      // The first run says where the console is and how the first administrator is made.
      const running = serve;
      const started = await eventually(
        async () => running.output(),
        (output) => output.includes('No administrator yet'),
      );
      assert.match(started, /"Console: http:\/\/localhost:\d+\/console\/ \(front page: http:\/\/localhost:\d+\/\)"/);
      assert.match(
        started,
        /No administrator yet: open http:\/\/localhost:\d+\/setup and enter the setup code [0-9A-Z-]{34} \(valid for one hour, until [^)]+\), or create one with \\"npm exec -- gatehouse users create --username admin --admin\\"/,
      );

      const masterKey = join(env.GATEHOUSE_DATA_DIR!, 'master.key');
      if (backend.name === 'sqlite') {
        assert.equal(statSync(masterKey).mode & 0o777, 0o600, 'master.key must be readable by its owner only');
        assert.ok(statSync(join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.sqlite')).size > 0);
      } else {
        assert.equal(existsSync(masterKey), false, 'with GATEHOUSE_SECRET no key file is written');
      }

      const role = await gatehouse(env, 'roles', 'create', '--name', 'reader', '--scopes', 'demo:read');
      assert.equal(role.code, 0, role.stderr);
      assert.match(role.stdout, /Created role "reader" with scopes: demo:read/);
      const { client_id: clientId, client_secret: clientSecret } = await gatehouseJson(
        env,
        'clients',
        'create',
        '--name',
        'Billing',
        '--roles',
        'reader',
      );
      assert.match(clientSecret, CLIENT_SECRET);

      const issued = await requestToken(serve.url, clientId, clientSecret);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      assert.deepEqual([issued.body.token_type, issued.body.expires_in, issued.body.scope], ['Bearer', 1800, 'demo:read']);
      const claims = decodeJwt(issued.body.access_token);
      assert.equal(claims.exp! - claims.iat!, 1800);
      assert.equal(claims.iss, `http://localhost:${env.PORT}`);
      const whoami = () => fetch(`${serve!.url}/api/demo/whoami`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
      const allowed = await whoami();
      assert.equal(allowed.status, 200);
      assert.deepEqual(await allowed.json(), { sub: clientId, client_id: clientId, scope: 'demo:read', tenant: 'default' });

      const revoked = await gatehouse(env, 'clients', 'revoke', clientId, '--yes');
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`Revoked app client ${clientId}`));
      const refused = await whoami();
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.equal(((await refused.json()) as { error: string }).error, 'invalid_token');
      const again = await requestToken(serve.url, clientId, clientSecret);
      assert.deepEqual([again.status, again.body.error], [401, 'invalid_client']);
    });
  });
}
