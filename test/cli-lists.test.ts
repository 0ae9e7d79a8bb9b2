import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UserView } from '../src/admin/views.js';
import { backends } from './helpers/backends.js';
import { freshStoreEnv, gatehouse, gatehouseInProcess } from './helpers/cli.js';

/**
 * The cells of a table the CLI printed, checking that it is one: a header row, then rows whose every column starts
 * where its header does (columns are two or more spaces apart; a header may have one space inside).
 */
function tableOf(text: string, headers: string[]): string[][] {
  const [header, ...rows] = text.replace(/\n$/, '').split('\n');
  const starts = headers.map((name) => header!.indexOf(name));
  assert.equal(header, headers.map((name, i) => name.padEnd((starts[i + 1] ?? 0) - starts[i]!)).join(''), 'the header row');
  return rows.map((row) =>
    starts.map((start, i) => {
      assert.ok(start === 0 || row.slice(start - 2, start) === '  ', `column ${headers[i]} is aligned in: ${row}`);
      assert.notEqual(row[start], ' ', `column ${headers[i]} is aligned in: ${row}`);
      return row.slice(start, starts[i + 1]).trimEnd();
    }),
  );
}

/** Issue 10 item 11: lists readable at a terminal, --json for programs. */
for (const backend of backends()) {
  describe(`CLI lists as tables (${backend.name})`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    let env: Record<string, string>;
    before(async () => {
      env = await freshStoreEnv(backend, cleanup);
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });
    /** Sets up what the lists show: in this process, as a spawn per command would make the suite slow. */
    const setUp = async <T = any>(...args: string[]): Promise<T> => {
      const stdin = 'Tq8#vLm2!pZr5wXe';
      const result = await gatehouseInProcess(env, [...args, '--json'], { readStdin: () => Promise.resolve(stdin) });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as T;
    };
    const listed = async (...args: string[]) => {
      const result = await gatehouse(env, ...args);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout;
    };

    test('empty lists say so and how to begin', async () => {
      assert.match(await listed('clients', 'list'), /^No app clients yet\. Create one with: gatehouse clients create --name NAME .*\n$/);
      assert.equal(await listed('roles', 'list'), 'No roles yet.\n');
      assert.equal(await listed('users', 'list'), 'No users yet.\n');
    });

    test('clients, roles, APIs, users and keys list: a header row and aligned columns; --json is unchanged', async () => {
      await setUp('roles', 'create', '--name', 'reader', '--scopes', 'demo:read orders:read', '--description', 'Reads things');
      await setUp('roles', 'create', '--name', 'w', '--scopes', 'orders:write');
      const billing = await setUp('clients', 'create', '--name', 'Billing service', '--roles', 'reader,w');
      // A name with an escape sequence in it is shown escaped: it cannot recolour or rewrite the operator's terminal.
      const publicApp = ['--public', '--redirect-uris', 'http://127.0.0.1/cb'];
      const odd = await setUp('clients', 'create', '--name', 'Red\u001b[31m name', ...publicApp);
      const byFirstCell = (rows: string[][]) => [...rows].sort((a, b) => a[0]!.localeCompare(b[0]!));
      const clientRows = tableOf(await listed('clients', 'list'), ['CLIENT ID', 'STATUS', 'NAME', 'ROLES', 'GRANT TYPES']);
      assert.deepEqual(
        byFirstCell(clientRows),
        byFirstCell([
          [billing.client_id, 'active', 'Billing service', 'reader,w', 'client_credentials'],
          [odd.client_id, 'active', 'Red\\u001b[31m name', '-', 'authorization_code,refresh_token'],
        ]),
      );
      assert.deepEqual(tableOf(await listed('roles', 'list'), ['NAME', 'SCOPES', 'OWNER', 'DESCRIPTION']), [
        ['reader', 'demo:read orders:read', 'own', 'Reads things'],
        ['w', 'orders:write', 'own', '-'],
      ]);

      const orders = ['--identifier', 'https://orders.example.com', '--name', 'Orders', '--scopes', 'orders:read orders:write'];
      await setUp('apis', 'create', ...orders);
      await setUp('apis', 'create', '--identifier', 'https://any.example.com', '--name', 'Open');
      const apiRows = tableOf(await listed('apis', 'list'), ['IDENTIFIER', 'NAME', 'SCOPES', 'OWNER', 'OPENAPI']);
      assert.deepEqual(apiRows[0], ['http://localhost:4444/api', '(default API)', '-', '-', '-']);
      assert.deepEqual(byFirstCell(apiRows.slice(1)), [
        ['https://any.example.com', 'Open', '(any)', 'own', '-'],
        ['https://orders.example.com', 'Orders', 'orders:read orders:write', 'own', '-'],
      ]);

      const args = (username: string, ...more: string[]) => ['users', 'create', '--username', username, ...more, '--password-stdin'];
      const carol = await setUp<UserView>(...args('carol', '--email', 'carol@example.com', '--admin'));
      const dave = await setUp<UserView>(...args('dave'));
      await setUp('users', 'disable', 'dave', '--yes');
      assert.deepEqual(
        byFirstCell(tableOf(await listed('users', 'list'), ['ID', 'USERNAME', 'STATUS', 'ROLES', 'EMAIL'])),
        byFirstCell([
          [carol.id, 'carol', 'active', 'admin', 'carol@example.com'],
          [dave.id, 'dave', 'disabled', '-', '-'],
        ]),
      );

      const keys = await setUp<{ kid: string; alg: string; status: string; created_at: number }[]>('keys', 'list');
      const keyRows = tableOf(await listed('keys', 'list'), ['KID', 'ALG', 'STATUS', 'CREATED', 'PUBLISHED UNTIL']);
      const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
      assert.deepEqual(byFirstCell(keyRows), byFirstCell(keys.map((k) => [k.kid, k.alg, k.status, iso(k.created_at), '-'])));

      // --json prints the same documents as before the tables: the views themselves.
      const clients = await setUp<{ client_id: string; name: string }[]>('clients', 'list');
      assert.deepEqual(clients.map((c) => c.name).sort(), ['Billing service', 'Red\u001b[31m name']);
      const roles = await setUp('roles', 'list');
      assert.deepEqual(Object.keys(roles[0]).sort(), ['created_at', 'description', 'name', 'platform', 'scopes']);
    });
  });
}
