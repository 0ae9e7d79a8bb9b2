import { BlockList, isIP } from 'node:net';

/** An address the outbound fetcher does not reach, and what it is, in words for the refusal. */
export interface ReservedAddress {
  /** E.g. "a private address (RFC 1918)". */
  words: string;
  /** Loopback: reachable in development (GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on), never otherwise. */
  loopback: boolean;
}

type Range = [network: string, prefix: number, words: string];

/**
 * The IPv4 ranges that are not the public internet (IANA's special-purpose registry, RFC 6890): a document fetched from
 * one of them would come from inside the deployment's network (server-side request forgery, OWASP ASVS V12.6).
 */
const IPV4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address (RFC 1918)'],
  ['100.64.0.0', 10, 'a shared address of carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['172.16.0.0', 12, 'a private address (RFC 1918)'],
  ['192.0.0.0', 24, 'an IETF protocol assignment (RFC 6890)'],
  ['192.0.2.0', 24, 'a documentation address (RFC 5737)'],
  ['192.88.99.0', 24, 'a 6to4 relay anycast address (RFC 7526)'],
  ['192.168.0.0', 16, 'a private address (RFC 1918)'],
  ['198.18.0.0', 15, 'a benchmarking address (RFC 2544)'],
  ['198.51.100.0', 24, 'a documentation address (RFC 5737)'],
  ['203.0.113.0', 24, 'a documentation address (RFC 5737)'],
  ['224.0.0.0', 4, 'a multicast address'],
  // 240.0.0.0/4 with the limited broadcast address 255.255.255.255 in it.
  ['240.0.0.0', 4, 'a reserved address (RFC 1112)'],
];

/** The IPv6 ranges that are not the public internet; those that carry an IPv4 address are read by EMBEDDED_IPV4. */
const IPV6_RANGES: Range[] = [
  ['::', 128, 'the unspecified address'],
  ['::1', 128, 'a loopback address'],
  // Deprecated (RFC 4291 §2.5.5.1), and what it carries would bypass the IPv4 rules.
  ['::', 96, 'an IPv4-compatible address (deprecated, RFC 4291)'],
  ['::ffff:0:0:0', 96, 'an IPv4-translated address (RFC 2765)'],
  ['64:ff9b:1::', 48, 'a local-use NAT64 address (RFC 8215)'],
  ['100::', 64, 'a discard-only address (RFC 6666)'],
  // Teredo (2001::/32), ORCHID and the rest of the IETF's protocol assignments.
  ['2001::', 23, 'an IETF protocol assignment (RFC 2928)'],
  ['2001:db8::', 32, 'a documentation address (RFC 3849)'],
  ['3fff::', 20, 'a documentation address (RFC 9637)'],
  ['fc00::', 7, 'a unique local address (RFC 4193)'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address (deprecated, RFC 3879)'],
  ['ff00::', 8, 'a multicast address'],
];

interface Rule {
  list: BlockList;
  words: string;
}

function rules(ranges: Range[], family: 'ipv4' | 'ipv6'): Rule[] {
  return ranges.map(([network, prefix, words]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, words };
  });
}

const IPV4_RULES = rules(IPV4_RANGES, 'ipv4');
const IPV6_RULES = rules(IPV6_RANGES, 'ipv6');
/** IANA allocates global unicast IPv6 from 2000::/3 only (RFC 4291 §2.4): whatever is outside it is not the internet. */
const GLOBAL_UNICAST = rules([['2000::', 3, '']], 'ipv6')[0]!.list;

/** The 16 bytes of an IPv6 address (a trailing dotted IPv4 part included), written as isIP accepts it. */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

const startsWith = (bytes: readonly number[], prefix: readonly number[]) => prefix.every((byte, at) => bytes[at] === byte);

/**
 * The IPv4 address an IPv6 address stands for, where one is written into it: IPv4-mapped (::ffff:a.b.c.d, RFC 4291
 * §2.5.5.2), NAT64's well-known prefix (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056). Reaching one of
 * these reaches that IPv4 address, so the IPv4 rules decide.
 */
function embeddedIpv4(bytes: readonly number[]): string | undefined {
  const ipv4 = (from: number) => bytes.slice(from, from + 4).join('.');
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return ipv4(12);
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return ipv4(12);
  if (startsWith(bytes, [0x20, 0x02])) return ipv4(2);
  return undefined;
}

const verdict = (words: string): ReservedAddress => ({ words, loopback: words === 'a loopback address' });

/**
 * What `address` is when it is not a public internet address — loopback, private, link-local, shared, unspecified,
 * multicast, reserved, documentation, or an IPv6 form of one of those — and undefined for a public one. Not an IP
 * address at all counts as reserved: only what was resolved and checked is reached.
 */
export function reservedAddress(address: string): ReservedAddress | undefined {
  // A zone index (fe80::1%eth0) names an interface, not another address.
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) {
    const rule = IPV4_RULES.find(({ list }) => list.check(bare, 'ipv4'));
    return rule && verdict(rule.words);
  }
  if (family !== 6) return verdict('not an IP address');
  const ipv4 = embeddedIpv4(ipv6Bytes(bare));
  if (ipv4 !== undefined) return reservedAddress(ipv4);
  const rule = IPV6_RULES.find(({ list }) => list.check(bare, 'ipv6'));
  if (rule) return verdict(rule.words);
  return GLOBAL_UNICAST.check(bare, 'ipv6') ? undefined : verdict('outside the global unicast range 2000::/3');
}
