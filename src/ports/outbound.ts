/**
 * The server's one way out to the network (DESIGN §1): every document it fetches (an API's OpenAPI document now; JWKS
 * URIs, client metadata documents and upstream providers later) comes through an OutboundFetcher, which refuses
 * addresses inside the deployment's network and bounds what a remote server can make it wait for or hold.
 */
export interface OutboundFetcher {
  /** GETs `url` and answers its body, or throws an OutboundFetchError saying in words what was refused or failed. */
  get(url: string, limits: OutboundLimits): Promise<OutboundResponse>;
}

export interface OutboundLimits {
  /** The media types taken (compared without parameters, case-insensitively); any other is refused. */
  accept: readonly string[];
  /** The most bytes of body taken: a longer body is refused, and stops being read at this bound. */
  maxBytes: number;
  /** The whole fetch, redirects and the body included, must be done within this (ms). */
  timeoutMs: number;
}

export interface OutboundResponse {
  /** Where the body came from: the URL asked for, or the last redirect's target. */
  url: string;
  /** Its media type, lowercase, without parameters. */
  mediaType: string;
  body: Buffer;
}

/** Why a fetch did not give a document. */
export type OutboundFailure =
  /** The URL, or an address it resolves to, may not be fetched (not https, a private address…). */
  | 'refused'
  /** No connection, a TLS failure, or the name does not resolve. */
  | 'unreachable'
  | 'timeout'
  | 'too_large'
  /** The server answered, but not with a body this fetch takes (a status other than 200, another media type). */
  | 'bad_response';

export class OutboundFetchError extends Error {
  override name = 'OutboundFetchError';

  constructor(
    message: string,
    readonly failure: OutboundFailure,
  ) {
    super(message);
  }
}
