import { randomBytes } from 'node:crypto';
import type { PageKeyStore, SealedPageKey } from '../ports/keys.js';
import { MasterKeyMismatchError } from './master-key.js';
import { seal, unsealIfOpens } from './sealed-box.js';

/** csrf: the MAC key of CSRF tokens; interactions: the key that wraps pending interactions (interaction-seal.ts). */
export const PAGE_KEY_NAMES = ['csrf', 'interactions'] as const;
export type PageKeyName = (typeof PAGE_KEY_NAMES)[number];

/** What a page key's sealed value is bound to, so that one moved to another row (or a signing key's) does not open. */
export const pageKeyContext = (name: string): string => `page-key:${name}`;

/**
 * The keys of the pages: random 256-bit keys made once per store, kept sealed under the master key, and the same in
 * every process on the store. Nothing of them comes from GATEHOUSE_SECRET, so what the pages hand out (CSRF tokens,
 * sealed interactions) tells nothing about it.
 */
export class PageKeys {
  private keys: Map<string, Buffer> | undefined;

  constructor(
    private readonly repository: PageKeyStore,
    private readonly masterKey: Buffer,
  ) {}

  /**
   * Opens the page keys when the store has them all and each opens under the master key; false otherwise (then nothing
   * is loaded). All of them opening says that this master key has been used to start before, so its secret passed the
   * strength check then (prepareKeys checks before it creates or re-seals any key): a restart need not judge it again.
   */
  async open(): Promise<boolean> {
    const rows = await this.repository.list();
    if (!PAGE_KEY_NAMES.every((name) => rows.some((row) => row.name === name))) return false;
    const keys = new Map<string, Buffer>();
    for (const row of rows) {
      const key = this.opened(row);
      if (key === undefined) return false;
      keys.set(row.name, key);
    }
    this.keys = keys;
    return true;
  }

  /**
   * Creates the keys the store lacks (insert-if-absent, so processes starting together agree on the first), then reads
   * and opens them all. A key sealed under another master key is a refusal to start, as for signing keys.
   */
  async ensure(): Promise<void> {
    let rows = await this.repository.list();
    const missing = PAGE_KEY_NAMES.filter((name) => !rows.some((row) => row.name === name));
    if (missing.length > 0) {
      for (const name of missing) {
        const sealed = seal(this.masterKey, randomBytes(32).toString('base64url'), pageKeyContext(name));
        await this.repository.addIfAbsent({ name, sealed });
      }
      rows = await this.repository.list();
    }
    const keys = new Map<string, Buffer>();
    for (const row of rows) {
      const key = this.opened(row);
      if (key === undefined) throw new MasterKeyMismatchError(`the page key "${row.name}"`);
      keys.set(row.name, key);
    }
    this.keys = keys;
  }

  /** The row's key, or undefined when it does not open under the master key. */
  private opened(row: SealedPageKey): Buffer | undefined {
    const key = unsealIfOpens(this.masterKey, row.sealed, pageKeyContext(row.name));
    return key === undefined ? undefined : Buffer.from(key, 'base64url');
  }

  /** A page key; open() or ensure() must have run (prepareKeys does it at start). */
  key(name: PageKeyName): Buffer {
    const key = this.keys?.get(name);
    if (!key) throw new Error(`the page key "${name}" is not loaded: prepare the keys before serving pages`);
    return key;
  }
}
