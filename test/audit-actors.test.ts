import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UserView } from '../src/admin/views.js';
import type { AuditEvent } from '../src/store/audit.js';
import { type AdminApi, adminApi, adminMachine, auditEvents, expectOk, loginPage } from './helpers/admin.js';
import { backends } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'staple battery horse';
const WRONG_PASSWORD = 'not-the-password-42';

/**
 * Issue 9 item 10: only an authenticated identity is recorded as an actor (or a sign-in's target). What a stranger
 * typed at the sign-in form is data (`details.username`), so a failed sign-in as `admin` is nobody's own doing.
 */
for (const backend of backends()) {
  describe(`audit log actors are authenticated identities only (${backend.name})`, () => {
    let server: TestServer;
    let api: AdminApi;
    let machineId: string;
    let heidi: UserView;

    before(async () => {
      server = await startTestServer(backend);
      const machine = await adminMachine(server, 'Ops automation');
      machineId = machine.clientId;
      api = adminApi(server, machine.token);
      heidi = await expectOk<UserView>(
        api('POST', '/admin/users', { username: 'heidi', password: PASSWORD, roles: ['admin'] }),
        201,
        'user',
      );
    });
    after(() => server.close());

    /** The sign-in events, newest first, that mention `typed` anywhere, read back through the admin API. */
    const signInEvents = async (typed: string): Promise<AuditEvent[]> =>
      (await auditEvents(api)).filter((e) => e.action.startsWith('login.') && [e.actor, e.target, e.details.username].includes(typed));

    const assertAnonymousFailure = (event: AuditEvent | undefined, typed: string) => {
      assert.ok(event, `no login.failed for ${typed}`);
      assert.deepEqual(
        {
          actor: event.actor,
          actor_type: event.actor_type,
          action: event.action,
          target: event.target,
          ip: event.ip,
          details: event.details,
        },
        { actor: 'anonymous', actor_type: 'anonymous', action: 'login.failed', target: '', ip: '127.0.0.1', details: { username: typed } },
      );
    };

    test('a failed sign-in as admin is recorded as anonymous, with the typed name as data', async () => {
      assert.equal(await loginPage(server, 'admin', WRONG_PASSWORD), 401);
      const [event] = await signInEvents('admin');
      assertAnonymousFailure(event, 'admin');
    });

    test("a failed sign-in as a real administrator's name is not recorded as theirs", async () => {
      assert.equal(await loginPage(server, 'heidi', WRONG_PASSWORD), 401);
      const [event] = await signInEvents('heidi');
      assertAnonymousFailure(event, 'heidi');
      assert.ok(![event!.actor, event!.target].includes(heidi.id));
      assert.ok(!(await auditEvents(api)).some((e) => e.actor === heidi.id), 'heidi has done nothing yet, but the log says so');
    });

    test("typing an account's id or a client_id as the username names neither as actor or target", async () => {
      for (const typed of [heidi.id, machineId]) {
        assert.equal(await loginPage(server, typed, WRONG_PASSWORD), 401);
        const [event] = await signInEvents(typed);
        assertAnonymousFailure(event, typed);
      }
    });

    test('a successful sign-in names the authenticated user as actor and target, with the typed name as data', async () => {
      assert.equal(await loginPage(server, ' Heidi', PASSWORD), 303);
      const [event] = await signInEvents(' Heidi');
      assert.deepEqual(
        { actor: event?.actor, actor_type: event?.actor_type, action: event?.action, target: event?.target, details: event?.details },
        { actor: heidi.id, actor_type: 'user', action: 'login.succeeded', target: heidi.id, details: { username: ' Heidi' } },
      );
    });
  });
}
