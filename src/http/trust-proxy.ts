import type { TrustProxy } from '../config.js';

/** What Fastify's `trustProxy` option takes: proxy-addr asks, hop by hop from the socket peer, whether to trust it. */
type FastifyTrustProxy = false | string[] | ((address: string, hop: number) => boolean);

/**
 * The client address is then the right-most one not added by a trusted proxy, so a client-supplied left-most
 * X-Forwarded-For is never taken. A hop count becomes a function: Fastify 5 reads a plain number as "trust no hop"
 * and ignores X-Forwarded-For altogether. Hop 0 is the socket peer, so `1` trusts the one proxy in front.
 */
export function fastifyTrustProxy(setting: TrustProxy): FastifyTrustProxy {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}
