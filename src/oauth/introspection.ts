import type { AccessTokens } from '../tokens/access-tokens.js';
import { authenticateClient, invalidClient, type ClientAuthInput } from './client-auth.js';
import type { ClientDirectory } from './client-directory.js';
import { required, single } from './form.js';

export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope?: string;
      client_id: string;
      sub: string;
      aud: string | string[];
      iss: string;
      exp: number;
      iat: number;
      jti: string;
      token_type: 'Bearer';
      auth_time?: number;
    };

const INACTIVE = { active: false } as const;

/**
 * RFC 7662. Only confidential clients may ask (§2.1 requires authorization, which also stops token scanning).
 * Anything that is not a valid, unrevoked token of this server is exactly `{"active":false}` (§2.2).
 */
export class IntrospectionEndpoint {
  constructor(
    private readonly directory: ClientDirectory,
    private readonly accessTokens: AccessTokens,
  ) {}

  async handle(input: ClientAuthInput): Promise<IntrospectionResponse> {
    const client = await authenticateClient(this.directory, input);
    if (client.method === 'none') throw invalidClient('introspection requires client authentication');
    const token = required(input.params, 'token');
    single(input.params, 'token_type_hint');
    const claims = await this.accessTokens.inspect(token);
    if (!claims) return INACTIVE;
    return {
      active: true,
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
      ...(claims.auth_time === undefined ? {} : { auth_time: claims.auth_time }),
    };
  }
}
