import type { Kysely } from 'kysely';

/**
 * The purge finds what has expired through these instead of scanning whole tables, and the grant purge asks
 * whether a code still names a grant. (Answered interactions got theirs in 0005.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  const indexes: [name: string, table: string, column: string][] = [
    ['authorization_codes_expires_at', 'authorization_codes', 'expires_at'],
    ['authorization_codes_grant', 'authorization_codes', 'grant_id'],
    ['grant_access_tokens_expires_at', 'grant_access_tokens', 'expires_at'],
    ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at'],
    // 0004 rebuilt the table without it; the grant purge asks whether a refresh token still names a grant.
    ['refresh_tokens_grant', 'refresh_tokens', 'grant_id'],
    ['sessions_expires_at', 'sessions', 'expires_at'],
    ['sessions_revoked_at', 'sessions', 'revoked_at'],
    ['login_throttle_window_start', 'login_throttle', 'window_start'],
    ['audit_events_at', 'audit_events', 'at'],
  ];
  for (const [name, table, column] of indexes) await db.schema.createIndex(name).on(table).column(column).execute();
}
