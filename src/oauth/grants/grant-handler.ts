import type { AuthenticatedClient } from '../client-auth.js';
import type { FormParams } from '../form.js';

/** The successful token response of RFC 6749 §5.1; the token type is case-insensitive (§7.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

export interface TokenRequest {
  client: AuthenticatedClient;
  params: FormParams;
  ip: string;
  /** See ClientAuthInput.signal. */
  signal?: AbortSignal;
}

/**
 * One handler per grant type (as fosite and oidc-provider do): the token endpoint authenticates the client and
 * checks that it may use the grant, then hands over.
 */
export interface GrantHandler {
  readonly grantType: string;
  handle(request: TokenRequest): Promise<TokenResponse>;
}
