import { safeDescription } from '@gatehouse/resource';

/**
 * The error codes of RFC 6749 §5.2 and §4.1.2.1, RFC 7009 §2.2.1, RFC 8707 §2, RFC 6750 §3.1 and OpenID Connect
 * Core §3.1.2.6.
 * The protocol core throws OAuthError; the HTTP edge turns it into the RFC's JSON body.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unsupported_token_type: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_token: 401,
  insufficient_scope: 403,
  login_required: 400,
  consent_required: 400,
  interaction_required: 400,
  request_not_supported: 400,
  request_uri_not_supported: 400,
};

// One rule for every error_description, the resource kit's (RFC 6749 §5.2, RFC 6750 §3).
export { safeDescription };

export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;
  readonly description: string;
  /** Extra response headers, such as WWW-Authenticate for invalid_client over HTTP Basic. */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: OAuthErrorCode,
    description: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(`${code}: ${description}`);
    this.description = safeDescription(description);
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string, status?: number) =>
  new OAuthError('invalid_request', description, status === undefined ? {} : { status });

export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
