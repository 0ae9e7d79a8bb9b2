/** A read-through cache of records that change rarely (clients, APIs, revocation status). */
export interface RecordCache<V> {
  /** The record, from the cache while it is fresh, else loaded; undefined when there is none. */
  get(key: string): Promise<V | undefined>;
}

export interface RecordCacheOptions {
  /** An entry is trusted at most this long, even when no change was announced: a backstop against a missed one. */
  maxAgeMs: number;
  maxEntries: number;
  /**
   * How many keys to remember as absent (0, the default: none). A miss then costs what a hit costs, so that how long
   * an answer takes does not tell whether a key (a client_id) exists.
   */
  maxMissEntries?: number;
}

/**
 * Makes caches over `load` that follow the store's announced changes (a record changed by the CLI or by another
 * process is read again at once) and, while the store is unavailable, stand in for it within the bound the
 * deployment allows. The core owns what is cached and for how long; the store owns how changes are seen.
 */
export type RecordCaches = <V>(load: (key: string) => Promise<V | undefined>, options: RecordCacheOptions) => RecordCache<V>;
