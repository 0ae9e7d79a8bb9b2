// Answered interactions in memory, as store/interactions.ts: the first to finish an interaction wins.
import type { AnsweredInteractions } from '../ports/interactions.js';

export class MemoryInteractions implements AnsweredInteractions {
  /** When each answered interaction may be forgotten. */
  readonly answered = new Map<string, number>();

  async consume(id: string, expiresAt: number): Promise<boolean> {
    if (this.answered.has(id)) return false;
    this.answered.set(id, expiresAt);
    return true;
  }

  async isConsumed(id: string): Promise<boolean> {
    return this.answered.has(id);
  }
}
