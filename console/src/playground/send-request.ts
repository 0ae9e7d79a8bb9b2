import type { BuiltRequest } from './api-request';

/** What the API answered, as the page shows it. */
export interface ApiResponse {
  status: number;
  statusText: string;
  /** From sending to the whole body read. */
  milliseconds: number;
  /** The headers CORS lets the page read (the API's Access-Control-Expose-Headers and the safelisted ones). */
  headers: [string, string][];
  body: string;
}

const TIMEOUT_MS = 30_000;

/**
 * Sends `request` from the browser to the API. No cookies or HTTP credentials of this origin go with it
 * (credentials: 'omit'): the token in the Authorization header is the only credential.
 */
export async function sendRequest(request: BuiltRequest): Promise<ApiResponse> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'follow',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const origin = new URL(request.url).origin;
    if ((error as Error).name === 'TimeoutError') throw new Error(`${origin} did not answer within ${TIMEOUT_MS / 1000} seconds.`);
    throw new Error(
      `Could not reach ${origin}: the API is not running there, or it does not allow this page's origin (${location.origin}) by CORS.`,
    );
  }
  const body = await response.text();
  return {
    status: response.status,
    statusText: response.statusText,
    milliseconds: Math.round(performance.now() - started),
    headers: [...response.headers.entries()],
    body,
  };
}
