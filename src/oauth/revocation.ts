import { DEFAULT_CLOCK_TOLERANCE } from '@gatehouse/resource';
import type { AuditSink } from '../ports/audit.js';
import type { ClientResolver } from '../ports/clients.js';
import type { GrantRevocation } from '../ports/grants.js';
import type { RefreshTokens } from '../ports/refresh-tokens.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import { sha256Hex } from '../tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import { authenticateClient, type ClientAuthInput } from './client-auth.js';
import { invalidRequest } from './errors.js';
import { required, single } from './form.js';

const notIssuedToClient = () => invalidRequest('the token was not issued to this client');

/**
 * RFC 7009. The client authenticates (public clients by client_id) and may revoke only tokens issued to it. A
 * token that is unknown, expired or already revoked is answered 200 all the same (§2.2): there is nothing to do.
 * A refresh token takes its whole grant with it — every access token issued from it too (§2.1).
 */
export class RevocationEndpoint {
  constructor(
    private readonly directory: ClientResolver,
    private readonly accessTokens: AccessTokens,
    private readonly grants: Pick<RefreshTokens, 'findRefreshToken'> & GrantRevocation,
    private readonly audit: AuditSink,
  ) {}

  async handle(input: ClientAuthInput): Promise<void> {
    const client = await authenticateClient(this.directory, input);
    const token = required(input.params, 'token');
    // The hint only orders the lookup (§2.1); an unknown hint is no error because every kind is searched anyway.
    single(input.params, 'token_type_hint');
    const clientId = client.client.clientId;

    if (isWellFormedOpaque(token, OPAQUE_PREFIXES.refreshToken)) {
      const refresh = await this.grants.findRefreshToken(sha256Hex(token));
      if (!refresh) return;
      if (refresh.grant.clientId !== clientId) throw notIssuedToClient();
      await this.grants.revokeGrant(refresh.family.grantId);
      await this.audit.record({ actor: clientId, actor_type: 'client', ip: input.ip }, 'token.revoked', refresh.grant.userId, {
        kind: 'refresh_token',
        grant: refresh.family.grantId,
      });
      return;
    }
    // With the leeway resource servers allow, so that no token one of them could still accept escapes revocation.
    const claims = await this.accessTokens.inspect(token, { clockTolerance: DEFAULT_CLOCK_TOLERANCE });
    if (!claims) return;
    if (claims.client_id !== clientId) throw notIssuedToClient();
    await this.accessTokens.revoke(claims);
    await this.audit.record({ actor: clientId, actor_type: 'client', ip: input.ip }, 'token.revoked', claims.sub, {
      kind: 'access_token',
      jti: claims.jti,
    });
  }
}
