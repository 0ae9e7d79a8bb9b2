/**
 * The ids of finished interactions (a code issued or the request denied), so that each is answered once. Pending
 * interactions are not stored: they travel sealed in the browser (src/oauth/interaction-seal.ts).
 */
export interface AnsweredInteractions {
  /** Marks the interaction finished, remembered until `expiresAt`; false when another request finished it first. */
  consume(id: string, expiresAt: number): Promise<boolean>;
  isConsumed(id: string): Promise<boolean>;
}
