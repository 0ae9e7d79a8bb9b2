import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  type AdminApi,
  adminApi,
  adminMachine,
  assertAdminError,
  assertBearerError,
  CONSOLE_CLIENT_ID,
  consoleApp,
  consoleRedirect,
  signIn,
} from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { gatehouseJson } from './helpers/cli.js';
import { tokensFor } from './helpers/code-flow.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

const PASSWORD = 'staple battery horse';
const MEMBER_SCOPE = 'gatehouse:accounts';
const PEOPLE = ['olivia', 'dev', 'vera', 'mallory'] as const;
type Person = (typeof PEOPLE)[number];

for (const backend of backends()) {
  describe(`self-service accounts: people create accounts, invite members, and act by their account role (${backend.name})`, () => {
    let server: TestServer;
    let operator: AdminApi;
    const ids = {} as Record<Person, string>;
    const as = {} as Record<Person, AdminApi>;
    const tokens = {} as Record<Person, string>;

    /** A person's token from the platform console, as the console asks for it. */
    async function consoleToken(username: string): Promise<string> {
      const flow = await signIn(server, {
        clientId: CONSOLE_CLIENT_ID,
        redirectUri: consoleRedirect(server),
        scope: `openid profile gatehouse:admin ${MEMBER_SCOPE}`,
        username,
        password: PASSWORD,
      });
      return (await tokensFor(server, consoleApp, flow)).access_token;
    }
    const db = () => server.server.gatehouse.store.db;
    const membersOf = (tenant: string) =>
      db().selectFrom('members').select(['user_id', 'role']).where('tenant_id', '=', tenant).orderBy('user_id').execute();
    const eventsOf = async (tenant: string) =>
      db().selectFrom('audit_events').selectAll().where('tenant_id', '=', tenant).orderBy('at').orderBy('id').execute();

    before(async () => {
      server = await startTestServer(backend, { GATEHOUSE_SIGNUP: 'on', GATEHOUSE_ACCOUNTS_PER_PERSON: '2' });
      const { management } = server.server.gatehouse;
      for (const person of PEOPLE) ids[person] = (await management.users.createUser({ username: person, password: PASSWORD })).id;
      for (const person of PEOPLE) {
        tokens[person] = await consoleToken(person);
        as[person] = adminApi(server, tokens[person]);
      }
      operator = adminApi(server, (await adminMachine(server, 'operator')).token);
      await createTenants(server, 'beta');
    });
    after(() => server.close());

    test('every person of the platform gets the accounts scope from the console, and nothing more without a role', () => {
      const claims = decodeJwt(tokens.mallory);
      assert.deepEqual(String(claims.scope).split(' ').sort(), ['openid', 'profile', MEMBER_SCOPE].sort());
    });

    test('a deployment made before the accounts scope existed gets it on the console client at start', async () => {
      const { repositories, management } = server.server.gatehouse;
      await repositories.clients.update(CONSOLE_CLIENT_ID, { scopes: [] });
      await management.clients.ensureBuiltinClients();
      assert.deepEqual((await repositories.clients.get(CONSOLE_CLIENT_ID))?.scopes, [MEMBER_SCOPE]);
    });

    test('a person creates an account and becomes its owner; the platform logs it and the account names its first member', async () => {
      const created = await as.olivia('POST', '/me/accounts', { id: 'acme', name: 'Acme Corp' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('cache-control'), 'no-store');
      assert.deepEqual(created.body, {
        account: { id: 'acme', name: 'Acme Corp', role: 'owner', issuer: `${server.issuer}/t/acme`, status: 'active' },
      });
      assert.deepEqual(await membersOf('acme'), [{ user_id: ids.olivia, role: 'owner' }]);
      const listed = await as.olivia('GET', '/me/accounts');
      assert.deepEqual((listed.body as { accounts: unknown[] }).accounts, [(created.body as { account: unknown }).account]);
      const platformEvent = (await eventsOf('default')).find((e) => e.action === 'tenant.created' && e.target === 'acme');
      assert.equal(platformEvent?.actor, ids.olivia);
      const [first] = await eventsOf('acme');
      assert.equal(first?.action, 'member.added');
      assert.equal(first?.target, ids.olivia);
      assert.deepEqual(JSON.parse(first!.details), { role: 'owner', reason: 'created the account' });
      // The new account is an issuer at once, with its discovery.
      const discovery = await fetch(`${server.issuer}/t/acme/.well-known/openid-configuration`);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, `${server.issuer}/t/acme`);
    });

    test('a bad or taken account id, or one past the per-person limit, is refused and leaves nothing behind', async () => {
      assertAdminError(await as.olivia('POST', '/me/accounts', { id: 'Not A Slug', name: 'x' }), 400, 'invalid_request', /not a tenant id/);
      assertAdminError(await as.olivia('POST', '/me/accounts', { id: 'console', name: 'x' }), 400, 'invalid_request', /reserved/);
      assertAdminError(await as.mallory('POST', '/me/accounts', { id: 'acme', name: 'Mine now' }), 409, 'conflict', /exists already/);
      assert.deepEqual(await membersOf('acme'), [{ user_id: ids.olivia, role: 'owner' }], 'mallory did not join acme');
      assert.equal((await as.olivia('POST', '/me/accounts', { id: 'acme-two', name: 'Acme Two' })).status, 201);
      assertAdminError(await as.olivia('POST', '/me/accounts', { id: 'acme-three', name: 'Acme Three' }), 409, 'conflict', /at most 2/);
      assert.equal(await db().selectFrom('tenants').select('id').where('id', '=', 'acme-three').executeTakeFirst(), undefined);
    });

    test("with the platform's sign-up off, people cannot create accounts", async () => {
      const off = await operator('PATCH', '/admin/tenants/default', { settings: { signup_enabled: false } });
      assert.equal(off.status, 200, off.text);
      try {
        assertAdminError(await as.mallory('POST', '/me/accounts', { id: 'mallory-co', name: 'M' }), 403, 'forbidden', /platform operators/);
        assert.equal(await db().selectFrom('tenants').select('id').where('id', '=', 'mallory-co').executeTakeFirst(), undefined);
      } finally {
        await operator('PATCH', '/admin/tenants/default', { settings: { signup_enabled: null } });
      }
    });

    test("/me is for people: a client's token, another tenant's token and no token are refused", async () => {
      const me = await fetch(`${server.url}/me/accounts`);
      assert.equal(me.status, 401);
      assert.match(me.headers.get('www-authenticate') ?? '', /^Bearer realm="gatehouse-accounts"/);
      const machine = await server.createClient({ name: 'a machine', scopes: [MEMBER_SCOPE] });
      const machineToken = (
        await fetch(`${server.url}/oauth2/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        }).then((r) => r.json() as Promise<{ access_token: string }>)
      ).access_token;
      const refused = await adminApi(server, machineToken)('GET', '/me/accounts');
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('the owner invites; the link is shown once, admits once, and the invited person lands with the role', async () => {
      const invited = await as.olivia('POST', '/t/acme/admin/invitations', { email: 'Dev@Example.com', role: 'developer' });
      assert.equal(invited.status, 201, invited.text);
      const { invitation, url } = invited.body as {
        invitation: { id: string; email: string; role: string; expired: boolean };
        url: string;
      };
      assert.deepEqual([invitation.email, invitation.role, invitation.expired], ['dev@example.com', 'developer', false]);
      const prefix = `${server.issuer}/console/join#`;
      assert.ok(url.startsWith(prefix), url);
      const token = url.slice(prefix.length);
      assert.match(token, /^gate_inv_[0-9A-Za-z]{49}$/);
      // Only its hash is kept; the list never shows the link.
      const stored = await db().selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
      assert.notEqual(stored.token_hash, token);
      const pending = await as.olivia('GET', '/t/acme/admin/invitations');
      assert.doesNotMatch(pending.text, /gate_inv_/);
      assert.deepEqual(
        (pending.body as { invitations: { id: string }[] }).invitations.map((i) => i.id),
        [invitation.id],
      );

      const offer = await as.dev('POST', '/me/invitations/lookup', { token });
      assert.equal(offer.status, 200, offer.text);
      assert.deepEqual((offer.body as { account: unknown }).account, { id: 'acme', name: 'Acme Corp' });
      const joined = await as.dev('POST', '/me/invitations/accept', { token });
      assert.equal(joined.status, 200, joined.text);
      assert.deepEqual((joined.body as { account: { role: string } }).account.role, 'developer');
      assert.deepEqual((await membersOf('acme')).find((m) => m.user_id === ids.dev)?.role, 'developer');
      const joinedEvent = (await eventsOf('acme')).find((e) => e.action === 'member.joined');
      assert.equal(joinedEvent?.actor, ids.dev);
      assert.equal(JSON.parse(joinedEvent!.details).invited_by, ids.olivia);

      // Spent: the same words for a used, a made-up and a malformed link.
      for (const spent of [token, `${token.slice(0, -1)}x`, 'nonsense']) {
        assertAdminError(await as.mallory('POST', '/me/invitations/accept', { token: spent }), 404, 'not_found', /not valid/);
      }
      assert.equal(
        (await membersOf('acme')).some((m) => m.user_id === ids.mallory),
        false,
      );
      assert.deepEqual(((await as.olivia('GET', '/t/acme/admin/invitations')).body as { invitations: unknown[] }).invitations, []);
    });

    test('an expired or withdrawn invitation admits nobody; a member is not invited twice over', async () => {
      const link = async (role: string) => {
        const answer = await as.olivia('POST', '/t/acme/admin/invitations', { email: 'vera@example.com', role });
        const body = answer.body as { invitation: { id: string }; url: string };
        return { id: body.invitation.id, token: body.url.split('#')[1]! };
      };
      const expired = await link('viewer');
      await db().updateTable('invitations').set({ expires_at: 1 }).where('id', '=', expired.id).execute();
      assertAdminError(await as.vera('POST', '/me/invitations/lookup', { token: expired.token }), 404, 'not_found', /expired/);
      const listed = (await as.olivia('GET', '/t/acme/admin/invitations')).body as { invitations: { id: string; expired: boolean }[] };
      assert.equal(listed.invitations.find((i) => i.id === expired.id)?.expired, true);
      const withdrawn = await link('viewer');
      assert.equal((await as.olivia('DELETE', `/t/acme/admin/invitations/${withdrawn.id}`)).status, 204);
      assertAdminError(await as.vera('POST', '/me/invitations/accept', { token: withdrawn.token }), 404, 'not_found');
      assertAdminError(await as.olivia('DELETE', `/t/acme/admin/invitations/${withdrawn.id}`), 404, 'not_found');
      const again = await link('admin');
      assertAdminError(
        await as.dev('POST', '/me/invitations/accept', { token: again.token }),
        409,
        'conflict',
        /member of Acme Corp already \(as developer\)/,
      );
      // vera takes the viewer's seat with a fresh link.
      const seat = await link('viewer');
      assert.equal((await as.vera('POST', '/me/invitations/accept', { token: seat.token })).status, 200);
      assertAdminError(
        await as.olivia('POST', '/t/acme/admin/invitations', { email: 'not an address', role: 'viewer' }),
        400,
        'invalid_request',
        /not an email/,
      );
      const badRole = await as.olivia('POST', '/t/acme/admin/invitations', { email: 'x@example.com', role: 'superuser' });
      assert.equal(badRole.status, 400, badRole.text);
    });

    test('each account role does what it allows and is refused the rest, with nothing written', async () => {
      // developer: app clients yes; roles, invitations, settings no.
      const app = await as.dev('POST', '/t/acme/admin/clients', { name: 'Orders sync' });
      assert.equal(app.status, 201, app.text);
      const clientId = (app.body as { client: { client_id: string } }).client.client_id;
      assert.equal((await as.dev('POST', `/t/acme/admin/clients/${clientId}/rotate-secret`, {})).status, 200);
      assertAdminError(
        await as.dev('POST', '/t/acme/admin/roles', { name: 'r', scopes: ['a:b'] }),
        403,
        'forbidden',
        /\(developer\).*admin or above/,
      );
      assertAdminError(await as.dev('POST', '/t/acme/admin/invitations', { email: 'x@example.com', role: 'owner' }), 403, 'forbidden');
      assertAdminError(await as.dev('PATCH', '/t/acme/admin/account', { name: 'Dev Corp' }), 403, 'forbidden', /needs owner/);
      // viewer: reads, writes nothing.
      const listed = await as.vera('GET', '/t/acme/admin/clients');
      assert.equal(listed.status, 200, listed.text);
      assert.ok((listed.body as { clients: { client_id: string }[] }).clients.some((c) => c.client_id === clientId));
      assertAdminError(await as.vera('POST', '/t/acme/admin/clients', { name: 'sneaky' }), 403, 'forbidden', /\(viewer\)/);
      assertAdminError(await as.vera('POST', `/t/acme/admin/clients/${clientId}/revoke`), 403, 'forbidden');
      const acme = (await server.server.gatehouse.tenants.open('acme'))!;
      const names = (await acme.management.clients.listClients()).items.map((c) => c.name);
      assert.equal(names.includes('sneaky'), false);
      assert.equal((await acme.management.clients.getClient(clientId)).status, 'active');
      // The change is the member's, in the account's log.
      const created = (await eventsOf('acme')).find((e) => e.action === 'client.created' && e.target === clientId);
      assert.deepEqual([created?.actor, created?.actor_type], [ids.dev, 'member']);
      // developer revokes their client.
      assert.equal((await as.dev('POST', `/t/acme/admin/clients/${clientId}/revoke`)).status, 200);
    });

    test('a non-member is refused at every account; a member only at their own; the platform admin API is not theirs', async () => {
      assertAdminError(await as.mallory('GET', '/t/acme/admin/clients'), 403, 'forbidden', /not a member of the account "acme"/);
      assertAdminError(await as.olivia('GET', '/t/beta/admin/clients'), 403, 'forbidden', /not a member/);
      assertBearerError(await as.olivia('GET', '/admin/clients'), 403, 'insufficient_scope');
      assertBearerError(await as.olivia('GET', '/admin/tenants'), 403, 'insufficient_scope');
      // The platform has no members to manage.
      assertAdminError(await operator('GET', '/admin/members'), 404, 'not_found', /platform has no members/);
    });

    test('owners change roles and remove members, at once; the last owner stays', async () => {
      const demoted = await as.olivia('PATCH', `/t/acme/admin/members/${ids.dev}`, { role: 'viewer' });
      assert.equal(demoted.status, 200, demoted.text);
      assert.equal((demoted.body as { member: { role: string; username: string } }).member.role, 'viewer');
      assertAdminError(await as.dev('POST', '/t/acme/admin/clients', { name: 'after demotion' }), 403, 'forbidden', /\(viewer\)/);
      assertAdminError(await as.olivia('PATCH', `/t/acme/admin/members/${ids.olivia}`, { role: 'admin' }), 409, 'conflict', /last owner/);
      assertAdminError(await as.olivia('DELETE', `/t/acme/admin/members/${ids.olivia}`), 409, 'conflict', /last owner/);
      assertAdminError(await as.olivia('PATCH', `/t/acme/admin/members/${ids.mallory}`, { role: 'viewer' }), 404, 'not_found');
      assert.equal((await as.olivia('DELETE', `/t/acme/admin/members/${ids.vera}`)).status, 204);
      assertAdminError(await as.vera('GET', '/t/acme/admin/clients'), 403, 'forbidden', /not a member/);
      // Two owners, each stepping down at once: one of them stays owner.
      assert.equal((await as.olivia('PATCH', `/t/acme/admin/members/${ids.dev}`, { role: 'owner' })).status, 200);
      const answers = await Promise.all([
        as.olivia('PATCH', `/t/acme/admin/members/${ids.olivia}`, { role: 'admin' }),
        as.dev('PATCH', `/t/acme/admin/members/${ids.dev}`, { role: 'admin' }),
      ]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      assert.equal((await membersOf('acme')).filter((m) => m.role === 'owner').length, 1);
      const roles = (await eventsOf('acme')).filter((e) => e.action === 'member.role_changed').map((e) => JSON.parse(e.details).to);
      assert.deepEqual(roles.slice(0, 2), ['viewer', 'owner']);
    });

    test("the account's settings: everyone on the team reads them and their own role; owners change them", async () => {
      const owner = (await membersOf('acme')).find((m) => m.role === 'owner')!.user_id === ids.olivia ? as.olivia : as.dev;
      const read = await owner('GET', '/t/acme/admin/account');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual((read.body as { role: string; account: { id: string; issuer: string } }).role, 'owner');
      const changed = await owner('PATCH', '/t/acme/admin/account', { name: 'Acme Corporation', settings: { display_name: 'Acme' } });
      assert.equal(changed.status, 200, changed.text);
      const stored = await server.server.gatehouse.platform.tenants.get('acme');
      assert.deepEqual([stored.name, stored.settings.display_name], ['Acme Corporation', 'Acme']);
      // A merge patch (RFC 7396): null takes the setting back to the deployment's.
      assert.equal((await owner('PATCH', '/t/acme/admin/account', { settings: { display_name: null } })).status, 200);
      assert.equal((await server.server.gatehouse.platform.tenants.get('acme')).settings.display_name, undefined);
      const other = owner === as.olivia ? as.dev : as.olivia;
      assert.deepEqual(((await other('GET', '/t/acme/admin/account')).body as { role: string }).role, 'admin');
      assertAdminError(await other('PATCH', '/t/acme/admin/account', { name: 'Mine' }), 403, 'forbidden');
    });

    test("the operators invite a tenant's first owner, by the platform's admin API and by the CLI", async () => {
      await createTenants(server, 'gamma');
      const invited = await operator('POST', '/admin/tenants/gamma/invitations', { email: 'boss@gamma.test', role: 'owner' });
      assert.equal(invited.status, 201, invited.text);
      const { url, emailed } = invited.body as { url: string; emailed: boolean };
      assert.equal(emailed, true, 'written to the outbox');
      assert.equal((await as.mallory('POST', '/me/invitations/accept', { token: url.split('#')[1] })).status, 200);
      const members = await operator('GET', '/admin/tenants/gamma/members');
      assert.deepEqual(
        (members.body as { members: { username: string; role: string }[] }).members.map((m) => [m.username, m.role]),
        [['mallory', 'owner']],
      );
      assertAdminError(await operator('POST', '/admin/tenants/nobody/invitations', { email: 'a@b.test', role: 'owner' }), 404, 'not_found');
      assertAdminError(await operator('GET', '/admin/tenants/default/members'), 404, 'not_found', /platform has no members/);
      assertBearerError(
        await as.mallory('POST', '/admin/tenants/gamma/invitations', { email: 'a@b.test', role: 'owner' }),
        403,
        'insufficient_scope',
      );
      const cli = await gatehouseJson(
        server.env,
        'tenants',
        'invite',
        'gamma',
        '--email',
        'dev@gamma.test',
        '--role',
        'developer',
        '--json',
      );
      assert.equal(cli.invitation.role, 'developer');
      assert.match(cli.url, /\/console\/join#gate_inv_/);
      const offered = await as.vera('POST', '/me/invitations/lookup', { token: cli.url.split('#')[1] });
      assert.deepEqual((offered.body as { account: unknown }).account, { id: 'gamma', name: 'gamma Inc.' });
    });

    test("deleting a person takes them off every team, and is refused while they are an account's only owner", async () => {
      assertAdminError(await operator('DELETE', `/admin/users/${ids.olivia}`), 409, 'conflict', /only owner of (.*, )?"acme-two"/);
      assert.ok(
        (await membersOf('acme-two')).some((m) => m.user_id === ids.olivia),
        'nothing changed',
      );
      const { management } = server.server.gatehouse;
      const wendy = await management.users.createUser({ username: 'wendy', password: PASSWORD });
      const acme = (await server.server.gatehouse.tenants.open('acme'))!;
      await acme.repositories.members.add(wendy.id, 'viewer');
      const deleted = await operator('DELETE', `/admin/users/${wendy.id}`);
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(
        (await membersOf('acme')).some((m) => m.user_id === wendy.id),
        false,
      );
    });
  });
}
