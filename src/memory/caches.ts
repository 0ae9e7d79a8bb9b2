// Record caches in memory that follow announced changes, as the store's do (store/generation-cache.ts).
import type { RecordCaches } from '../ports/caches.js';

/**
 * Caches whose entries are kept until `announceChange()`, as a change announced by the store (another process's
 * write) makes every cache read again. Age and size bounds are the store's concern and not modelled.
 */
export function changeFollowingCaches(): { caches: RecordCaches; announceChange: () => void } {
  let generation = 0;
  const caches: RecordCaches = <V>(load: (key: string) => Promise<V | undefined>) => {
    const entries = new Map<string, { generation: number; value: V | undefined }>();
    return {
      async get(key: string) {
        const entry = entries.get(key);
        if (entry?.generation === generation) return entry.value;
        const value = await load(key);
        entries.set(key, { generation, value });
        return value;
      },
    };
  };
  return { caches, announceChange: () => void generation++ };
}
