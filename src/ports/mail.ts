/** A message to one person, in plain text (and optionally HTML). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Where the server's mail goes: an SMTP server (GATEHOUSE_SMTP_URL), or, with none configured, an outbox of `.eml`
 * files in the data directory. `send` resolves when the message is handed over and rejects, in words, when it cannot be.
 * Messages may carry links that admit (invitations): nothing here writes them to a log.
 */
export interface Mailer {
  /** Where messages go, for the operator: `smtp://host:port` or the outbox directory. */
  readonly destination: string;
  send(message: MailMessage): Promise<void>;
}
