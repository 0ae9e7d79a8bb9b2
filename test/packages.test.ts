import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { postgresUrl } from './helpers/backends.js';
import { isolatedEnv, type ServeProcess, spawnServe } from './helpers/cli.js';
import { createPostgresDatabase, freePort } from './helpers/server.js';
import { basicAuth, type Credentials } from './helpers/tokens.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(await readFile(join(repository, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/**
 * npm's environment without what `npm test` exports about this checkout (npm_package_*, npm_config_local_prefix…),
 * so the scratch project's npm sees only itself; the registry, cache and user config stay as the user has them.
 */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') || keep.has(name)));
  return { ...env, ...extra };
}

const npm = (cwd: string, args: string[], extra: Record<string, string> = {}) =>
  run('npm', args, { cwd, env: npmEnv(extra), maxBuffer: 16 << 20 });

/** `npm pack` of one package of this checkout (already built by `npm test`) into `destination`; the tarball's path. */
async function pack(destination: string, workspace?: string): Promise<string> {
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...(workspace ? ['-w', workspace] : [])];
  const [packed] = JSON.parse((await npm(repository, args)).stdout) as { filename: string }[];
  return join(destination, packed!.filename);
}

// Two tiny resource servers as a user of the kit writes them: plain JavaScript, importing the installed package.
const EXPRESS_APP = `
import express from 'express';
import { expressBearer, remoteJwks } from '@gatehouse/resource';
const { ISSUER, PORT } = process.env;
const keys = remoteJwks(ISSUER + '/.well-known/jwks.json');
const cors = { origins: [ISSUER] };
const app = express();
app.use('/orders', expressBearer({ realm: 'orders', issuer: ISSUER, audience: ISSUER + '/api', keys, requiredScopes: ['orders:read'], cors }));
app.get('/orders', (req, res) =>
  res.json({ framework: 'express', sub: req.auth.sub, scope: req.auth.scope, same: res.locals.auth === req.auth }));
app.listen(Number(PORT), '127.0.0.1', () => console.log('listening'));
`;
const HONO_APP = `
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { honoBearer, remoteJwks } from '@gatehouse/resource';
const { ISSUER, PORT } = process.env;
const keys = remoteJwks(ISSUER + '/.well-known/jwks.json');
const cors = { origins: [ISSUER] };
const app = new Hono();
app.use('/orders', honoBearer({ realm: 'orders', issuer: ISSUER, audience: ISSUER + '/api', keys, requiredScopes: ['orders:read'], cors }));
app.get('/orders', (c) => c.json({ framework: 'hono', sub: c.get('auth').sub, scope: c.get('auth').scope, same: true }));
serve({ fetch: app.fetch, port: Number(PORT), hostname: '127.0.0.1' }, () => console.log('listening'));
`;

/** Starts `node FILE` in the scratch project and waits for its "listening" line. */
async function startApp(cwd: string, file: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [file], { cwd, env: isolatedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${output}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
  return child;
}

/**
 * The packages as users get them: both packed, installed from the tarballs into a project outside the repository,
 * the installed `gatehouse` bin serving and issuing real tokens, and Express and Hono apps protected by the installed kit.
 * The server's store is PostgreSQL when one is at hand, so the install can skip compiling better-sqlite3 (about two
 * minutes on a busy 2-core machine, where GitHub's prebuilt binaries cannot be fetched): scripts are skipped and only
 * argon2's install script is run (it checks its bundled binaries, which crash on some machines, and compiles if
 * need be). Without PostgreSQL it is SQLite and the full install.
 */
describe('@gatehouse/server and @gatehouse/resource, packed and installed', () => {
  const cleanup: (() => Promise<void>)[] = [];
  let project: string;
  let serve: ServeProcess;
  let storeEnv: Record<string, string>;
  let issuer: string;
  let client: Credentials;
  const apps: Record<string, string> = {};

  const installedBin = () => join(project, 'node_modules/.bin/gatehouse');
  const cli = async (...args: string[]) =>
    JSON.parse((await run(process.execPath, [installedBin(), ...args, '--json'], { env: isolatedEnv(storeEnv) })).stdout);
  const token = async (scope: string) => {
    const response = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  before(async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'gatehouse-packages-'));
    cleanup.push(() => rm(scratch, { recursive: true, force: true }));
    const tarballs = [await pack(scratch, 'packages/resource'), await pack(scratch)];
    project = join(scratch, 'app');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'kit-user', private: true, type: 'module' }));
    await writeFile(join(project, 'express-app.mjs'), EXPRESS_APP);
    await writeFile(join(project, 'hono-app.mjs'), HONO_APP);
    const frameworks = ['express', 'hono', '@hono/node-server'].map((name) => `${name}@${manifest.devDependencies[name]}`);
    const flags = ['--prefer-offline', '--no-audit', '--no-fund', ...(postgresUrl ? ['--ignore-scripts'] : [])];
    await npm(project, ['install', ...flags, ...tarballs, ...frameworks]);
    if (postgresUrl) await npm(project, ['rebuild', 'argon2']);

    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const dataDir = join(scratch, 'data');
    const secret = randomBytes(32).toString('base64url');
    storeEnv = { PORT: String(port), GATEHOUSE_ISSUER: issuer, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET: secret };
    if (postgresUrl) {
      const database = await createPostgresDatabase(postgresUrl);
      cleanup.push(database.drop);
      storeEnv.DATABASE_URL = database.url;
    }
    serve = await spawnServe(storeEnv, issuer, [], installedBin());
    cleanup.push(() => serve.stop());
    await cli('roles', 'create', '--name', 'buyer', '--scopes', 'demo:read orders:read');
    const created = await cli('clients', 'create', '--name', 'Shop', '--roles', 'buyer');
    client = { clientId: created.client_id, clientSecret: created.client_secret };
    for (const file of ['express-app.mjs', 'hono-app.mjs']) {
      const appPort = await freePort();
      const child = await startApp(project, file, { ISSUER: issuer, PORT: String(appPort) });
      cleanup.push(async () => {
        child.kill();
      });
      apps[file.replace('-app.mjs', '')] = `http://127.0.0.1:${appPort}/orders`;
    }
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('the installed packages are the ones packed from this checkout', async () => {
    for (const name of ['@gatehouse/server', '@gatehouse/resource']) {
      const installed = JSON.parse(await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      assert.equal(installed.version, manifest.version);
    }
    const { stdout } = await run(process.execPath, [installedBin(), '--version']);
    assert.equal(stdout.trim(), manifest.version);
    // The server uses the kit it was packed with: one copy, not a second one fetched from somewhere else.
    await assert.rejects(readFile(join(project, 'node_modules/@gatehouse/server/node_modules/@gatehouse/resource/package.json')));
  });

  for (const framework of ['express', 'hono']) {
    describe(`the ${framework} app protected by the installed kit`, () => {
      const get = async (authorization?: string) => {
        const response = await fetch(apps[framework]!, authorization === undefined ? {} : { headers: { authorization } });
        const text = await response.text();
        const body: unknown = text === '' ? undefined : JSON.parse(text);
        return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
      };

      test('a real token with the scope: 200 and its claims', async () => {
        const answer = await get(`Bearer ${await token('demo:read orders:read')}`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { framework, sub: client.clientId, scope: 'demo:read orders:read', same: true });
      });

      test('a token whose signature was altered: 401 invalid_token', async () => {
        const [header, payload, signature] = (await token('orders:read')).split('.');
        const altered = `${signature!.slice(0, 10)}${signature![10] === 'A' ? 'B' : 'A'}${signature!.slice(11)}`;
        const answer = await get(`Bearer ${header}.${payload}.${altered}`);
        assert.equal(answer.status, 401);
        assert.equal(answer.challenge, 'Bearer realm="orders", error="invalid_token", error_description="the token signature is invalid"');
        assert.deepEqual(answer.body, { error: 'invalid_token', error_description: 'the token signature is invalid' });
      });

      test('a real token without the scope: 403 insufficient_scope', async () => {
        const answer = await get(`Bearer ${await token('demo:read')}`);
        assert.equal(answer.status, 403);
        const description = 'the token lacks a required scope: orders:read';
        const expected = `Bearer realm="orders", error="insufficient_scope", error_description="${description}", scope="orders:read"`;
        assert.equal(answer.challenge, expected);
        assert.deepEqual(answer.body, { error: 'insufficient_scope', error_description: description });
      });

      test('CORS for a page at the issuer’s origin: the preflight answered, the challenge exposed', async () => {
        const preflight = await fetch(apps[framework]!, {
          method: 'OPTIONS',
          headers: { origin: issuer, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-origin'), issuer);
        assert.equal(preflight.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, DPoP');
        const refused = await fetch(apps[framework]!, { headers: { origin: issuer, authorization: `Bearer ${await token('demo:read')}` } });
        assert.equal(refused.status, 403);
        assert.equal(refused.headers.get('access-control-allow-origin'), issuer);
        assert.equal(refused.headers.get('access-control-expose-headers'), 'WWW-Authenticate');
        assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      });

      test('no Authorization header: 401 with a bare challenge, no error code (RFC 6750 §3.1)', async () => {
        const answer = await get();
        assert.equal(answer.status, 401);
        assert.equal(answer.challenge, 'Bearer realm="orders"');
        assert.deepEqual(answer.body, {});
      });
    });
  }
});

test("`npm exec -- gatehouse` in the checkout runs this checkout's bin without asking the registry", async () => {
  // An unreachable registry: were npm to look for the unrelated `gatehouse` package, the command would fail.
  const { stdout } = await npm(repository, ['exec', '--', 'gatehouse', '--version'], {
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_fetch_retries: '0',
  });
  assert.equal(stdout.trim(), manifest.version);
});
