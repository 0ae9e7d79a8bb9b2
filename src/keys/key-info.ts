/**
 * A signing key as the admin API and the CLI list it (times in epoch seconds). Free of imports so that the console
 * shares this one definition.
 */
export interface KeyInfo {
  kid: string;
  alg: string;
  status: 'active' | 'retired' | 'expired';
  createdAt: number;
  retiredAt: number | null;
  publishUntil: number | null;
}
