// Consents in memory, as store/consents.ts: one per user, client and API; granting adds to the scopes there.
import { nowSeconds } from '../ports/clock.js';
import type { Consent, Consents } from '../ports/consents.js';

export class MemoryConsents implements Consents {
  readonly rows = new Map<string, Consent>();

  async get(userId: string, clientId: string, audience: string): Promise<Consent | undefined> {
    const consent = this.rows.get(JSON.stringify([userId, clientId, audience]));
    return consent && { ...consent, scopes: [...consent.scopes] };
  }

  async grant(userId: string, clientId: string, audience: string, scopes: readonly string[]): Promise<void> {
    const key = JSON.stringify([userId, clientId, audience]);
    const merged = [...new Set([...(this.rows.get(key)?.scopes ?? []), ...scopes])];
    this.rows.set(key, { userId, clientId, audience, scopes: merged, grantedAt: nowSeconds() });
  }
}
