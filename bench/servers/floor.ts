/**
 * Benchmark server: the floor. Plain node:http that reads the request body, makes one ES256 signature over a
 * JWT-shaped access token (RFC 9068 claims, same sizes as the real servers) and answers with a token response. No
 * client authentication, no parsing, no storage: the throughput a token endpoint cannot beat on this machine.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { announceReady, BENCH_SCOPE, failStart, listenHttp } from '../lib/protocol.js';

const TTL = 1800;
const KID = 'floor-es256';
const CLIENT_ID = 'floor-client';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: KID })).toString('base64url');
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }] });

function issue(issuer: string, audience: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const payload = {
    iss: issuer,
    sub: CLIENT_ID,
    aud: audience,
    client_id: CLIENT_ID,
    scope: BENCH_SCOPE,
    iat,
    exp: iat + TTL,
    jti: randomBytes(16).toString('base64url'),
  };
  const signingInput = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function handler(issuer: string, audience: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/token') {
        const body = JSON.stringify({ access_token: issue(issuer, audience), token_type: 'Bearer', expires_in: TTL, scope: BENCH_SCOPE });
        response.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
        });
        response.end(body);
      } else if (request.method === 'GET' && request.url === '/jwks') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(jwks);
      } else {
        response.writeHead(404);
        response.end();
      }
    });
  };
}

async function main(): Promise<void> {
  try {
    const server = createServer();
    const url = await listenHttp(server);
    const audience = `${url}/api`;
    server.on('request', handler(url, audience));
    announceReady({
      ready: true,
      url,
      tokenEndpoint: `${url}/token`,
      jwksUri: `${url}/jwks`,
      issuer: url,
      clientId: CLIENT_ID,
      clientSecret: 'unused',
      audience,
      scope: BENCH_SCOPE,
    });
  } catch (error) {
    failStart(error);
  }
}

await main();
