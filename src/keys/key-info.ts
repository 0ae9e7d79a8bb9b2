/**
 * A signing key as the admin API and the CLI list it (times in epoch seconds). Free of imports so that the console
 * shares this one definition.
 */
export interface KeyInfo {
  kid: string;
  alg: string;
  status: 'active' | 'retired' | 'expired';
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}
