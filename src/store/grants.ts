import { type CompiledQuery, type Kysely, type Selectable, sql } from 'kysely';
import type { AuthorizationCode, AuthorizationCodes } from '../ports/authorization-codes.js';
import { nowSeconds } from '../ports/clock.js';
import type { GrantContext, GrantRevocation, IssuedTokens, NewGrant } from '../ports/grants.js';
import type { RefreshFamily, RefreshToken, RefreshTokens, RotationDecision } from '../ports/refresh-tokens.js';
import type { Store } from './database.js';
import { fromJsonList, toJsonList } from './json-list.js';
import { EXPIRED_TOKEN_MARGIN_SECONDS, PURGE_BATCH_SIZE, type PurgePace, purgeInBatches, unpaced } from './purge.js';
import type { AuthorizationCodesTable, Database, GrantsTable } from './schema.js';

/** Whose grants: a user's, a client's, or those for an API (its identifier, the grants' audience). */
export interface GrantOwner {
  by: 'user' | 'client' | 'audience';
  id: string;
}

const OWNER_COLUMN = { user: 'user_id', client: 'client_id', audience: 'audience' } as const;

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

type ContextColumns = 'client_id' | 'user_id' | 'session_id' | 'scopes' | 'audience' | 'auth_time' | 'requested_at';
type FamilyColumns = 'id' | 'created_at' | 'revoked_at' | 'refresh_token_hash' | 'rotated_token_hash' | 'rotated_at';

/**
 * What a refresh needs of the grant, named column by column: the lookup is a prepared statement (Store.prepared),
 * which a `grants.*` would break once a migration adds a column.
 */
const REFRESH_GRANT_COLUMNS = [
  'grants.id',
  'grants.client_id',
  'grants.user_id',
  'grants.session_id',
  'grants.scopes',
  'grants.audience',
  'grants.auth_time',
  'grants.requested_at',
  'grants.created_at',
  'grants.revoked_at',
  'grants.refresh_token_hash',
  'grants.refresh_token_issued_at',
  'grants.rotated_token_hash',
  'grants.rotated_at',
] as const;

const context = (row: Pick<Selectable<AuthorizationCodesTable> | Selectable<GrantsTable>, ContextColumns>): GrantContext => ({
  clientId: row.client_id,
  userId: row.user_id,
  sessionId: row.session_id,
  scopes: fromJsonList(row.scopes),
  audience: row.audience,
  authTime: row.auth_time,
  requestedAt: row.requested_at,
});

const family = (row: Pick<Selectable<GrantsTable>, FamilyColumns>): RefreshFamily => ({
  grantId: row.id,
  startedAt: row.created_at,
  revoked: row.revoked_at !== null,
  liveTokenHash: row.refresh_token_hash,
  rotatedTokenHash: row.rotated_token_hash,
  rotatedAt: row.rotated_at,
});

// Refresh-token rows are kept for reuse detection, one per rotation, so their key is the 32 hash bytes, not 64 hex
// characters; everything else about the token lives once on its grant.
const hashBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

/**
 * Grants and everything issued from them. A grant is born when a code is redeemed; its refresh tokens form one
 * rotation family and its access tokens are listed by jti, so revoking the grant (code replay, refresh-token reuse,
 * withdrawn consent) ends all of them at once without touching each token.
 *
 * Steps that write more than once are one transaction each: a compare-and-set with what follows from it
 * (Store.compareAndWrite), so no decision in JavaScript waits between their statements.
 */
export class GrantRepository implements AuthorizationCodes, RefreshTokens, GrantRevocation {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Store,
    private readonly tenant: string,
  ) {
    this.db = store.db;
  }

  /** Revoking announces a change: caches of revocation status everywhere must drop what they know. */
  async revokeGrant(id: string): Promise<void> {
    await this.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    await this.store.announceChange();
  }

  /** Ends every grant a user gave a client; returns how many were live. */
  async revokeGrantsOf(userId: string, clientId: string): Promise<number> {
    const result = await this.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numUpdatedRows);
  }

  /** Makes the user's unredeemed codes for the client worthless (consent withdrawn before they were used). */
  async invalidateCodesOf(userId: string, clientId: string): Promise<void> {
    await this.db
      .updateTable('authorization_codes')
      .set({ used_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('used_at', 'is', null)
      .execute();
  }

  /** Ends every grant of a user, whatever the client (the user was disabled). */
  async revokeAllGrantsOf(userId: string): Promise<number> {
    const result = await this.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numUpdatedRows);
  }

  /** How many live grants (each a refresh-token family with its access tokens) `owner` has: what deleting it revokes. */
  async countLive(owner: GrantOwner): Promise<number> {
    const row = await this.db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', this.tenant)
      .where(OWNER_COLUMN[owner.by], '=', owner.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Ends every live grant of `owner` (a user, a client, or the API they are for), and makes its unredeemed codes
   * worthless so none turns into a grant afterwards: `owner` is being deleted. Returns how many grants were live.
   */
  async revokeEverythingOf(owner: GrantOwner): Promise<number> {
    const column = OWNER_COLUMN[owner.by];
    await this.db
      .updateTable('authorization_codes')
      .set({ used_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where(column, '=', owner.id)
      .where('used_at', 'is', null)
      .execute();
    const result = await this.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where(column, '=', owner.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await this.store.announceChange();
    return Number(result.numUpdatedRows);
  }

  /** The update that ends every live grant given to a client, for a transaction that does more (ClientRepository.restore). */
  revokeAllGrantsOfClientStatement(clientId: string): CompiledQuery {
    return this.db
      .updateTable('grants')
      .set({ revoked_at: nowSeconds() })
      .where('tenant_id', '=', this.tenant)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .compile();
  }

  async createCode(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({
        tenant_id: this.tenant,
        code_hash: code.codeHash,
        client_id: code.clientId,
        user_id: code.userId,
        session_id: code.sessionId,
        scopes: toJsonList(code.scopes),
        audience: code.audience,
        auth_time: code.authTime,
        requested_at: code.requestedAt,
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
    const row = await this.db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
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

  /**
   * Redeems the code for a new grant with the tokens issued for it, in one transaction: false, and nothing
   * written, when another request redeemed it first. The conditional UPDATE of the code is the deciding step (a
   * concurrent one waits for its row lock on PostgreSQL, or for the write lock on SQLite, and then finds the code
   * used). Rolled back instead of committed when `signal` is aborted by then: the client that went away may retry
   * with the same code.
   */
  async redeemCode(codeHash: string, grant: NewGrant, signal?: AbortSignal): Promise<boolean> {
    const { context: c, issued } = grant;
    const consume = this.db
      .updateTable('authorization_codes')
      .set({ used_at: nowSeconds(), grant_id: grant.id })
      .where('tenant_id', '=', this.tenant)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null);
    const create = this.db.insertInto('grants').values({
      tenant_id: this.tenant,
      id: grant.id,
      user_id: c.userId,
      client_id: c.clientId,
      scopes: toJsonList(c.scopes),
      created_at: nowSeconds(),
      revoked_at: null,
      session_id: c.sessionId,
      audience: c.audience,
      auth_time: c.authTime,
      requested_at: c.requestedAt,
      refresh_token_hash: issued.refreshToken?.tokenHash ?? null,
      refresh_token_issued_at: issued.refreshToken?.issuedAt ?? null,
      rotated_token_hash: null,
      rotated_at: null,
    });
    return this.store.compareAndWrite(consume.compile(), [create.compile(), ...this.recordsOfIssued(grant.id, c.clientId, issued)], signal);
  }

  /** The statements that list the access token under its grant and keep the refresh token for the family. */
  private recordsOfIssued(grantId: string, clientId: string, issued: IssuedTokens): CompiledQuery[] {
    return [
      this.db
        .insertInto('grant_access_tokens')
        .values({
          tenant_id: this.tenant,
          jti: issued.accessToken.jti,
          grant_id: grantId,
          client_id: clientId,
          expires_at: issued.accessToken.expiresAt,
        })
        .compile(),
      ...(issued.refreshToken
        ? [
            this.db
              .insertInto('refresh_tokens')
              .values({
                tenant_id: this.tenant,
                token_hash: hashBytes(issued.refreshToken.tokenHash),
                grant_id: grantId,
                expires_at: issued.refreshToken.expiresAt,
              })
              .compile(),
          ]
        : []),
    ];
  }

  /** The refresh token with what its grant stands for and where its family stands, in one prepared query. */
  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const query = this.db
      .selectFrom('refresh_tokens')
      .innerJoin('grants', 'grants.id', 'refresh_tokens.grant_id')
      .select(REFRESH_GRANT_COLUMNS)
      .select('refresh_tokens.expires_at as token_expires_at')
      .where('token_hash', '=', hashBytes(tokenHash))
      .where('refresh_tokens.tenant_id', '=', this.tenant)
      .where('grants.tenant_id', '=', this.tenant);
    const [row] = (await this.db.executeQuery(this.store.prepared(query.compile()))).rows;
    return (
      row && {
        tokenHash,
        expiresAt: row.token_expires_at,
        ...(row.refresh_token_hash === tokenHash && row.refresh_token_issued_at !== null ? { issuedAt: row.refresh_token_issued_at } : {}),
        grant: context(row),
        family: family(row),
      }
    );
  }

  /** The family as it stands now. */
  private async readFamily(grantId: string): Promise<RefreshFamily | undefined> {
    const row = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', grantId)
      .executeTakeFirst();
    return row && family(row);
  }

  /**
   * Rotates the family: `decide` says whether the presented token is rotated, a rotation is retried, or reuse
   * revokes the family. Rotation and retry are one compare-and-set on the family as it was seen, with the records of
   * the issued tokens, in one transaction (swapFamily); when another request changed the family in between, it is
   * read again and decided anew, so concurrent presentations are decided one after the other. A retry keeps the time
   * of the first rotation, so repeating it cannot stretch the window. A failure anywhere leaves everything as it
   * was, and so does a client gone away (`signal`) before the swap is handed to the store (swapFamily); a revocation
   * for reuse is committed regardless. Reuse cannot be undone by a concurrent change (the presented token was neither live nor
   * a timely retry, and a family never turns back), so it needs no compare-and-set.
   */
  async rotate(
    presented: RefreshToken,
    issued: IssuedTokens,
    decide: (family: RefreshFamily) => RotationDecision,
    signal?: AbortSignal,
  ): Promise<RotationDecision> {
    for (let seen: RefreshFamily | undefined = presented.family; seen; seen = await this.readFamily(seen.grantId)) {
      const decision = decide(seen);
      if (decision === 'invalid') return decision;
      if (decision === 'reused') {
        await this.revokeGrant(seen.grantId);
        return decision;
      }
      const rotated = decision === 'rotate' ? presented.tokenHash : undefined;
      if (await this.swapFamily(seen, presented.grant.clientId, rotated, issued, signal)) return decision;
    }
    return 'invalid';
  }

  /**
   * The compare-and-set of one rotation (`rotated` names the token it retires) or retry (undefined: the first
   * rotation's record stands), with the records of what it issued: true when the family was still as `seen` and
   * everything is committed, false when nothing was written.
   *
   * On PostgreSQL it is one prepared statement, so one round trip and one transaction by itself: the UPDATE of the
   * family in a CTE, and the inserts select from what it returned, so they happen exactly when the swap did (a
   * concurrent swap of the same family waits for the row lock and then finds the family changed, RFC 9700 §4.14.2).
   * Once sent it commits, as SQLite's transaction does once posted to the writer thread, so a client gone away only
   * while it runs finds its rotation made: its retry within the reuse window gets a fresh pair, the case the window
   * is for. On SQLite it is Store.compareAndWrite: the same statements, one transaction, one trip to the writer
   * thread, each statement prepared once.
   */
  private async swapFamily(
    seen: RefreshFamily,
    clientId: string,
    rotated: string | undefined,
    issued: IssuedTokens,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const swap = this.db
      .updateTable('grants')
      .set({
        refresh_token_hash: issued.refreshToken?.tokenHash ?? null,
        refresh_token_issued_at: issued.refreshToken?.issuedAt ?? null,
        ...(rotated === undefined ? {} : { rotated_token_hash: rotated, rotated_at: nowSeconds() }),
      })
      .where('tenant_id', '=', this.tenant)
      .where('id', '=', seen.grantId)
      .where('revoked_at', 'is', null)
      // One text whether the hashes are null or not, for the prepared statement.
      .where('refresh_token_hash', 'is not distinct from', seen.liveTokenHash)
      .where('rotated_token_hash', 'is not distinct from', seen.rotatedTokenHash);
    if (this.store.dialect !== 'postgres')
      return this.store.compareAndWrite(swap.compile(), this.recordsOfIssued(seen.grantId, clientId, issued), signal);

    signal?.throwIfAborted();
    const { accessToken, refreshToken } = issued;
    // The parameters are cast: in INSERT … SELECT PostgreSQL does not take their types from the target columns. The
    // refresh token's insert is there (and finds nothing to insert) when none was issued, so the text stays one.
    const statement = this.db
      .with('swapped', () => swap.returning('id'))
      .with('access_token', (db) =>
        db
          .insertInto('grant_access_tokens')
          .columns(['tenant_id', 'jti', 'grant_id', 'client_id', 'expires_at'])
          .expression(
            db
              .selectFrom('swapped')
              .select([
                sql<string>`${this.tenant}::text`.as('tenant_id'),
                sql<string>`${accessToken.jti}::text`.as('jti'),
                'swapped.id',
                sql<string>`${clientId}::text`.as('client_id'),
                sql<number>`${accessToken.expiresAt}::bigint`.as('expires_at'),
              ]),
          ),
      )
      .with('refresh_token', (db) =>
        db
          .insertInto('refresh_tokens')
          .columns(['tenant_id', 'token_hash', 'grant_id', 'expires_at'])
          .expression(
            db
              .selectFrom('swapped')
              .select([
                sql<string>`${this.tenant}::text`.as('tenant_id'),
                sql<Buffer>`${refreshToken ? hashBytes(refreshToken.tokenHash) : null}::bytea`.as('token_hash'),
                'swapped.id',
                sql<number>`${refreshToken?.expiresAt ?? null}::bigint`.as('expires_at'),
              ])
              .where(sql<boolean>`${refreshToken !== undefined}::boolean`),
          ),
      )
      .selectFrom('swapped')
      .select((eb) => eb.fn.countAll<number>().as('swapped'));
    const { rows } = await this.db.executeQuery(this.store.prepared(statement.compile()));
    return Number(rows[0]?.swapped) === 1;
  }

  /** Deletes expired codes and tokens, then the grants nothing refers to any more; counts per table. */
  async purgeExpired(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<GrantPurgeCounts> {
    return {
      authorization_codes: await this.purgeExpiredCodes(now, pace),
      grant_access_tokens: await this.purgeExpiredAccessTokenRecords(now, pace),
      refresh_tokens: await this.purgeExpiredRefreshTokens(now, pace),
      // Last: the rows above are what keeps a grant.
      grants: await this.purgeUnreferencedGrants(now, pace),
    };
  }

  async purgeExpiredCodes(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(
      this.store,
      'authorization_codes',
      'code_hash',
      (eb) => eb('expires_at', '<', now - CODE_RETENTION_SECONDS),
      pace,
    );
  }

  /** An access token's record goes only after no verifier would accept the token any more, revoked or not. */
  async purgeExpiredAccessTokenRecords(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(
      this.store,
      'grant_access_tokens',
      'jti',
      (eb) => eb('expires_at', '<', now - EXPIRED_TOKEN_MARGIN_SECONDS),
      pace,
    );
  }

  /**
   * Deletes the refresh tokens reuse detection no longer needs. A retired token must be recognised for as long as
   * it could otherwise have been valid: a thief may rotate many times before the rightful client comes back with an
   * old one (RFC 9700 §4.14.2), so its row stays until its own expiry. After that the token is refused as expired
   * or unknown alike, and nothing else refers to it. No token is issued to expire after its family ends, so a
   * family's rows go by its end at the latest; one issued before that cap existed stays to its own expiry, refused
   * meanwhile by the family's end (oauth/refresh-lifetime.ts), and only delays its grant's purge.
   */
  async purgeExpiredRefreshTokens(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'refresh_tokens', 'token_hash', (eb) => eb('expires_at', '<', now), pace);
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
  async purgeUnreferencedGrants(now = nowSeconds(), pace: PurgePace = unpaced()): Promise<number> {
    const { db } = this.store;
    let deleted = 0;
    if (!pace.mayStart()) return deleted;
    // Walks the grants by primary key, a batch at a time, instead of one statement over the whole table.
    for (let after = ''; ; ) {
      const batch = await db.selectFrom('grants').select('id').where('id', '>', after).orderBy('id').limit(PURGE_BATCH_SIZE).execute();
      if (batch.length === 0) return deleted;
      after = batch.at(-1)!.id;
      const result = await db
        .deleteFrom('grants')
        .where(
          'id',
          'in',
          batch.map((row) => row.id),
        )
        .where('created_at', '<', now - GRANT_MIN_AGE_SECONDS)
        .where((eb) =>
          eb.not(
            eb.or([
              eb.exists(
                eb.selectFrom('refresh_tokens').select('refresh_tokens.grant_id').whereRef('refresh_tokens.grant_id', '=', 'grants.id'),
              ),
              eb.exists(
                eb
                  .selectFrom('grant_access_tokens')
                  .select('grant_access_tokens.grant_id')
                  .whereRef('grant_access_tokens.grant_id', '=', 'grants.id'),
              ),
              eb.exists(
                eb
                  .selectFrom('authorization_codes')
                  .select('authorization_codes.grant_id')
                  .whereRef('authorization_codes.grant_id', '=', 'grants.id'),
              ),
            ]),
          ),
        )
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (batch.length < PURGE_BATCH_SIZE || !(await pace.next())) return deleted;
    }
  }
}
