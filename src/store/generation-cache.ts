import type { RecordCache, RecordCacheOptions } from '../ports/caches.js';
import { unavailableReason } from '../ports/storage-errors.js';
import type { Store } from './database.js';

export interface GenerationCacheOptions extends RecordCacheOptions {
  /**
   * While the store is unavailable, an entry read at most this long ago stands in for it (stale-if-error, as
   * RFC 5861 §4 has it for HTTP caches): what was valid keeps working through an outage, and a change made
   * elsewhere meanwhile (a client revoked) takes effect within this bound. Older entries, and keys never read,
   * fail as the store does.
   */
  staleIfUnavailableMs: number;
}

interface Entry<V> {
  value: V;
  generation: number;
  loadedAt: number;
}

/**
 * A read-through cache of records that change rarely (clients, APIs). An entry is trusted while the store's change
 * generation has not moved and it is younger than `maxAgeMs`. Keys found absent are remembered only when
 * `maxMissEntries` asks for it, under the same rule (a record created later moves the generation, so it is found at
 * once), and in a set of that bounded size (kept apart from the found entries, so a flood of made-up keys can only
 * empty it, never push out a record in use), so unknown keys cannot fill memory.
 */
export class GenerationCache<V> implements RecordCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly misses = new Map<string, Entry<undefined>>();
  /**
   * Loads under way, one per key: the requests that find an entry stale at once (every connection of a busy tenant
   * when its entry ages out) share one read of the store instead of each making its own. Only a load begun at the
   * same generation is shared, so a request after a change never gets what was read before it.
   */
  private readonly loading = new Map<string, { generation: number; value: Promise<V | undefined> }>();

  constructor(
    private readonly store: Store,
    private readonly load: (key: string) => Promise<V | undefined>,
    private readonly options: GenerationCacheOptions,
  ) {}

  async get(key: string): Promise<V | undefined> {
    const generation = this.store.generation();
    const entry: Entry<V | undefined> | undefined = this.entries.get(key) ?? this.misses.get(key);
    const age = entry ? Date.now() - entry.loadedAt : Infinity;
    if (entry && entry.generation === generation && age < this.options.maxAgeMs) return entry.value;
    const pending = this.loading.get(key);
    if (pending?.generation === generation) return pending.value;
    const value = this.reload(key, generation, entry, age).finally(() => {
      if (this.loading.get(key)?.value === value) this.loading.delete(key);
    });
    this.loading.set(key, { generation, value });
    return value;
  }

  private async reload(key: string, generation: number, entry: Entry<V | undefined> | undefined, age: number): Promise<V | undefined> {
    let loaded: V | undefined;
    try {
      loaded = await this.load(key);
    } catch (error) {
      // The entry keeps its first loadedAt: serving it does not make it fresher.
      if (entry && age < this.options.staleIfUnavailableMs && unavailableReason(error) !== undefined) return entry.value;
      throw error;
    }
    this.entries.delete(key);
    this.misses.delete(key);
    if (loaded === undefined) {
      remember(this.misses, key, { value: undefined, generation, loadedAt: Date.now() }, this.options.maxMissEntries ?? 0);
      return undefined;
    }
    remember(this.entries, key, { value: loaded, generation, loadedAt: Date.now() }, this.options.maxEntries);
    return loaded;
  }
}

/** Adds an entry to a map of at most `limit` entries: a full map starts over (cheaper than tracking an LRU order). */
function remember<E>(map: Map<string, E>, key: string, entry: E, limit: number): void {
  if (limit <= 0) return;
  if (map.size >= limit) map.clear();
  map.set(key, entry);
}
