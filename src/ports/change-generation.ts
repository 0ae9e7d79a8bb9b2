/**
 * The store's change counter (store/database.ts): it moves whenever a change that caches depend on is committed, by
 * this process or another one (the CLI, a second server). A cache remembers the generation it was filled at and
 * refills when the counter has moved.
 */
export interface ChangeGeneration {
  generation(): number;
}
