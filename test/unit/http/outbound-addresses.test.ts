import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reservedAddress } from '../../../src/http/outbound-addresses.js';

/** Each address with the words its refusal gives (undefined: a public address, reached). */
const CASES: Array<[address: string, words: string | undefined]> = [
  // IPv4: the public internet
  ['8.8.8.8', undefined],
  ['1.1.1.1', undefined],
  ['93.184.215.14', undefined],
  ['9.255.255.255', undefined],
  ['11.0.0.0', undefined],
  ['100.63.255.255', undefined],
  ['100.128.0.0', undefined],
  ['126.255.255.255', undefined],
  ['128.0.0.0', undefined],
  ['169.253.255.255', undefined],
  ['169.255.0.0', undefined],
  ['172.15.255.255', undefined],
  ['172.32.0.0', undefined],
  ['192.0.1.0', undefined],
  ['192.167.255.255', undefined],
  ['192.169.0.0', undefined],
  ['198.17.255.255', undefined],
  ['198.20.0.0', undefined],
  ['223.255.255.255', undefined],
  // IPv4: not the public internet, each range at both ends
  ['0.0.0.0', 'an unspecified ("this network") address'],
  ['0.255.255.255', 'an unspecified ("this network") address'],
  ['10.0.0.0', 'a private address (RFC 1918)'],
  ['10.0.0.5', 'a private address (RFC 1918)'],
  ['10.255.255.255', 'a private address (RFC 1918)'],
  ['100.64.0.0', 'a shared address of carrier-grade NAT (RFC 6598)'],
  ['100.127.255.255', 'a shared address of carrier-grade NAT (RFC 6598)'],
  ['127.0.0.1', 'a loopback address'],
  ['127.255.255.254', 'a loopback address'],
  ['169.254.0.0', 'a link-local address'],
  ['169.254.169.254', 'a link-local address'],
  ['169.254.255.255', 'a link-local address'],
  ['172.16.0.0', 'a private address (RFC 1918)'],
  ['172.31.255.255', 'a private address (RFC 1918)'],
  ['192.0.0.8', 'an IETF protocol assignment (RFC 6890)'],
  ['192.0.2.1', 'a documentation address (RFC 5737)'],
  ['192.88.99.1', 'a 6to4 relay anycast address (RFC 7526)'],
  ['192.168.0.0', 'a private address (RFC 1918)'],
  ['192.168.1.1', 'a private address (RFC 1918)'],
  ['192.168.255.255', 'a private address (RFC 1918)'],
  ['198.18.0.0', 'a benchmarking address (RFC 2544)'],
  ['198.19.255.255', 'a benchmarking address (RFC 2544)'],
  ['198.51.100.7', 'a documentation address (RFC 5737)'],
  ['203.0.113.7', 'a documentation address (RFC 5737)'],
  ['224.0.0.1', 'a multicast address'],
  ['239.255.255.255', 'a multicast address'],
  ['240.0.0.1', 'a reserved address (RFC 1112)'],
  ['255.255.255.255', 'a reserved address (RFC 1112)'],
  // IPv6: the public internet
  ['2606:4700:4700::1111', undefined],
  ['2a00:1450:4001:80b::200e', undefined],
  ['2001:4860:4860::8888', undefined],
  ['2000::1', undefined],
  ['3ffe:ffff::1', undefined],
  // IPv6: not the public internet
  ['::', 'the unspecified address'],
  ['::1', 'a loopback address'],
  ['0:0:0:0:0:0:0:1', 'a loopback address'],
  ['::2', 'an IPv4-compatible address (deprecated, RFC 4291)'],
  ['::ffff:0:a00:5', 'an IPv4-translated address (RFC 2765)'],
  ['64:ff9b:1::1', 'a local-use NAT64 address (RFC 8215)'],
  ['100::1', 'a discard-only address (RFC 6666)'],
  ['2001::1', 'an IETF protocol assignment (RFC 2928)'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'an IETF protocol assignment (RFC 2928)'],
  ['2001:db8::1', 'a documentation address (RFC 3849)'],
  ['3fff::1', 'a documentation address (RFC 9637)'],
  ['fc00::1', 'a unique local address (RFC 4193)'],
  ['fd12:3456:789a::1', 'a unique local address (RFC 4193)'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'a unique local address (RFC 4193)'],
  ['fe80::1', 'a link-local address'],
  ['fe80::1%eth0', 'a link-local address'],
  ['febf:ffff::1', 'a link-local address'],
  ['fec0::1', 'a site-local address (deprecated, RFC 3879)'],
  ['ff02::1', 'a multicast address'],
  ['ff05::1:3', 'a multicast address'],
  // Outside 2000::/3, where no global unicast address is allocated
  ['fbff:ffff::1', 'outside the global unicast range 2000::/3'],
  ['fe7f::1', 'outside the global unicast range 2000::/3'],
  ['4000::1', 'outside the global unicast range 2000::/3'],
  ['1fff:ffff::1', 'outside the global unicast range 2000::/3'],
  // IPv6 forms of IPv4 addresses: the IPv4 rules decide
  ['::ffff:127.0.0.1', 'a loopback address'],
  ['::ffff:7f00:1', 'a loopback address'],
  ['::ffff:10.0.0.5', 'a private address (RFC 1918)'],
  ['::ffff:169.254.169.254', 'a link-local address'],
  ['::ffff:8.8.8.8', undefined],
  ['0:0:0:0:0:ffff:c0a8:101', 'a private address (RFC 1918)'],
  ['64:ff9b::10.0.0.5', 'a private address (RFC 1918)'],
  ['64:ff9b::7f00:1', 'a loopback address'],
  ['64:ff9b::8.8.8.8', undefined],
  ['2002:a00:5::1', 'a private address (RFC 1918)'],
  ['2002:7f00:1::', 'a loopback address'],
  ['2002:c0a8:101::1', 'a private address (RFC 1918)'],
  ['2002:808:808::1', undefined],
  // Not an address at all
  ['localhost', 'not an IP address'],
  ['', 'not an IP address'],
  ['10.0.0', 'not an IP address'],
];

describe('the outbound fetcher reaches public addresses only', () => {
  for (const [address, words] of CASES) {
    test(`${address || '(empty)'}: ${words ?? 'public'}`, () => {
      assert.deepEqual(reservedAddress(address), words === undefined ? undefined : { words, loopback: words === 'a loopback address' });
    });
  }

  test('loopback is told apart from the rest, so that development may reach it and nothing else', () => {
    const loopbacks = CASES.filter(([address]) => reservedAddress(address)?.loopback).map(([address]) => address);
    assert.deepEqual(loopbacks, [
      '127.0.0.1',
      '127.255.255.254',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
    ]);
  });
});
