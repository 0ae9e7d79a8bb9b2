import type { AccessTokenClaims } from '@gatehouse/resource';
import { decodeJwt } from 'jose';
import type { AuditLog } from '../admin/audit-log.js';
import { ENDPOINT_PATHS } from '../oauth/discovery.js';
import { OAuthError } from '../oauth/errors.js';
import type { TokenResponse } from '../oauth/grants/grant-handler.js';
import type { TokenEndpoint } from '../oauth/token-endpoint.js';
import type { Actor } from '../ports/audit.js';
import type { ClientResolver } from '../ports/clients.js';
import { ManagementError } from './validation.js';

const GRANT = 'client_credentials';

/** The request field each refusal of the grant is about (RFC 6749 §5.2, RFC 8707 §2). */
const FIELD_OF: Partial<Record<string, string>> = { invalid_scope: '/scope', invalid_target: '/resource' };

export interface TestToken extends TokenResponse {
  /** The token's claims, for whoever asked to read them beside it. */
  claims: AccessTokenClaims;
}

/**
 * An access token for a machine client, for an administrator to try an API with (the console holds no client
 * secret): issued by the token endpoint's own client_credentials handler, so it is what the client would get, with
 * the same scopes, audience, lifetime and signature. Audited without the token: its jti, scope, audience and expiry.
 */
export class TestTokens {
  constructor(
    private readonly issuer: string,
    private readonly directory: ClientResolver,
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly audit: AuditLog,
  ) {}

  async issue(clientId: string, request: { scope?: string; resource?: string }, actor: Actor): Promise<TestToken> {
    const resolved = await this.directory.find(clientId);
    if (!resolved) throw new ManagementError(`no client with id "${clientId}"`, 'not_found');
    if (resolved.client.revokedAt !== null) throw new ManagementError('the client is revoked', 'conflict');
    if (!resolved.client.grantTypes.includes(GRANT) || resolved.client.tokenEndpointAuthMethod === 'none') {
      throw new ManagementError(`only a machine client (one allowed the ${GRANT} grant) gets a test token`, 'conflict');
    }
    // As the token endpoint reads its form: a parameter without a value is absent.
    const params = {
      grant_type: GRANT,
      ...(request.scope ? { scope: request.scope } : {}),
      ...(request.resource ? { resource: request.resource } : {}),
    };
    let response: TokenResponse;
    try {
      response = await this.tokenEndpoint.issueWithoutCredential(resolved, {
        params,
        ip: actor.ip,
        method: 'POST',
        url: this.issuer + ENDPOINT_PATHS.token,
        headers: {},
      });
    } catch (error) {
      if (error instanceof OAuthError && error.status < 500) throw new ManagementError(error.description, 'invalid', FIELD_OF[error.code]);
      throw error;
    }
    const claims = decodeJwt(response.access_token) as AccessTokenClaims;
    await this.audit.record(actor, 'client.test_token_issued', clientId, {
      jti: claims.jti,
      scope: claims.scope ?? '',
      aud: claims.aud,
      exp: claims.exp,
    });
    return { ...response, claims };
  }
}
