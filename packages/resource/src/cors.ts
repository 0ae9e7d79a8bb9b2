/**
 * Which browser pages may call the API (CORS, the Fetch standard §3.2), e.g. the Gatehouse playground, whose origin is
 * the issuer's: `{ origins: ['https://auth.example.com'] }`.
 */
export interface CorsOptions {
  /**
   * The origins allowed, each exactly as browsers send it in `Origin` (scheme, host and a non-default port, no path or
   * trailing slash: `https://auth.example.com`), or a function deciding for each origin.
   */
  origins: readonly string[] | ((origin: string) => boolean);
  /** Seconds a browser may cache a preflight's answer (`Access-Control-Max-Age`), default 600. */
  maxAge?: number;
  /** Methods a preflight allows, default GET, HEAD, POST, PUT, PATCH and DELETE. */
  methods?: readonly string[];
  /** Request headers allowed besides `Authorization`, `Content-Type` and `DPoP`. */
  allowHeaders?: readonly string[];
  /** Response headers a page may read besides `WWW-Authenticate` (and the CORS-safelisted ones). */
  exposeHeaders?: readonly string[];
}

/** The request headers CORS looks at, as Node (lower-case names) has them. */
export interface CorsRequestHeaders {
  origin?: string | undefined;
  // Only whether it is there matters; Node types headers it does not name as `string | string[]`.
  'access-control-request-method'?: string | string[] | undefined;
}

/** What to answer: a preflight is answered by these headers alone (204); any other request gets them added. */
export interface CorsAnswer {
  preflight: boolean;
  headers: Readonly<Record<string, string>>;
}

/** A request's CORS answer, by its method and headers; see `corsPolicy`. */
export type CorsPolicy = (method: string, headers: CorsRequestHeaders) => CorsAnswer;

export const DEFAULT_CORS_MAX_AGE = 600;
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
// What a page calling a bearer-protected API sends: the token, a JSON body, and a DPoP proof (RFC 9449 §4.1).
const ALWAYS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'DPoP'];
// A page reads only the CORS-safelisted response headers unless more are exposed. The RFC 6750 §3 challenge of a 401
// or 403 is in WWW-Authenticate (error, error_description, scope, resource_metadata): exposed, so the page can show
// why the token was refused and which scope it lacks, not just the status.
const ALWAYS_EXPOSED_HEADERS = ['WWW-Authenticate'];

/** The allowed origins as a test; a listed origin that is not a serialized origin is a misconfiguration (TypeError). */
function originTest(origins: CorsOptions['origins']): (origin: string) => boolean {
  if (typeof origins === 'function') return origins;
  for (const origin of origins) {
    let serialized: string | undefined;
    try {
      serialized = new URL(origin).origin;
    } catch {
      serialized = undefined;
    }
    if (serialized !== origin) {
      const hint = serialized === undefined || serialized === 'null' ? '' : `, e.g. ${serialized}`;
      throw new TypeError(`the CORS origin ${origin} is not an origin as browsers send it (scheme://host[:port], no path)${hint}`);
    }
  }
  const allowed = new Set(origins);
  return (origin) => allowed.has(origin);
}

/**
 * The CORS answers of an API, checked once. A request from an allowed origin gets `Access-Control-Allow-Origin` that
 * very origin (never `*`) and `Access-Control-Expose-Headers: WWW-Authenticate`; a preflight (`OPTIONS` with `Origin`
 * and `Access-Control-Request-Method`, which never carries a token) gets Allow-Origin, Allow-Methods, Allow-Headers
 * (`Authorization`, `Content-Type`, `DPoP`) and Max-Age. Every answer has `Vary: Origin`, as it depends on it. A
 * disallowed origin is refused nothing: it just gets no CORS headers, and the browser keeps the answer from the page.
 *
 * @example
 * const cors = corsPolicy({ origins: ['https://auth.example.com'] });
 * const { preflight, headers } = cors(req.method, req.headers);
 * // preflight: answer 204 with `headers`; otherwise add `headers` to whatever the request is answered with
 */
export function corsPolicy(options: CorsOptions): CorsPolicy {
  const allowed = originTest(options.origins);
  const maxAge = options.maxAge ?? DEFAULT_CORS_MAX_AGE;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new TypeError(`the CORS maxAge ${maxAge} is not a whole number of seconds`);
  const vary = { vary: 'Origin' };
  const preflightHeaders = {
    'access-control-allow-methods': (options.methods ?? DEFAULT_METHODS).join(', '),
    'access-control-allow-headers': [...ALWAYS_ALLOWED_HEADERS, ...(options.allowHeaders ?? [])].join(', '),
    'access-control-max-age': String(maxAge),
  };
  const exposeHeaders = [...ALWAYS_EXPOSED_HEADERS, ...(options.exposeHeaders ?? [])].join(', ');
  return (method, headers) => {
    const origin = headers.origin;
    const preflight = method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined;
    if (origin === undefined || !allowed(origin)) return { preflight, headers: vary };
    if (preflight) return { preflight, headers: { ...vary, 'access-control-allow-origin': origin, ...preflightHeaders } };
    return { preflight, headers: { ...vary, 'access-control-allow-origin': origin, 'access-control-expose-headers': exposeHeaders } };
  };
}

/** The part of a Node `IncomingMessage` CORS reads. */
export interface NodeLikeRequest {
  method?: string | undefined;
  headers: CorsRequestHeaders;
}

/** The part of a Node `ServerResponse` CORS writes. */
export interface NodeLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(): unknown;
}

/**
 * CORS for a plain `node:http` server (and anything built on its request and response, like Express): sets the
 * headers of `corsPolicy` on the response and answers a preflight with 204. True when it answered, so the caller stops.
 *
 * @example
 * const cors = nodeCors({ origins: ['https://auth.example.com'] });
 * createServer(async (req, res) => {
 *   if (cors(req, res)) return;
 *   const outcome = await authenticateBearer(req.headers.authorization, options);
 *   // … answer; the CORS headers are set already, on a refusal as on a success
 * });
 */
export function nodeCors(options: CorsOptions): (req: NodeLikeRequest, res: NodeLikeResponse) => boolean {
  const policy = corsPolicy(options);
  return (req, res) => {
    const { preflight, headers } = policy(req.method ?? 'GET', req.headers);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (!preflight) return false;
    res.statusCode = 204;
    res.end();
    return true;
  };
}
