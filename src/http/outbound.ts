import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { OutboundFetchError, type OutboundFetcher, type OutboundLimits, type OutboundResponse } from '../ports/outbound.js';
import { reservedAddress } from './outbound-addresses.js';

/** Every address a host name resolves to (A and AAAA), in the resolver's order. */
export type Resolve = (hostname: string) => Promise<string[]>;

const systemResolve: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((found) => found.address);

export interface GuardedFetcherOptions {
  /**
   * GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on: loopback addresses may be reached, over http too (a development server, the
   * tests' local servers). Private, link-local and every other reserved address stay refused.
   */
  allowLoopback: boolean;
  /** How host names become addresses; the system resolver unless a test gives its own. */
  resolve?: Resolve;
}

/** Redirects followed, each to a URL checked as the first was (its scheme, and every address its host resolves to). */
export const MAX_REDIRECTS = 3;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What one request answered: a redirect's target, or a body. */
type Answer = { redirect: string } | { body: Buffer; mediaType: string };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

const size = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;

/**
 * The one guarded outbound fetcher (DESIGN §1). For each URL, the first and every redirect's:
 * - https only (http only to loopback, and only in development);
 * - the host is resolved once, every address it resolves to is checked (reservedAddress: no loopback, private,
 *   link-local, shared, multicast… address), and the connection goes to the checked address — the socket's lookup is
 *   pinned to it, so a second resolution (DNS rebinding) cannot swap in another;
 * - TLS certificates are verified against the host name, as node does by default.
 * The whole fetch (resolution, redirects, body) has one time limit; a body is read only up to its size limit (a longer
 * Content-Length is refused before the body is read); only the listed media types are taken; compression is not asked
 * for, so the limit is on what is stored.
 */
export class GuardedFetcher implements OutboundFetcher {
  private readonly resolve: Resolve;

  constructor(private readonly options: GuardedFetcherOptions) {
    this.resolve = options.resolve ?? systemResolve;
  }

  async get(url: string, limits: OutboundLimits): Promise<OutboundResponse> {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    let target = this.parse(url);
    try {
      for (let redirects = 0; ; redirects++) {
        const address = await this.checkedAddress(target, signal);
        const answer = await request(target, address, limits, signal);
        if ('body' in answer) return { url: target.href, mediaType: answer.mediaType, body: answer.body };
        if (redirects === MAX_REDIRECTS) throw new OutboundFetchError(`${url} redirects more than ${MAX_REDIRECTS} times`, 'bad_response');
        target = this.parse(new URL(answer.redirect, target).href, target.href);
      }
    } catch (error) {
      if (signal.aborted) throw new OutboundFetchError(`${target.href} did not answer within ${seconds(limits.timeoutMs)}`, 'timeout');
      throw error;
    }
  }

  /** The URL, when it is one this fetcher may ask for at all (before anything is resolved). */
  private parse(url: string, redirectedFrom?: string): URL {
    const from = redirectedFrom === undefined ? '' : ` (a redirect of ${redirectedFrom})`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OutboundFetchError(`"${url}" is not an absolute URL`, 'refused');
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.options.allowLoopback)) {
      throw new OutboundFetchError(`${parsed.href}${from}: only https URLs are fetched`, 'refused');
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw new OutboundFetchError(`${parsed.origin}${from}: a URL with a user name or password in it is not fetched`, 'refused');
    }
    return parsed;
  }

  /** The address to connect to: the host's first, when every address it has may be reached. */
  private async checkedAddress(url: URL, signal: AbortSignal): Promise<string> {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host) !== 0;
    const addresses = literal ? [host] : await resolveWithin(this.resolve, host, signal);
    if (addresses.length === 0) throw new OutboundFetchError(`${url.host} does not resolve to any address`, 'unreachable');
    for (const address of addresses) {
      const reserved = reservedAddress(address);
      const where = literal ? `${url.href} is at ${address}` : `${url.href} resolves to ${address}`;
      if (reserved && !(reserved.loopback && this.options.allowLoopback)) {
        const hint = reserved.loopback ? ' (GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on allows loopback in development)' : '';
        throw new OutboundFetchError(`${where}, ${reserved.words}: refused${hint}`, 'refused');
      }
      // Development lets http reach a local server, never anything beyond it.
      if (url.protocol === 'http:' && !reserved?.loopback) {
        throw new OutboundFetchError(`${where}: http is fetched only from loopback addresses; use https`, 'refused');
      }
    }
    return addresses[0]!;
  }
}

/** The host's addresses, or a refusal in words; the fetch's time limit applies (the system resolver cannot be aborted). */
async function resolveWithin(resolve: Resolve, host: string, signal: AbortSignal): Promise<string[]> {
  let aborted: (() => void) | undefined;
  const abort = new Promise<never>((_resolve, reject) => {
    aborted = () => reject(signal.reason);
    signal.addEventListener('abort', aborted, { once: true });
  });
  try {
    return await Promise.race([resolve(host), abort]);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new OutboundFetchError(`${host} does not resolve (${(error as Error).message})`, 'unreachable');
  } finally {
    if (aborted) signal.removeEventListener('abort', aborted);
  }
}

/** One GET of `url` over a connection to `address` (and no other: the socket's lookup answers only it). */
function request(url: URL, address: string, limits: OutboundLimits, signal: AbortSignal): Promise<Answer> {
  const family = isIP(address);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'GET',
        agent: false,
        lookup: pinned,
        signal,
        headers: { accept: limits.accept.join(', '), 'accept-encoding': 'identity', 'user-agent': 'Gatehouse' },
      },
      (response) => {
        answer(url, response, limits).then(resolve, (error: unknown) => {
          response.destroy();
          if (error instanceof OutboundFetchError || signal.aborted) reject(error);
          else reject(new OutboundFetchError(`${url.href}: the answer broke off (${(error as Error).message})`, 'unreachable'));
        });
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof OutboundFetchError || signal.aborted) reject(error);
      else reject(new OutboundFetchError(`${url.href} could not be reached: ${error.message}`, 'unreachable'));
    });
    outgoing.end();
  });
}

/** What a response gives: its redirect, or its body when it is one the limits take. */
async function answer(url: URL, response: IncomingMessage, limits: OutboundLimits): Promise<Answer> {
  const status = response.statusCode ?? 0;
  const location = response.headers.location;
  if (REDIRECTS.has(status) && location) {
    response.resume();
    return { redirect: location };
  }
  if (status !== 200) throw new OutboundFetchError(`${url.href} answered ${status} ${response.statusMessage ?? ''}`.trim(), 'bad_response');
  const mediaType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!limits.accept.includes(mediaType)) {
    throw new OutboundFetchError(`${url.href} answered ${mediaType || 'no content type'}, not ${limits.accept.join(', ')}`, 'bad_response');
  }
  const encoding = response.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    throw new OutboundFetchError(`${url.href} answered with Content-Encoding ${encoding}, which was not asked for`, 'bad_response');
  }
  const tooLarge = () => new OutboundFetchError(`${url.href} is larger than ${size(limits.maxBytes)}, the limit`, 'too_large');
  if (Number(response.headers['content-length'] ?? 0) > limits.maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    length += chunk.length;
    // Stops reading (the caller destroys the response) at the limit, whatever the server goes on sending.
    if (length > limits.maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks, length), mediaType };
}
