import { userInfo } from 'node:os';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { AuditFilter, AuditRepository } from '../store/audit.js';

export type { Actor } from '../ports/audit.js';

/** The actor for commands run with the CLI on this machine. */
export const cliActor = (): Actor => {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the action is still recorded.
  }
  return { actor: `cli:${name}`, actor_type: 'cli', ip: '' };
};

/** Gatehouse itself, acting on its own at start (restoring a built-in client), not on anyone's request. */
export const systemActor = (): Actor => ({ actor: 'system', actor_type: 'system', ip: '' });

/** The actor for a request by nobody authenticated (a failed sign-in): what they typed goes in the details. */
export const anonymousActor = (ip: string): Actor => ({ actor: 'anonymous', actor_type: 'anonymous', ip });

/**
 * Records administrative and security events. Never holds a secret or a token: details name ids, scopes and
 * outcomes only. A failure to record is reported but does not undo or fail the action it describes.
 */
export class AuditLog implements AuditSink {
  constructor(
    private readonly events: Pick<AuditRepository, 'append' | 'page'>,
    private readonly onError: (error: unknown) => void = (error) =>
      process.stderr.write(`${JSON.stringify({ level: 50, msg: 'audit event not recorded', err: String(error) })}\n`),
  ) {}

  async record(who: Actor, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
    try {
      await this.events.append({ ...who, action, target, details });
    } catch (error) {
      this.onError(error);
    }
  }

  page(limit: number, before?: string, filter?: AuditFilter) {
    return this.events.page(limit, before, filter);
  }
}
