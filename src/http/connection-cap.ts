import { BlockList, isIPv4, type Server } from 'node:net';
import type { TrustProxy } from '../config.js';

/**
 * The trusted proxies, which the per-address cap spares: each carries the connections of many clients. Undefined
 * when every peer is one: a hop count says that only proxies reach the server (otherwise X-Forwarded-For could be
 * forged), and it names none of them, so there is no address left to cap. A list of proxy addresses keeps the cap
 * for every other peer.
 */
export function trustedProxyPeers(setting: TrustProxy): ((address: string) => boolean) | undefined {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return undefined;
  const proxies = new BlockList();
  for (const entry of setting) {
    const [address = '', prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(prefix), family);
  }
  // BlockList also matches an IPv4 peer seen as IPv4-mapped IPv6 (::ffff:10.0.0.1) by a dual-stack listener.
  return (address) => proxies.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/**
 * Closes, unanswered, a connection that would be the (limit + 1)st open one from its peer address, so that one
 * client cannot take the slots GATEHOUSE_HTTP_MAX_CONNECTIONS keeps for everyone. Counted per process, as that cap
 * is. A connection counts from its accepting until it closes, however it closes; refused ones never count.
 */
export function capConnectionsPerAddress(server: Server, limit: number, exempt: (address: string) => boolean): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    // Undefined only once the socket is gone already.
    if (address === undefined || exempt(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > limit) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
