import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Mailer, MailMessage } from '../ports/mail.js';

export interface MailSettings {
  /** smtp://host:port (or smtps://, with user:password@ when the server wants them); undefined: the outbox. */
  smtpUrl: string | undefined;
  /** The From of every message. */
  from: string;
  /** The data directory, whose `outbox/` holds the messages when no SMTP server is configured. */
  dataDir: string;
}

/** SMTP connections that hang must not hold an admin request: give up after these (ms). */
const SMTP_TIMEOUTS = { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 };

/**
 * The server's mailer, by nodemailer: SMTP when configured, else each message written as an RFC 5322 `.eml` file to
 * `{dataDir}/outbox/` (readable by the owner only: messages can carry links that admit), which a developer opens with
 * any mail program. The outbox is what a fresh install uses: nothing to set up, and nothing is lost.
 */
export function createMailer(settings: MailSettings): Mailer {
  if (settings.smtpUrl) {
    const url = new URL(settings.smtpUrl);
    const transport = createTransport({ url: settings.smtpUrl, ...SMTP_TIMEOUTS });
    return {
      destination: `${url.protocol}//${url.host}`,
      send: async (message) => {
        await transport.sendMail({ ...message, from: settings.from });
      },
    };
  }
  const outbox = join(settings.dataDir, 'outbox');
  const files = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    destination: outbox,
    send: async (message: MailMessage) => {
      const info = await files.sendMail({ ...message, from: settings.from });
      await mkdir(outbox, { recursive: true, mode: 0o700 });
      // Sortable by time, unique without coordination between processes.
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      await writeFile(join(outbox, name), info.message as Buffer, { mode: 0o600, flag: 'wx' });
    },
  };
}
