import type { Store } from './database.js';

/**
 * A read-through cache of records that change rarely (clients, APIs). An entry is trusted while the store's change
 * generation has not moved and it is younger than `maxAgeMs`, a backstop against a missed change notification.
 * Only found records are cached, so unknown keys cannot fill memory.
 */
export class GenerationCache<V> {
  private readonly entries = new Map<string, { value: V; generation: number; loadedAt: number }>();

  constructor(
    private readonly store: Store,
    private readonly load: (key: string) => Promise<V | undefined>,
    private readonly options: { maxAgeMs: number; maxEntries: number },
  ) {}

  async get(key: string): Promise<V | undefined> {
    const generation = this.store.generation();
    const entry = this.entries.get(key);
    if (entry && entry.generation === generation && Date.now() - entry.loadedAt < this.options.maxAgeMs) return entry.value;
    const value = await this.load(key);
    if (value === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.entries.size >= this.options.maxEntries) this.entries.clear();
    this.entries.set(key, { value, generation, loadedAt: Date.now() });
    return value;
  }
}
