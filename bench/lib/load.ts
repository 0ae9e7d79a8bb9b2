import autocannon from 'autocannon';

export interface HttpRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** When given, a 2xx answer whose body fails this check counts as a wrong answer (autocannon's verifyBody). */
  verifyBody?: (body: string) => boolean;
}

export interface LoadOptions {
  connections: number;
  /** Seconds. */
  duration: number;
}

export interface LoadResult {
  /** Responses received, whatever their status. */
  requests: number;
  /** Mean requests per second over the run (autocannon counts every response, whatever its status). */
  requestsPerSecond: number;
  /** Responses with a 2xx status. */
  ok: number;
  /** Responses with any other status, and (with verifyBody) 2xx answers with a wrong body. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  durationSeconds: number;
  /** HTTP requests made, where one unit of work is several (closed-loop flows). */
  httpRequests?: number;
  /** The first few failures, for the log. */
  errorSamples?: string[];
}

/**
 * Drives `load` with `connections` keep-alive connections for `duration` seconds. Given a list of requests (all to one
 * origin), each request sent is the next of the list in one round-robin shared by all connections, so the requests
 * in flight at once name different entries (connections each walking the list from its start would move in step,
 * all asking for the same entry at the same moment). Each is built as it is sent (autocannon's setupRequest), a list
 * of one included, so lists of any length cost the load generator the same per request.
 */
export function runLoad(load: HttpRequest | readonly HttpRequest[], options: LoadOptions): Promise<LoadResult> {
  const requests: readonly HttpRequest[] | undefined = Array.isArray(load) ? load : undefined;
  const request: HttpRequest = requests ? requests[0]! : (load as HttpRequest);
  const prepared = requests?.map(({ method, url, headers, body }) => {
    const { pathname, search } = new URL(url);
    return { method, path: pathname + search, headers, ...(body === undefined ? {} : { body: Buffer.from(body) }) };
  });
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: request.url,
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.verifyBody ? { verifyBody: request.verifyBody } : {}),
        ...(prepared
          ? {
              requests: [
                {
                  setupRequest: (built: object) => {
                    const chosen = prepared[next++ % prepared.length]!;
                    // A copy of the headers: autocannon adds Content-Length to the object it is given.
                    return { ...built, ...chosen, headers: { ...chosen.headers } };
                  },
                },
              ],
            }
          : {}),
        connections: options.connections,
        duration: options.duration,
        pipelining: 1,
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = Number(count);
        if (result.mismatches) statusCodes['wrong body'] = result.mismatches;
        resolve({
          requests: result['2xx'] + result.non2xx,
          requestsPerSecond: result.requests.average,
          ok: result['2xx'] - (result.mismatches ?? 0),
          non2xx: result.non2xx + (result.mismatches ?? 0),
          errors: result.errors,
          latencyMs: { mean: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
          statusCodes,
          durationSeconds: result.duration,
        });
      },
    );
  });
}
