import type { Store } from './database.js';
import { unavailableReason } from './errors.js';

export interface GenerationCacheOptions {
  /** An entry is trusted this long while the generation has not moved: a backstop against a missed notification. */
  maxAgeMs: number;
  maxEntries: number;
  /**
   * While the store is unavailable, an entry read at most this long ago stands in for it (stale-if-error, as
   * RFC 5861 §4 has it for HTTP caches): what was valid keeps working through an outage, and a change made
   * elsewhere meanwhile (a client revoked) takes effect within this bound. Older entries, and keys never read,
   * fail as the store does.
   */
  staleIfUnavailableMs: number;
}

/**
 * A read-through cache of records that change rarely (clients, APIs). An entry is trusted while the store's change
 * generation has not moved and it is younger than `maxAgeMs`. Only found records are cached, so unknown keys cannot
 * fill memory.
 */
export class GenerationCache<V> {
  private readonly entries = new Map<string, { value: V; generation: number; loadedAt: number }>();

  constructor(
    private readonly store: Store,
    private readonly load: (key: string) => Promise<V | undefined>,
    private readonly options: GenerationCacheOptions,
  ) {}

  async get(key: string): Promise<V | undefined> {
    const generation = this.store.generation();
    const entry = this.entries.get(key);
    const age = entry ? Date.now() - entry.loadedAt : Infinity;
    if (entry && entry.generation === generation && age < this.options.maxAgeMs) return entry.value;
    let value: V | undefined;
    try {
      value = await this.load(key);
    } catch (error) {
      // The entry keeps its first loadedAt: serving it does not make it fresher.
      if (entry && age < this.options.staleIfUnavailableMs && unavailableReason(error) !== undefined) return entry.value;
      throw error;
    }
    if (value === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.entries.size >= this.options.maxEntries) this.entries.clear();
    this.entries.set(key, { value, generation, loadedAt: Date.now() });
    return value;
  }
}
