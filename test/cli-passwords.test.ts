import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyPassword } from '../src/accounts/passwords.js';
import type { UserView } from '../src/admin/views.js';
import { backends } from './helpers/backends.js';
import { gatehouse, gatehouseInProcess, gatehouseJsonWithStdin, gatehouseWithStdin, onTerminal } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Issue 10 item 11: a password is never needed on the command line, where `ps` and the shell history show it. */
for (const backend of backends()) {
  describe(`CLI users create: the password is never needed on the command line (${backend.name})`, () => {
    const PASSWORD = 'Tq8#vLm2!pZr5wXe';
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server?.close());
    const storedUser = (username: string) =>
      server.server.gatehouse.store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    const create = (username: string, ...args: string[]) => ['users', 'create', '--username', username, ...args];
    const hasPassword = async (username: string, password: string) => verifyPassword((await storedUser(username))!.password_hash, password);

    /** The command in this process with a scripted terminal: `answers` are what the person types at each secret prompt. */
    async function atTerminal(answers: string[], ...args: string[]) {
      const asked: string[] = [];
      const readSecret = (question: string) => {
        asked.push(question);
        return Promise.resolve(answers.shift() ?? '');
      };
      return { ...(await gatehouseInProcess(server.env, args, { confirm: () => Promise.resolve(false), readSecret })), asked };
    }

    test('--password-stdin takes all of stdin but one trailing newline', async () => {
      const user = await gatehouseJsonWithStdin<UserView>(server.env, `${PASSWORD}\n`, ...create('piped', '--password-stdin'));
      assert.equal(user.username, 'piped');
      assert.ok(await hasPassword('piped', PASSWORD));
      // Only one newline goes: a password that really ends in one keeps it (and so does one with inner spaces).
      const withNewline = `  ${PASSWORD} x\n`;
      await gatehouseJsonWithStdin<UserView>(server.env, `${withNewline}\r\n`, ...create('pipedcrlf', '--password-stdin'));
      assert.ok(await hasPassword('pipedcrlf', withNewline));
      assert.equal(await hasPassword('pipedcrlf', withNewline.trim()), false);
    });

    test('--password-stdin refuses an empty password (or a lone newline) and stores no user', async () => {
      for (const stdin of ['', '\n']) {
        const result = await gatehouseWithStdin(server.env, stdin, ...create('emptypiped', '--password-stdin', '--json'));
        assert.deepEqual([result.code, result.stdout], [1, ''], JSON.stringify(stdin));
        assert.match(result.stderr, /^gatehouse: the password is empty; nothing changed$/m);
        assert.equal(await storedUser('emptypiped'), undefined);
      }
    });

    test('without --password-stdin and without a terminal: exit 1 naming --password-stdin, no user', async () => {
      const result = await gatehouse(server.env, ...create('noterminal'));
      assert.deepEqual([result.code, result.stdout], [1, '']);
      assert.match(result.stderr, /^gatehouse: stdin is not a terminal: give the password on stdin with --password-stdin$/m);
      assert.equal(await storedUser('noterminal'), undefined);
    });

    test('at a terminal the password is asked twice, and only stored when both match', async () => {
      const created = await atTerminal([PASSWORD, PASSWORD], ...create('prompted', '--json'));
      assert.equal(created.code, 0, created.stderr);
      assert.deepEqual(created.asked, ['Password: ', 'Password again: ']);
      assert.equal((JSON.parse(created.stdout) as UserView).username, 'prompted');
      assert.ok(await hasPassword('prompted', PASSWORD));
      assert.ok(!created.stdout.includes(PASSWORD) && !created.stderr.includes(PASSWORD), 'the password is not printed');

      const mismatch = await atTerminal([PASSWORD, `${PASSWORD}!`], ...create('mistyped'));
      assert.deepEqual([mismatch.code, mismatch.stdout], [1, '']);
      assert.match(mismatch.stderr, /^gatehouse: the two passwords do not match; nothing changed\n$/m);
      assert.equal(await storedUser('mistyped'), undefined);

      const empty = await atTerminal([''], ...create('blank'));
      assert.deepEqual([empty.code, empty.asked], [1, ['Password: ']], 'an empty answer is not asked again');
      assert.match(empty.stderr, /^gatehouse: the password is empty; nothing changed\n$/m);
      assert.equal(await storedUser('blank'), undefined);
    });

    test('on a real terminal the password is not echoed, and a second line typed ahead is not lost', async () => {
      const typed = await onTerminal(
        server.env,
        [
          ['Password: ', PASSWORD],
          ['Password again: ', PASSWORD],
        ],
        ...create('ttyuser'),
      );
      assert.equal(typed.code, 0, typed.shown);
      assert.match(typed.shown, /Password: \r?\nPassword again: \r?\n/);
      assert.match(typed.shown, /Created user "ttyuser"/);
      assert.ok(!typed.shown.includes(PASSWORD), `the terminal showed the password: ${typed.shown}`);
      assert.ok(await hasPassword('ttyuser', PASSWORD));
      // Pasted at once: both lines reach the one prompt reader.
      const pasted = await onTerminal(server.env, [['Password: ', `${PASSWORD}\r${PASSWORD}`]], ...create('ttypaste'));
      assert.equal(pasted.code, 0, pasted.shown);
      assert.ok(!pasted.shown.includes(PASSWORD), `the terminal showed the password: ${pasted.shown}`);
      assert.ok(await hasPassword('ttypaste', PASSWORD));
    });

    test('--password still works for old scripts, with a warning on stderr', async () => {
      const result = await gatehouse(server.env, ...create('oldscript', '--password', PASSWORD, '--json'));
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as UserView).username, 'oldscript');
      assert.match(result.stderr, /^gatehouse: warning: --password puts the password in the process list and the shell history; use/m);
      assert.ok(await hasPassword('oldscript', PASSWORD));
      const both = await gatehouseWithStdin(server.env, PASSWORD, ...create('both', '--password', PASSWORD, '--password-stdin'));
      assert.equal(both.code, 1);
      assert.match(both.stderr, /either on stdin or with --password, not both/);
      assert.equal(await storedUser('both'), undefined);
    });
  });
}
