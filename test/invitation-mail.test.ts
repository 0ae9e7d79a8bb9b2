import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { systemActor } from '../src/admin/audit-log.js';
import { freePort, startTestServer, type TestServer } from './helpers/server.js';
import { createTenants } from './helpers/tenants.js';

const OWNER = { actor: 'owner-1', actor_type: 'member' as const, ip: '' };

/** A real SMTP server on loopback that keeps what it receives (no TLS, no auth: a development relay). */
async function smtpServer(): Promise<{ url: string; received: { to: string[]; data: string }[]; close(): Promise<void> }> {
  const received: { to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), data: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A quoted-printable body back as text (soft line breaks joined, =XX decoded). */
const unfold = (data: string) =>
  data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

describe('invitations are mailed: to the SMTP server when one is configured, else to the outbox', () => {
  describe('with a real SMTP server on loopback', () => {
    let smtp: Awaited<ReturnType<typeof smtpServer>>;
    let server: TestServer;
    before(async () => {
      smtp = await smtpServer();
      server = await startTestServer(
        { name: 'sqlite' },
        { GATEHOUSE_SMTP_URL: smtp.url, GATEHOUSE_MAIL_FROM: 'Acme Platform <team@platform.test>' },
      );
      await createTenants(server, 'acme');
    });
    after(async () => {
      await server?.close();
      await smtp?.close();
    });

    test('the invited address gets the link, which admits', async () => {
      const acme = (await server.server.gatehouse.tenants.open('acme'))!;
      const created = await acme.management.members.invite({ email: 'Dev@Example.com', role: 'developer' }, OWNER);
      assert.equal(created.emailed, true, created.email_error);
      assert.equal(smtp.received.length, 1);
      const [message] = smtp.received;
      assert.deepEqual(message!.to, ['dev@example.com']);
      const text = unfold(message!.data);
      assert.match(text, /^From: Acme Platform <team@platform\.test>$/m);
      assert.match(text, /^Subject: You are invited to join acme Inc\.$/m);
      assert.match(text, /join acme Inc\. as developer/);
      assert.ok(text.includes(created.url), 'the message carries the link');
      const token = created.url.split('#')[1]!;
      assert.equal((await server.server.gatehouse.platform.accounts.lookup(token)).account.id, 'acme');
    });

    test('with the SMTP server gone, the invitation stands and the owner is told why', async () => {
      const port = await freePort();
      const down = await startTestServer({ name: 'sqlite' }, { GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}` });
      try {
        await createTenants(down, 'beta');
        const beta = (await down.server.gatehouse.tenants.open('beta'))!;
        const created = await beta.management.members.invite({ email: 'ops@beta.test', role: 'viewer' }, OWNER);
        assert.equal(created.emailed, false);
        assert.match(created.email_error ?? '', /ECONNREFUSED|connect/i);
        assert.deepEqual(
          (await beta.management.members.invitations()).map((i) => i.email),
          ['ops@beta.test'],
        );
        await down.server.gatehouse.platform.accounts.lookup(created.url.split('#')[1]!);
      } finally {
        await down.close();
      }
    });
  });

  describe('without one: the outbox in the data directory', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ name: 'sqlite' });
      await server.server.gatehouse.platform.tenants.create({ id: 'gamma', name: 'Gamma' }, systemActor());
    });
    after(() => server?.close());

    test('each message is an .eml file only its owner may read, with the link', async () => {
      const gamma = (await server.server.gatehouse.tenants.open('gamma'))!;
      const created = await gamma.management.members.invite({ email: 'sam@gamma.test', role: 'admin' }, OWNER);
      assert.equal(created.emailed, true, created.email_error);
      const outbox = join(server.server.gatehouse.config.dataDir, 'outbox');
      const files = (await readdir(outbox)).filter((name) => name.endsWith('.eml'));
      assert.equal(files.length, 1);
      assert.equal((await stat(join(outbox, files[0]!))).mode & 0o777, 0o600);
      assert.equal((await stat(outbox)).mode & 0o777, 0o700);
      const text = unfold(await readFile(join(outbox, files[0]!), 'utf8'));
      assert.match(text, /^To: sam@gamma\.test$/m);
      assert.match(text, /^Subject: You are invited to join Gamma$/m);
      assert.ok(text.includes(created.url));
    });
  });
});
