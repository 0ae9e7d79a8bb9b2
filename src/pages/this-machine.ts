import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { TrustProxy } from '../config.js';

/** Headers by which a proxy (or anyone pretending to be one) says the request came from elsewhere. */
const FORWARDING_HEADERS = ['forwarded', 'via', 'x-real-ip', 'true-client-ip', 'client-ip', 'x-client-ip', 'cf-connecting-ip'];

/** 127.0.0.0/8 and ::1, as written by Node for IPv4 and IPv6 sockets (IPv4-mapped IPv6 included). */
function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

/** The Host header names this machine: localhost, a loopback IPv4 literal or [::1], with any port. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || (isIP(hostname) === 4 && hostname.startsWith('127.'));
}

/**
 * Whether the request certainly comes from a browser on the machine the server runs on, which may then create the
 * first administrator without the setup code. When in doubt, no — and the code is asked for. All of these must hold:
 * - no proxy is trusted (GATEHOUSE_TRUST_PROXY unset): behind a proxy on the same host every request arrives from
 *   loopback, the whole internet's included;
 * - the socket's peer (not `request.ip`, which forwarded headers may set) is a loopback address;
 * - no forwarding header at all: a proxy nobody configured still betrays itself by adding one;
 * - the Host header (and Origin, when sent) names this machine: a page elsewhere that re-binds its own domain's DNS to
 *   127.0.0.1 makes the victim's browser send requests from loopback, but with that domain as Host and Origin.
 */
export function isFromThisMachine(request: FastifyRequest, trustProxy: TrustProxy): boolean {
  if (trustProxy !== false) return false;
  if (!isLoopbackAddress(request.socket.remoteAddress)) return false;
  const headers = request.headers;
  if (Object.keys(headers).some((name) => name.startsWith('x-forwarded-') || FORWARDING_HEADERS.includes(name))) return false;
  if (!isLoopbackHost(headers.host)) return false;
  const origin = headers.origin;
  if (origin !== undefined) {
    if (origin === 'null') return false;
    try {
      if (!isLoopbackHost(new URL(origin).host)) return false;
    } catch {
      return false;
    }
  }
  return true;
}
