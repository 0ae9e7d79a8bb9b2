import type { AuthenticatedClient } from '../client-auth.js';
import type { FormParams } from '../form.js';

/**
 * The successful token response of RFC 6749 §5.1; the token type is case-insensitive (§7.1). A grant may add
 * members (§5.1 allows extension parameters, e.g. RFC 8693's issued_token_type); they reach the client as given.
 */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  [member: string]: unknown;
}

/** Request headers, names lower-cased; the HTTP edge's own object, so none is copied per request. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What a grant handler is told about the request: enough for proofs bound to it (DPoP, RFC 9449 §4.3; mTLS). */
export interface TokenRequest {
  client: AuthenticatedClient;
  params: FormParams;
  ip: string;
  /** The HTTP method, POST (RFC 6749 §3.2). */
  method: string;
  /**
   * The request URL as the client sent it: the configured issuer (origin and path, never the Host header) followed
   * by the path and query the server received.
   */
  url: string;
  headers: RequestHeaders;
  /** See ClientAuthInput.signal. */
  readonly signal?: AbortSignal;
}

/**
 * One handler per grant type (as fosite and oidc-provider do): the token endpoint authenticates the client and
 * checks that it may use the grant, then hands over.
 */
export interface GrantHandler {
  readonly grantType: string;
  handle(request: TokenRequest): Promise<TokenResponse>;
}
