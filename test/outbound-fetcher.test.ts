import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GuardedFetcher, type Resolve } from '../src/http/outbound.js';
import { OutboundFetchError, type OutboundLimits } from '../src/ports/outbound.js';

const LIMITS: OutboundLimits = { accept: ['application/json'], maxBytes: 64 * 1024, timeoutMs: 2000 };
const DOCUMENT = JSON.stringify({ hello: 'world' });

/** What the local server saw: each request's Host header, and how many bytes of the endless body it wrote. */
const seen = { hosts: [] as string[], endlessBytes: 0, endlessClosed: false };

function route(request: IncomingMessage, response: ServerResponse, base: () => string): void {
  seen.hosts.push(request.headers.host ?? '');
  const json = { 'content-type': 'application/json; charset=utf-8' };
  switch (request.url) {
    case '/doc.json':
      response.writeHead(200, json).end(DOCUMENT);
      return;
    case '/headers':
      response.writeHead(200, json).end(JSON.stringify(request.headers));
      return;
    case '/declared-large':
      // Says it is larger than the limit: refused before a byte of the body is read.
      response.writeHead(200, { ...json, 'content-length': String(10 * 1024 * 1024) });
      response.write('{');
      return;
    case '/endless': {
      // No Content-Length, and a body that never ends: the fetcher must stop reading at its limit.
      response.writeHead(200, json);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (!response.destroyed && seen.endlessBytes < 50 * 1024 * 1024) {
          seen.endlessBytes += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      response.on('close', () => {
        seen.endlessClosed = true;
      });
      pump();
      return;
    }
    case '/silent':
      // Never answers: the time limit ends the fetch.
      return;
    case '/trickle':
      // Answers at once, then sends its body too slowly for the time limit.
      response.writeHead(200, json);
      response.write('{"a":');
      return;
    case '/html':
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      return;
    case '/gzip':
      response.writeHead(200, { ...json, 'content-encoding': 'gzip' }).end('not really');
      return;
    case '/missing':
      response.writeHead(404, json).end('{}');
      return;
    case '/to-doc':
      response.writeHead(302, { location: `${base()}/doc.json` }).end();
      return;
    case '/to-private':
      response.writeHead(301, { location: 'https://10.0.0.5/doc.json' }).end();
      return;
    case '/to-metadata':
      response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    case '/loop':
      response.writeHead(302, { location: '/loop' }).end();
      return;
    default:
      response.writeHead(404).end();
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The fetch's refusal: its kind and its words. */
async function refusal(fetching: Promise<unknown>): Promise<OutboundFetchError> {
  try {
    await fetching;
  } catch (error) {
    assert.ok(error instanceof OutboundFetchError, `expected an OutboundFetchError, got ${String(error)}`);
    return error;
  }
  assert.fail('the fetch was expected to be refused');
}

describe('the guarded outbound fetcher, against real local servers', () => {
  const servers: Server[] = [];
  let port: number;
  let base: string;
  const development = new GuardedFetcher({ allowLoopback: true });
  const production = new GuardedFetcher({ allowLoopback: false });

  before(async () => {
    const server = createServer((request, response) => route(request, response, () => base));
    servers.push(server);
    port = await listen(server);
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('in development, a loopback server is reached over http, and the body, media type and URL come back', async () => {
    const answer = await development.get(`${base}/doc.json`, LIMITS);
    assert.equal(answer.body.toString(), DOCUMENT);
    assert.equal(answer.mediaType, 'application/json');
    assert.equal(answer.url, `${base}/doc.json`);
    const headers = JSON.parse((await development.get(`${base}/headers`, LIMITS)).body.toString()) as Record<string, string>;
    assert.equal(headers.accept, 'application/json');
    assert.equal(headers['accept-encoding'], 'identity', 'compression is not asked for: the size limit is on what is stored');
    assert.equal(headers['user-agent'], 'Gatehouse');
  });

  test('outside development, loopback is refused in words, by address and by name, and http altogether', async () => {
    const byAddress = await refusal(production.get(`https://127.0.0.1:${port}/doc.json`, LIMITS));
    assert.equal(byAddress.failure, 'refused');
    assert.equal(
      byAddress.message,
      `https://127.0.0.1:${port}/doc.json is at 127.0.0.1, a loopback address: refused (GATEHOUSE_DEV_ALLOW_LOOPBACK_FETCH=on allows loopback in development)`,
    );
    const byName = await refusal(production.get(`https://localhost:${port}/doc.json`, LIMITS));
    assert.match(
      byName.message,
      new RegExp(`^https://localhost:${port}/doc.json resolves to (127\\.0\\.0\\.1|::1), a loopback address: refused`),
    );
    const ipv6 = await refusal(production.get('https://[::1]/doc.json', LIMITS));
    assert.match(ipv6.message, /is at ::1, a loopback address: refused/);
    const http = await refusal(production.get(`${base}/doc.json`, LIMITS));
    assert.equal(http.message, `${base}/doc.json: only https URLs are fetched`);
    assert.equal(seen.hosts.filter((host) => host.endsWith(`:${port}`)).length, seen.hosts.length);
  });

  test('private, link-local and other reserved addresses are refused even in development, before any connection', async () => {
    const names: Record<string, string[]> = {
      'intranet.test': ['10.0.0.5'],
      'metadata.test': ['169.254.169.254'],
      'mixed.test': ['93.184.215.14', '192.168.1.10'],
      'ula.test': ['fd00::5'],
      'mapped.test': ['::ffff:10.0.0.5'],
      'nowhere.test': [],
    };
    const resolve: Resolve = async (host) => names[host] ?? [];
    const fetcher = new GuardedFetcher({ allowLoopback: true, resolve });
    const refused = async (url: string) => (await refusal(fetcher.get(url, LIMITS))).message;
    assert.equal(
      await refused('https://intranet.test/doc.json'),
      'https://intranet.test/doc.json resolves to 10.0.0.5, a private address (RFC 1918): refused',
    );
    assert.equal(
      await refused('https://metadata.test/'),
      'https://metadata.test/ resolves to 169.254.169.254, a link-local address: refused',
    );
    assert.equal(
      await refused('https://mixed.test/doc.json'),
      'https://mixed.test/doc.json resolves to 192.168.1.10, a private address (RFC 1918): refused',
      'one bad address among good ones is enough to refuse',
    );
    assert.equal(await refused('https://ula.test/'), 'https://ula.test/ resolves to fd00::5, a unique local address (RFC 4193): refused');
    assert.equal(
      await refused('https://mapped.test/'),
      'https://mapped.test/ resolves to ::ffff:10.0.0.5, a private address (RFC 1918): refused',
    );
    assert.equal(
      await refused('https://100.64.0.1/'),
      'https://100.64.0.1/ is at 100.64.0.1, a shared address of carrier-grade NAT (RFC 6598): refused',
    );
    assert.equal(await refused('https://[fe80::1]/'), 'https://[fe80::1]/ is at fe80::1, a link-local address: refused');
    assert.equal(await refused('https://0.0.0.0/'), 'https://0.0.0.0/ is at 0.0.0.0, an unspecified ("this network") address: refused');
    // The URL parser's forms of an IPv4 address are normalised before they are checked.
    assert.equal(await refused('https://0x0a.0.0.5/'), 'https://10.0.0.5/ is at 10.0.0.5, a private address (RFC 1918): refused');
    assert.equal(await refused('https://167772165/'), 'https://10.0.0.5/ is at 10.0.0.5, a private address (RFC 1918): refused');
    assert.equal(
      await refused('http://93.184.215.14/'),
      'http://93.184.215.14/ is at 93.184.215.14: http is fetched only from loopback addresses; use https',
    );
    assert.equal((await refusal(fetcher.get('https://nowhere.test/', LIMITS))).failure, 'unreachable');
    assert.equal(
      await refused('https://user:secret@intranet.test/'),
      'https://intranet.test: a URL with a user name or password in it is not fetched',
    );
    assert.equal(await refused('ftp://intranet.test/'), 'ftp://intranet.test/: only https URLs are fetched');
    assert.equal(await refused('/relative'), '"/relative" is not an absolute URL');
  });

  test('the connection goes to the address checked: the name is resolved once, and the socket does not resolve it again', async () => {
    const calls: string[] = [];
    // A rebinding name: loopback (allowed here) when checked, a private address at every later resolution.
    const resolve: Resolve = async (host) => {
      calls.push(host);
      return calls.length === 1 ? ['127.0.0.1'] : ['10.0.0.5'];
    };
    const fetcher = new GuardedFetcher({ allowLoopback: true, resolve });
    seen.hosts.length = 0;
    const answer = await fetcher.get(`http://rebinding.test:${port}/doc.json`, LIMITS);
    assert.equal(
      answer.body.toString(),
      DOCUMENT,
      'the system resolver knows no rebinding.test: only the pinned address reached the server',
    );
    assert.deepEqual(calls, ['rebinding.test']);
    assert.deepEqual(seen.hosts, [`rebinding.test:${port}`], 'the Host header names the host, not the address');
  });

  test('a body past the limit is refused: by its Content-Length before it is read, and by reading no further than the limit', async () => {
    const declared = await refusal(development.get(`${base}/declared-large`, LIMITS));
    assert.equal(declared.failure, 'too_large');
    assert.equal(declared.message, `${base}/declared-large is larger than 64 KiB, the limit`);
    seen.endlessBytes = 0;
    seen.endlessClosed = false;
    const endless = await refusal(development.get(`${base}/endless`, LIMITS));
    assert.equal(endless.failure, 'too_large');
    assert.equal(endless.message, `${base}/endless is larger than 64 KiB, the limit`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(seen.endlessClosed, 'the fetcher closed the connection');
    // What the server wrote before it noticed: socket buffers, far below the 50 MiB it would have sent.
    assert.ok(seen.endlessBytes < 8 * 1024 * 1024, `the server wrote ${seen.endlessBytes} bytes`);
  });

  test('the time limit covers waiting for the answer and for its body', async () => {
    const limits = { ...LIMITS, timeoutMs: 300 };
    const started = Date.now();
    const silent = await refusal(development.get(`${base}/silent`, limits));
    assert.equal(silent.failure, 'timeout');
    assert.equal(silent.message, `${base}/silent did not answer within 0.3 s`);
    const trickle = await refusal(development.get(`${base}/trickle`, limits));
    assert.equal(trickle.failure, 'timeout');
    assert.ok(Date.now() - started < 3000, `both gave up in time (${Date.now() - started} ms)`);
    const slowName: Resolve = () => new Promise(() => {});
    const unresolved = await refusal(new GuardedFetcher({ allowLoopback: true, resolve: slowName }).get('https://slow-dns.test/', limits));
    assert.equal(unresolved.message, 'https://slow-dns.test/ did not answer within 0.3 s', 'a resolver that never answers is bounded too');
  });

  test('only the media types asked for, status 200 and no compression are taken', async () => {
    const html = await refusal(development.get(`${base}/html`, LIMITS));
    assert.equal(html.failure, 'bad_response');
    assert.equal(html.message, `${base}/html answered text/html, not application/json`);
    assert.equal((await refusal(development.get(`${base}/missing`, LIMITS))).message, `${base}/missing answered 404 Not Found`);
    assert.equal(
      (await refusal(development.get(`${base}/gzip`, LIMITS))).message,
      `${base}/gzip answered with Content-Encoding gzip, which was not asked for`,
    );
    const closed = await refusal(development.get('http://127.0.0.1:1/doc.json', LIMITS));
    assert.equal(closed.failure, 'unreachable');
    assert.match(closed.message, /^http:\/\/127\.0\.0\.1:1\/doc\.json could not be reached: connect ECONNREFUSED/);
  });

  test('redirects are followed up to 3, each target checked as the first URL was', async () => {
    const redirected = await development.get(`${base}/to-doc`, LIMITS);
    assert.equal(redirected.body.toString(), DOCUMENT);
    assert.equal(redirected.url, `${base}/doc.json`);
    assert.equal(
      (await refusal(development.get(`${base}/to-private`, LIMITS))).message,
      'https://10.0.0.5/doc.json is at 10.0.0.5, a private address (RFC 1918): refused',
    );
    assert.equal(
      (await refusal(development.get(`${base}/to-metadata`, LIMITS))).message,
      'http://169.254.169.254/latest/meta-data/ is at 169.254.169.254, a link-local address: refused',
    );
    assert.equal((await refusal(development.get(`${base}/loop`, LIMITS))).message, `${base}/loop redirects more than 3 times`);
  });

  test("https certificates are verified: a loopback server's self-signed one is refused", async (t) => {
    let dir: string;
    try {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      t.skip('SKIPPED: openssl is not installed, so no certificate can be made for the local https server');
      return;
    }
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (request, response) => route(request, response, () => base),
    );
    rmSync(dir, { recursive: true, force: true });
    servers.push(server);
    const tlsPort = await listen(server);
    const untrusted = await refusal(development.get(`https://127.0.0.1:${tlsPort}/doc.json`, LIMITS));
    assert.equal(untrusted.failure, 'unreachable');
    assert.match(
      untrusted.message,
      new RegExp(`^https://127\\.0\\.0\\.1:${tlsPort}/doc\\.json could not be reached: self[- ]signed certificate`),
    );
  });
});
