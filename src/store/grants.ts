import type { Selectable } from 'kysely';
import type { Store } from './database.js';
import type { AuthorizationCodesTable, RefreshTokensTable } from './schema.js';
import { fromJsonList, nowSeconds, toJsonList } from './json-list.js';
import { deleteInBatches, EXPIRED_TOKEN_MARGIN_SECONDS, PURGE_BATCH_SIZE, inPurgeBatch, yieldToEventLoop } from './purge.js';

/** What a code or refresh token stands for: who authorized which client for what, and when. */
export interface GrantContext {
  clientId: string;
  userId: string;
  sessionId: string;
  scopes: string[];
  audience: string;
  authTime: number;
  /** When the authorization request was made (the `rat` claim). */
  requestedAt: number;
}

export interface AuthorizationCode extends GrantContext {
  codeHash: string;
  redirectUri: string | null;
  codeChallenge: string;
  nonce: string | null;
  expiresAt: number;
  usedAt: number | null;
  grantId: string | null;
}

export interface RefreshToken extends GrantContext {
  tokenHash: string;
  grantId: string;
  /** Whether its grant (the family) has been revoked. */
  grantRevoked: boolean;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** Rows removed by one purge, per table. */
export interface GrantPurgeCounts {
  authorization_codes: number;
  grant_access_tokens: number;
  refresh_tokens: number;
  grants: number;
}

// Codes live 60 s; as before, one is kept an hour past expiry, far beyond any clock difference between processes.
const CODE_RETENTION_SECONDS = 3600;
// The request that creates a grant records its tokens a moment later; a younger grant with no tokens is in the
// middle of being issued, not abandoned. An hour also covers clock differences between server processes.
const GRANT_MIN_AGE_SECONDS = 3600;

const context = (row: Selectable<AuthorizationCodesTable> | Selectable<RefreshTokensTable>): GrantContext => ({
  clientId: row.client_id,
  userId: row.user_id,
  sessionId: row.session_id,
  scopes: fromJsonList(row.scopes),
  audience: row.audience,
  authTime: row.auth_time,
  requestedAt: row.requested_at,
});

const contextRow = (grant: GrantContext) => ({
  client_id: grant.clientId,
  user_id: grant.userId,
  session_id: grant.sessionId,
  scopes: toJsonList(grant.scopes),
  audience: grant.audience,
  auth_time: grant.authTime,
  requested_at: grant.requestedAt,
});

/**
 * Grants and everything issued from them. A grant is born when a code is redeemed; its refresh tokens form one
 * rotation family and its access tokens are listed by jti, so revoking the grant (code replay, refresh-token reuse,
 * withdrawn consent) ends all of them at once without touching each token.
 */
export class GrantRepository {
  constructor(private readonly store: Store) {}

  async createGrant(id: string, userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    await this.store.db
      .insertInto('grants')
      .values({ id, user_id: userId, client_id: clientId, scopes: toJsonList(scopes), created_at: nowSeconds(), revoked_at: null })
      .execute();
  }

  /** Revoking announces a change: caches of revocation status everywhere must drop what they know. */
  async revokeGrant(id: string): Promise<void> {
    await this.store.db.updateTable('grants').set({ revoked_at: nowSeconds() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    await this.store.announceChange();
  }

  /** Ends every grant a user gave a client; returns how many were live. */
  async revokeGrantsOf(userId: string, clientId: string): Promise<number> {
    const result = await this.store.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numUpdatedRows);
  }

  /** Makes the user's unredeemed codes for the client worthless (consent withdrawn before they were used). */
  async invalidateCodesOf(userId: string, clientId: string): Promise<void> {
    await this.store.db
      .updateTable('authorization_codes')
      .set({ used_at: nowSeconds() })
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('used_at', 'is', null)
      .execute();
  }

  /** Ends every grant of a user, whatever the client (the user was disabled). */
  async revokeAllGrantsOf(userId: string): Promise<number> {
    const result = await this.store.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numUpdatedRows);
  }

  async createCode(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void> {
    await this.store.db
      .insertInto('authorization_codes')
      .values({
        code_hash: code.codeHash,
        ...contextRow(code),
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        nonce: code.nonce,
        expires_at: code.expiresAt,
        used_at: null,
        grant_id: null,
      })
      .execute();
  }

  async findCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const row = await this.store.db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return (
      row && {
        ...context(row),
        codeHash: row.code_hash,
        redirectUri: row.redirect_uri,
        codeChallenge: row.code_challenge,
        nonce: row.nonce,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        grantId: row.grant_id,
      }
    );
  }

  /** Marks the code used by `grantId`; false when another request used it first. */
  async consumeCode(codeHash: string, grantId: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('authorization_codes')
      .set({ used_at: nowSeconds(), grant_id: grantId })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async recordAccessToken(jti: string, grantId: string, clientId: string, expiresAt: number): Promise<void> {
    await this.store.db.insertInto('grant_access_tokens').values({ jti, grant_id: grantId, client_id: clientId, expires_at: expiresAt }).execute();
  }

  async createRefreshToken(token: Omit<RefreshToken, 'usedAt' | 'createdAt' | 'grantRevoked'>): Promise<void> {
    await this.store.db
      .insertInto('refresh_tokens')
      .values({
        token_hash: token.tokenHash,
        grant_id: token.grantId,
        ...contextRow(token),
        created_at: nowSeconds(),
        expires_at: token.expiresAt,
        used_at: null,
      })
      .execute();
  }

  /** The refresh token and, in the same query, whether its family has been revoked. */
  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const row = await this.store.db
      .selectFrom('refresh_tokens')
      .innerJoin('grants', 'grants.id', 'refresh_tokens.grant_id')
      .selectAll('refresh_tokens')
      .select('grants.revoked_at as grant_revoked_at')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      row && {
        ...context(row),
        tokenHash: row.token_hash,
        grantId: row.grant_id,
        grantRevoked: row.grant_revoked_at !== null,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
      }
    );
  }

  /** Marks the refresh token rotated; false when it was used already (by a concurrent request, or a replay). */
  async consumeRefreshToken(tokenHash: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('refresh_tokens')
      .set({ used_at: nowSeconds() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Deletes expired codes and tokens, then the grants nothing refers to any more; counts per table. */
  async purgeExpired(now = nowSeconds()): Promise<GrantPurgeCounts> {
    return {
      authorization_codes: await this.purgeExpiredCodes(now),
      grant_access_tokens: await this.purgeExpiredAccessTokenRecords(now),
      refresh_tokens: await this.purgeExpiredRefreshTokens(now),
      // Last: the rows above are what keeps a grant.
      grants: await this.purgeUnreferencedGrants(now),
    };
  }

  async purgeExpiredCodes(now = nowSeconds()): Promise<number> {
    const { db, dialect } = this.store;
    const expired = (limit: number) =>
      inPurgeBatch(dialect, 'code_hash', db.selectFrom('authorization_codes').select('code_hash').where('expires_at', '<', now - CODE_RETENTION_SECONDS).limit(limit));
    return deleteInBatches((limit) => db.deleteFrom('authorization_codes').where(expired(limit)).executeTakeFirst());
  }

  /** An access token's record goes only after no verifier would accept the token any more, revoked or not. */
  async purgeExpiredAccessTokenRecords(now = nowSeconds()): Promise<number> {
    const { db, dialect } = this.store;
    const expired = (limit: number) =>
      inPurgeBatch(dialect, 'jti', db.selectFrom('grant_access_tokens').select('jti').where('expires_at', '<', now - EXPIRED_TOKEN_MARGIN_SECONDS).limit(limit));
    return deleteInBatches((limit) => db.deleteFrom('grant_access_tokens').where(expired(limit)).executeTakeFirst());
  }

  async purgeExpiredRefreshTokens(now = nowSeconds()): Promise<number> {
    const { db, dialect } = this.store;
    const expired = (limit: number) =>
      inPurgeBatch(dialect, 'token_hash', db.selectFrom('refresh_tokens').select('token_hash').where('expires_at', '<', now).limit(limit));
    return deleteInBatches((limit) => db.deleteFrom('refresh_tokens').where(expired(limit)).executeTakeFirst());
  }

  /**
   * Deletes grants that nothing refers to any more. A grant row matters only while something issued from it can
   * still be presented or checked: a refresh token, used or not (the refresh grant and revocation read the
   * family's state from it, and reuse revokes it: RFC 9700 §4.14.2); an access token's record (every check of an
   * access token here asks whether its grant was revoked; kept until the token expired beyond any verifier's
   * leeway); a code that names it (a replayed code revokes it: RFC 6749 §4.1.2). With none of these left nothing
   * can be presented that the grant would decide about: revoking it would change nothing, so deleting it loses
   * nothing.
   * Young grants stay (see GRANT_MIN_AGE_SECONDS). The check is part of the DELETE itself, so a token recorded
   * between finding a candidate and deleting it keeps its grant.
   */
  async purgeUnreferencedGrants(now = nowSeconds()): Promise<number> {
    const { db } = this.store;
    let deleted = 0;
    // Walks the grants by primary key, a batch at a time, instead of one statement over the whole table.
    for (let after = ''; ; ) {
      const batch = await db.selectFrom('grants').select('id').where('id', '>', after).orderBy('id').limit(PURGE_BATCH_SIZE).execute();
      if (batch.length === 0) return deleted;
      after = batch.at(-1)!.id;
      const result = await db
        .deleteFrom('grants')
        .where('id', 'in', batch.map((row) => row.id))
        .where('created_at', '<', now - GRANT_MIN_AGE_SECONDS)
        .where((eb) =>
          eb.not(
            eb.or([
              eb.exists(eb.selectFrom('refresh_tokens').select('refresh_tokens.grant_id').whereRef('refresh_tokens.grant_id', '=', 'grants.id')),
              eb.exists(eb.selectFrom('grant_access_tokens').select('grant_access_tokens.grant_id').whereRef('grant_access_tokens.grant_id', '=', 'grants.id')),
              eb.exists(eb.selectFrom('authorization_codes').select('authorization_codes.grant_id').whereRef('authorization_codes.grant_id', '=', 'grants.id')),
            ]),
          ),
        )
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (batch.length < PURGE_BATCH_SIZE) return deleted;
      await yieldToEventLoop();
    }
  }
}
