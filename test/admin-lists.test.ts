import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../src/admin/audit-log.js';
import type { ClientView, UserView } from '../src/admin/views.js';
import type { AuditEvent } from '../src/store/audit.js';
import {
  ADMIN_SCOPE,
  type AdminApi,
  adminApi,
  adminMachine,
  assertAdminError,
  CONSOLE_CLIENT_ID,
  consoleRedirect,
  logout,
  signIn,
} from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { TestBrowser } from './helpers/browser.js';
import { gatehouseJson } from './helpers/cli.js';
import { REDIRECT_URI } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

const PASSWORD = 'staple battery horse';

interface Listed<T> {
  items: T[];
  next: string | null;
}

/**
 * Issue 12 item 5, "Finding things": search and paging on the admin API's lists (clients, users, roles, APIs, the
 * platform's definitions), the audit log's filters and its CSV and JSON export, on SQLite and PostgreSQL; and the
 * console's routine sign-ins kept out of the audit log.
 */
for (const backend of backends()) {
  describe(`admin lists: search, paging, audit filters and export (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    let machineId: string;
    /** A GET as the machine, its body as text: what an export downloads. */
    let download: (path: string) => Promise<{ status: number; headers: Headers; text: string }>;

    /** One page of `path` (the list's key names its items), checked to be a 200 JSON page with `next`. */
    async function listed<T>(path: string, key: string): Promise<Listed<T>> {
      const answer = await api('GET', path);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const body = answer.body as Record<string, unknown>;
      assert.ok('next' in body, `${path} answers next`);
      return { items: body[key] as T[], next: body.next as string | null };
    }
    /** Every item of the list at `path`, `limit` at a time, following `next`; and how many pages it took. */
    async function pagedThrough<T>(path: string, key: string, limit: number): Promise<{ items: T[]; pages: number }> {
      const items: T[] = [];
      let pages = 0;
      let after: string | null = null;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const page: Listed<T> = await listed<T>(
          `${path}${separator}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
          key,
        );
        assert.ok(page.items.length <= limit, 'a page holds at most limit');
        items.push(...page.items);
        pages++;
        after = page.next;
      } while (after !== null);
      return { items, pages };
    }

    before(async () => {
      server = await startTestServer(backend);
      const machine = await adminMachine(server, 'Ops automation');
      machineId = machine.clientId;
      api = adminApi(server, machine.token);
      download = async (path) => {
        const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${machine.token}` } });
        return { status: response.status, headers: response.headers, text: await response.text() };
      };
      const { management } = server.server.gatehouse;
      // Names with LIKE's wildcards in them: a search for "%" or "_" finds them and nothing else.
      for (const [name, description] of [
        ['Billing service', 'Nightly invoicing'],
        ['Billing reports', ''],
        ['Shop front', 'Sells BILLING plans'],
        ['100% uptime', ''],
        ['snake_case app', ''],
      ]) {
        await management.clients.createClient({ name: name!, description: description! }, systemActor());
      }
      for (const username of ['erin', 'frank', 'grace', 'heidi']) {
        await management.users.createUser({ username, password: PASSWORD, email: `${username}@example.com`, name: `${username} Example` });
      }
      await management.users.createUser({ username: 'ivan', password: PASSWORD, email: 'ivan@corp.test' });
      for (const name of ['alpha', 'beta', 'gamma']) {
        await management.roles.createRole({ name, scopes: [`${name}:read`], description: `The ${name} team` }, systemActor());
      }
      for (const host of ['orders', 'billing', 'stock']) {
        await management.apis.createApi(
          { identifier: `https://${host}.example.com`, name: `${host} API`, scopes: [`${host}:read`] },
          systemActor(),
        );
      }
    });
    after(() => server?.close());

    test('clients page in a stable order without overlap; next is null at the end; the default page is 50', async () => {
      const whole = await listed<ClientView>('/admin/clients', 'clients');
      assert.equal(whole.next, null);
      // The built-in console and playground, the machine and the five made above.
      assert.equal(whole.items.length, 8);
      const paged = await pagedThrough<ClientView>('/admin/clients', 'clients', 3);
      assert.equal(paged.pages, 3);
      assert.deepEqual(
        paged.items.map((c) => c.client_id),
        whole.items.map((c) => c.client_id),
        'the pages, one after another, are the whole list in its order',
      );
      const order = whole.items.map((c) => [c.created_at, c.client_id] as const);
      assert.deepEqual(
        order,
        [...order].sort(([a, x], [b, y]) => a - b || (x < y ? -1 : x > y ? 1 : 0)),
        'creation order, then id',
      );
      // Exactly a page's worth: no empty page after it.
      assert.equal((await listed<ClientView>('/admin/clients?limit=8', 'clients')).next, null);
    });

    test('clients search the id, name and description, case-insensitively; wildcards are literal', async () => {
      const names = async (search: string) =>
        (await listed<ClientView>(`/admin/clients?search=${encodeURIComponent(search)}`, 'clients')).items.map((c) => c.name).sort();
      assert.deepEqual(await names('billing'), ['Billing reports', 'Billing service', 'Shop front']);
      assert.deepEqual(await names('  INVOICING '), ['Billing service']);
      assert.deepEqual(await names('%'), ['100% uptime']);
      assert.deepEqual(await names('_'), ['snake_case app']);
      assert.deepEqual(await names('gatehouse-con'), ['Gatehouse console']);
      assert.deepEqual(await names(machineId.slice(4, 16)), ['Ops automation']);
      assert.deepEqual(await names('nothing like it'), []);
      // Search and paging together.
      const paged = await pagedThrough<ClientView>('/admin/clients?search=billing', 'clients', 2);
      assert.deepEqual([paged.pages, paged.items.length], [2, 3]);
    });

    test('users search the username, email and name; they page like clients', async () => {
      const usernames = async (search: string) =>
        (await listed<UserView>(`/admin/users?search=${encodeURIComponent(search)}`, 'users')).items.map((u) => u.username);
      assert.deepEqual(await usernames('example.com'), ['erin', 'frank', 'grace', 'heidi']);
      assert.deepEqual(await usernames('CORP'), ['ivan']);
      assert.deepEqual(await usernames('Grace Ex'), ['grace']);
      const paged = await pagedThrough<UserView>('/admin/users', 'users', 2);
      assert.deepEqual(
        paged.items.map((u) => u.username),
        ['erin', 'frank', 'grace', 'heidi', 'ivan'],
      );
      assert.equal(paged.pages, 3);
    });

    test("roles and APIs (the tenant's and the platform's alike) search and page in name order", async () => {
      const roles = await pagedThrough<{ name: string }>('/admin/roles', 'roles', 2);
      assert.deepEqual(
        roles.items.map((r) => r.name),
        ['admin', 'alpha', 'beta', 'gamma'],
      );
      assert.deepEqual(
        (await listed<{ name: string }>('/admin/roles?search=TEAM', 'roles')).items.map((r) => r.name),
        ['alpha', 'beta', 'gamma'],
      );
      assert.deepEqual(
        (await listed<{ name: string }>('/admin/roles?search=beta:read', 'roles')).items.map((r) => r.name),
        ['beta'],
      );
      const apis = await api('GET', '/admin/apis?limit=2');
      const first = apis.body as { default: string; apis: { identifier: string }[]; next: string };
      assert.equal(first.default, `${server.issuer}/api`, 'the default API is named on every page');
      assert.deepEqual(
        first.apis.map((a) => a.identifier),
        ['https://billing.example.com', 'https://orders.example.com'],
      );
      const second = await listed<{ identifier: string }>(`/admin/apis?limit=2&after=${first.next}`, 'apis');
      assert.deepEqual([second.items.map((a) => a.identifier), second.next], [['https://stock.example.com'], null]);
      assert.deepEqual((await listed<{ identifier: string }>('/admin/apis?search=stock:', 'apis')).items.length, 1);
      // The platform's definitions share the routes' code, so they page too.
      await server.server.gatehouse.platform.roles.createRole({ name: 'support', scopes: ['tickets:read'] }, systemActor());
      const platform = await listed<{ name: string; platform: boolean }>('/admin/platform/roles?search=support', 'roles');
      assert.deepEqual([platform.items.map((r) => [r.name, r.platform]), platform.next], [[['support', true]], null]);
      assert.equal((await listed<unknown>('/admin/platform/apis', 'apis')).next, null);
    });

    test("a tenant's search finds its own clients and users only", async () => {
      const [acme] = await createTenants(server, 'lists-acme');
      await acme!.management.clients.createClient({ name: 'Billing at Acme' }, systemActor());
      await acme!.management.users.createUser({ username: 'erin-at-acme', password: PASSWORD, email: 'erin@example.com' });
      const ours = await listed<ClientView>('/admin/clients?search=acme', 'clients');
      assert.deepEqual(ours.items, []);
      assert.ok(!(await listed<UserView>('/admin/users?search=erin', 'users')).items.some((u) => u.username === 'erin-at-acme'));
      const theirs = await acme!.management.clients.listClients({ search: 'billing' });
      assert.deepEqual(
        theirs.items.map((c) => c.name),
        ['Billing at Acme'],
      );
    });

    test('bad limits, cursors and searches are 400 with a description saying what is wrong', async () => {
      for (const path of ['/admin/clients', '/admin/users', '/admin/roles', '/admin/apis', '/admin/platform/roles']) {
        for (const limit of ['0', '201', '10000', 'ten'])
          assertAdminError(await api('GET', `${path}?limit=${limit}`), 400, 'invalid_request', /limit/);
        for (const cursor of ['garbage', Buffer.from('[1]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
          assertAdminError(await api('GET', `${path}?after=${cursor}`), 400, 'invalid_request', /after is not a cursor of this list/);
        }
        assertAdminError(await api('GET', `${path}?search=${'x'.repeat(101)}`), 400, 'invalid_request', /search/);
        assertAdminError(await api('GET', `${path}?sort=name`), 400, 'invalid_request');
      }
      // A users' cursor is not a roles' cursor.
      const users = await listed<UserView>('/admin/users?limit=1', 'users');
      assertAdminError(await api('GET', `/admin/roles?after=${users.next}`), 400, 'invalid_request', /cursor/);
    });

    describe('the audit log', () => {
      let events: AuditEvent[];
      before(async () => {
        const { management } = server.server.gatehouse;
        const actor = { actor: 'cli:ops', actor_type: 'cli' as const, ip: '' };
        // Fields a spreadsheet would run, and commas, quotes and line breaks, in what the export writes.
        await management.roles.createRole({ name: 'export-check', scopes: [] }, { ...actor, actor: '=HYPERLINK("x")' });
        await management.clients.createClient({ name: '@SUM(1+1), "quoted"\nnext line' }, actor);
        await server.server.gatehouse.audit.record(actor, 'session.ended', 'sess-1 sess-2', { note: '-2+3' });
        events = (await pageOf('')).events;
      });
      const pageOf = async (query: string) => {
        const answer = await api('GET', `/admin/audit?limit=200${query}`);
        assert.equal(answer.status, 200, answer.text);
        return answer.body as { events: AuditEvent[]; next: string | null };
      };

      test('filters by actor, action (exact or a prefix ending in a dot), target and time, combined and paged', async () => {
        const byActor = await pageOf('&actor=cli:ops');
        assert.deepEqual(
          byActor.events.map((e) => e.action),
          ['session.ended', 'client.created'],
        );
        const created = await pageOf('&action=client.created');
        assert.ok(created.events.length >= 6 && created.events.every((e) => e.action === 'client.created'));
        const prefixed = await pageOf('&action=role.');
        assert.deepEqual([...new Set(prefixed.events.map((e) => e.action))], ['role.created']);
        assert.deepEqual(prefixed.events.map((e) => e.target).sort(), ['alpha', 'beta', 'export-check', 'gamma']);
        assert.deepEqual((await pageOf('&action=role')).events, [], 'without the dot it is an exact action');
        // One of several space-separated targets, never a part of one.
        assert.deepEqual(
          (await pageOf('&target=sess-2')).events.map((e) => e.action),
          ['session.ended'],
        );
        assert.deepEqual((await pageOf('&target=sess')).events, []);
        assert.deepEqual(
          (await pageOf('&actor=cli:ops&action=client.')).events.map((e) => e.action),
          ['client.created'],
        );
        // Paging keeps the filter: two pages of one event each, then the end.
        const first = await api('GET', '/admin/audit?limit=1&action=role.created&target=beta');
        assert.deepEqual((first.body as { next: null }).next, null);
        const one = (await api('GET', '/admin/audit?limit=2&action=role.')).body as { events: AuditEvent[]; next: string };
        const two = (await api('GET', `/admin/audit?limit=2&action=role.&before=${one.next}`)).body as { events: AuditEvent[]; next: null };
        assert.deepEqual(
          [...one.events, ...two.events].map((e) => e.id),
          prefixed.events.map((e) => e.id),
        );
        assert.equal(two.next, null);

        // Time: epoch seconds or ISO 8601; since is inclusive, until exclusive.
        const newest = events[0]!.at;
        const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
        assert.ok((await pageOf(`&since=${newest}`)).events.every((e) => e.at >= newest));
        assert.ok((await pageOf(`&since=${newest}`)).events.some((e) => e.id === events[0]!.id));
        assert.deepEqual((await pageOf(`&since=${newest + 1}`)).events, []);
        assert.deepEqual((await pageOf(`&until=${iso(events.at(-1)!.at)}`)).events, []);
        assert.equal((await pageOf(`&since=${iso(events.at(-1)!.at)}&until=${newest + 1}`)).events.length, events.length);
        const day = iso(newest).slice(0, 10);
        assert.equal((await pageOf(`&since=${day}`)).events.length, events.length);
        assert.equal((await pageOf(`&since=${encodeURIComponent(`${day}T00:00:00+14:00`)}`)).events.length, events.length);
      });

      test('bad filters are 400: instants that are not ISO 8601 or epoch seconds, since after until', async () => {
        for (const since of ['yesterday', '2026-02-31', '2026-13-01', '2026-12-04T10:00', '2026-12-04T25:00Z', '-5', '1.5']) {
          assertAdminError(
            await api('GET', `/admin/audit?since=${encodeURIComponent(since)}`),
            400,
            'invalid_request',
            /^since must be an ISO 8601/,
          );
        }
        assertAdminError(await api('GET', '/admin/audit?until=soon'), 400, 'invalid_request', /^until must be/);
        assertAdminError(
          await api('GET', '/admin/audit?since=2026-12-05&until=2026-12-04'),
          400,
          'invalid_request',
          /since must be before until/,
        );
        assertAdminError(await api('GET', '/admin/audit/export?since=nope'), 400, 'invalid_request', /since/);
        assertAdminError(await api('GET', '/admin/audit/export?format=xlsx'), 400, 'invalid_request', /format/);
        assertAdminError(await api('GET', `/admin/audit?actor=${'a'.repeat(201)}`), 400, 'invalid_request', /actor/);
      });

      test('CSV export: an attachment, RFC 4180 quoting, formulas neutralised, filters applied', async () => {
        const answer = await download('/admin/audit/export?format=csv&actor=cli:ops');
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
        assert.match(answer.headers.get('content-disposition') ?? '', /^attachment; filename="audit-default-\d{8}T\d{6}Z\.csv"$/);
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        const lines = answer.text.split('\r\n');
        assert.equal(lines[0], 'id,time,actor,actor_type,action,target,ip,details');
        const [ended, created] = byActor(events, 'cli:ops');
        assert.equal(
          lines[1],
          `${ended!.id},${new Date(ended!.at * 1000).toISOString()},cli:ops,cli,session.ended,sess-1 sess-2,,"{""note"":""-2+3""}"`,
        );
        // The client's name is inside the details' JSON: quoted, its quotes doubled, its line break kept inside quotes.
        assert.equal(
          lines[2]!.split(',').slice(0, 6).join(','),
          `${created!.id},${new Date(created!.at * 1000).toISOString()},cli:ops,cli,client.created,${created!.target}`,
        );
        assert.ok(answer.text.includes(',"{""name"":""@SUM(1+1), \\""quoted\\""\\nnext line"",'), answer.text);
        assert.equal(lines.length, 4, 'a header, two records, and the CRLF ending the last');
        assert.equal(lines[3], '');

        const formula = await download('/admin/audit/export?action=role.created&target=export-check');
        assert.equal(
          formula.text.split('\r\n')[1]!.split(',').slice(2, 3)[0],
          `"'=HYPERLINK(""x"")"`,
          'an actor starting with = is prefixed with a quote mark and quoted',
        );
      });

      test('JSON export: the filtered events as one JSON array, as the audit API gives them', async () => {
        const answer = await api('GET', '/admin/audit/export?format=json&action=role.');
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
        assert.match(answer.headers.get('content-disposition') ?? '', /^attachment; filename="audit-default-\d{8}T\d{6}Z\.json"$/);
        assert.deepEqual(answer.body, (await pageOf('&action=role.')).events);
        const none = await api('GET', '/admin/audit/export?format=json&actor=nobody');
        assert.deepEqual(none.body, []);
      });

      test('an export streams the whole log, past any one batch of it', async () => {
        const { audit } = server.server.gatehouse;
        const actor = { actor: 'bulk', actor_type: 'system' as const, ip: '' };
        await Promise.all(Array.from({ length: 1205 }, (_, i) => audit.record(actor, 'bulk.event', `t${i}`)));
        const csv = await download('/admin/audit/export?actor=bulk');
        assert.equal(csv.text.split('\r\n').length, 1 + 1205 + 1);
        const json = (await api('GET', '/admin/audit/export?format=json&actor=bulk')).body as AuditEvent[];
        assert.equal(json.length, 1205);
        assert.equal(new Set(json.map((e) => e.target)).size, 1205, 'no event twice');
      });
    });

    test("the CLI's lists print every page: more clients and roles than a page holds", async () => {
      const { management } = server.server.gatehouse;
      for (let n = 0; n < 201; n++) {
        await management.clients.createClient({ name: `bulk client ${n}` }, systemActor());
        await management.roles.createRole({ name: `bulk-role-${String(n).padStart(3, '0')}`, scopes: [] }, systemActor());
      }
      const clients = await listed<ClientView>('/admin/clients?limit=200', 'clients');
      assert.notEqual(clients.next, null, 'more than one page at the most a page holds');
      const printed = (await gatehouseJson<ClientView[]>(server.env, 'clients', 'list', '--json')).map((c) => c.client_id);
      const paged = (await pagedThrough<ClientView>('/admin/clients', 'clients', 200)).items.map((c) => c.client_id);
      assert.deepEqual(printed, paged);
      assert.ok(printed.length > 201);
      const roles = (await gatehouseJson<{ name: string }[]>(server.env, 'roles', 'list', '--json')).map((r) => r.name);
      assert.equal(roles.filter((name) => name.startsWith('bulk-role-')).length, 201);
      assert.equal(new Set(roles).size, roles.length, 'none twice');
    });

    test("the console's routine sign-ins are not recorded; new browsers, other clients and failures are", async () => {
      const { management } = server.server.gatehouse;
      const judy = await management.users.createUser({
        username: 'judy',
        password: PASSWORD,
        roles: [await management.roles.ensureAdminRole()],
      });
      const web = await server.createClient({ name: 'Web App', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI] });
      const signIns = async () => (await pageOf(`&actor=${judy.id}&action=login.succeeded`)).map((e) => e.details.client_id);
      const pageOf = async (query: string) =>
        ((await api('GET', `/admin/audit?limit=200${query}`)).body as { events: AuditEvent[] }).events;
      const toConsole = (browser: TestBrowser, password = PASSWORD) =>
        signIn(server, {
          clientId: CONSOLE_CLIENT_ID,
          redirectUri: consoleRedirect(server),
          scope: `openid ${ADMIN_SCOPE}`,
          username: 'judy',
          password,
          browser,
        });

      const laptop = new TestBrowser(server.url);
      assert.ok((await toConsole(laptop)).asked.login);
      assert.deepEqual(await signIns(), [CONSOLE_CLIENT_ID], 'the first sign-in from a browser is recorded');
      await logout(laptop);
      assert.ok((await toConsole(laptop)).asked.login, 'the session ended: the console asked for the password again');
      assert.deepEqual(await signIns(), [CONSOLE_CLIENT_ID], "the same browser's sign-in to the console again is routine");

      await logout(laptop);
      const app = await signIn(server, {
        clientId: web.clientId,
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        username: 'judy',
        password: PASSWORD,
        browser: laptop,
      });
      assert.ok(app.asked.login);
      assert.deepEqual(await signIns(), [web.clientId, CONSOLE_CLIENT_ID], 'a sign-in to another client is recorded');

      await logout(laptop);
      await assert.rejects(toConsole(laptop, 'not the password'));
      const failed = await pageOf('&action=login.failed');
      assert.equal(failed[0]!.details.client_id, CONSOLE_CLIENT_ID, "the console's failed sign-in is recorded");
      assert.equal(failed[0]!.details.username, 'judy');

      await toConsole(new TestBrowser(server.url));
      assert.deepEqual(await signIns(), [CONSOLE_CLIENT_ID, web.clientId, CONSOLE_CLIENT_ID], 'a new browser is recorded');
    });
  });
}

const byActor = (events: AuditEvent[], actor: string) => events.filter((e) => e.actor === actor);
