import type { AuditLog } from '../admin/audit-log.js';
import type { KeyInfo } from '../keys/key-info.js';
import type { KeyStore, SigningAlgorithm } from '../keys/key-store.js';
import type { Actor } from '../ports/audit.js';

/** The token signing keys, as administrators list and rotate them. */
export class KeyManagement {
  constructor(
    private readonly keys: KeyStore,
    private readonly audit: AuditLog,
  ) {}

  list(): Promise<KeyInfo[]> {
    return this.keys.list();
  }

  /**
   * Signs with new keys from now on; the old public keys stay published until their tokens expire. The key store
   * writes each algorithm's rotation on its own, so the event is recorded once they are done.
   */
  async rotate(algorithms: readonly SigningAlgorithm[], actor: Actor): Promise<{ alg: string; kid: string; retired?: string }[]> {
    const rotated = await this.keys.rotate(algorithms);
    await this.audit.record(actor, 'keys.rotated', rotated.map((r) => r.kid).join(' '), { rotated });
    return rotated;
  }
}
