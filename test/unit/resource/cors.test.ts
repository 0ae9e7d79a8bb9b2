import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corsPolicy, nodeCors } from '@gatehouse/resource';

const PLAYGROUND = 'https://auth.example.com';
const preflight = (origin: string) => ({ origin, 'access-control-request-method': 'POST' });

test('a preflight from an allowed origin gets that origin, the methods, the bearer headers and Max-Age', () => {
  const cors = corsPolicy({ origins: [PLAYGROUND] });
  assert.deepEqual(cors('OPTIONS', preflight(PLAYGROUND)), {
    preflight: true,
    headers: {
      vary: 'Origin',
      'access-control-allow-origin': PLAYGROUND,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
      'access-control-max-age': '600',
    },
  });
});

test('any other request from an allowed origin gets that origin (never *) and may read WWW-Authenticate', () => {
  const cors = corsPolicy({ origins: [PLAYGROUND, 'http://localhost:4444'] });
  const expected = (origin: string) => ({
    preflight: false,
    headers: { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-expose-headers': 'WWW-Authenticate' },
  });
  assert.deepEqual(cors('GET', { origin: PLAYGROUND }), expected(PLAYGROUND));
  assert.deepEqual(cors('POST', { origin: 'http://localhost:4444' }), expected('http://localhost:4444'));
  // An OPTIONS without Access-Control-Request-Method is not a preflight: it is a request like any other.
  assert.deepEqual(cors('OPTIONS', { origin: PLAYGROUND }), expected(PLAYGROUND));
});

test('a disallowed or missing origin is refused nothing, it just gets no CORS headers (the browser blocks)', () => {
  const cors = corsPolicy({ origins: [PLAYGROUND] });
  const none = { vary: 'Origin' };
  assert.deepEqual(cors('GET', { origin: 'https://evil.example' }), { preflight: false, headers: none });
  assert.deepEqual(cors('OPTIONS', preflight('https://evil.example')), { preflight: true, headers: none });
  // Origins are compared exactly: another scheme, port or a subdomain is another origin.
  assert.deepEqual(cors('GET', { origin: 'http://auth.example.com' }).headers, none);
  assert.deepEqual(cors('GET', { origin: 'https://auth.example.com:8443' }).headers, none);
  assert.deepEqual(cors('GET', { origin: 'https://x.auth.example.com' }).headers, none);
  assert.deepEqual(cors('GET', { origin: 'null' }).headers, none);
  assert.deepEqual(cors('GET', {}), { preflight: false, headers: none });
  // Without Origin there is no preflight either: only browsers send one, always with Origin.
  assert.deepEqual(cors('OPTIONS', { 'access-control-request-method': 'GET' }), { preflight: false, headers: none });
});

test('origins may be decided by a function; methods, headers and Max-Age can be set', () => {
  const cors = corsPolicy({
    origins: (origin) => origin.endsWith('.example.com') && origin.startsWith('https://'),
    maxAge: 7200,
    methods: ['GET', 'POST'],
    allowHeaders: ['X-Request-Id'],
    exposeHeaders: ['X-Request-Id', 'DPoP-Nonce'],
  });
  assert.deepEqual(cors('OPTIONS', preflight('https://docs.example.com')).headers, {
    vary: 'Origin',
    'access-control-allow-origin': 'https://docs.example.com',
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'Authorization, Content-Type, DPoP, X-Request-Id',
    'access-control-max-age': '7200',
  });
  assert.equal(
    cors('GET', { origin: 'https://docs.example.com' }).headers['access-control-expose-headers'],
    'WWW-Authenticate, X-Request-Id, DPoP-Nonce',
  );
  assert.deepEqual(cors('GET', { origin: 'http://docs.example.com' }).headers, { vary: 'Origin' });
});

test('a listed origin browsers never send, or a bad Max-Age, is a misconfiguration (TypeError)', () => {
  assert.throws(
    () => corsPolicy({ origins: ['https://auth.example.com/'] }),
    /not an origin as browsers send it.*e\.g\. https:\/\/auth\.example\.com$/,
  );
  assert.throws(() => corsPolicy({ origins: ['https://auth.example.com/playground'] }), TypeError);
  assert.throws(() => corsPolicy({ origins: ['https://auth.example.com:443'] }), TypeError);
  assert.throws(() => corsPolicy({ origins: ['auth.example.com'] }), TypeError);
  assert.throws(() => corsPolicy({ origins: [PLAYGROUND], maxAge: -1 }), /maxAge -1/);
  assert.throws(() => corsPolicy({ origins: [PLAYGROUND], maxAge: 1.5 }), TypeError);
});

/** A Node `ServerResponse` as far as nodeCors writes it. */
function recordingResponse() {
  const headers: Record<string, string> = {};
  const response = {
    statusCode: 200,
    ended: false,
    headers,
    setHeader: (name: string, value: string) => (headers[name] = value),
    end: () => (response.ended = true),
  };
  return response;
}

test('nodeCors answers a preflight with 204 and says so; other requests only get the headers', () => {
  const cors = nodeCors({ origins: [PLAYGROUND] });
  const answered = recordingResponse();
  assert.equal(cors({ method: 'OPTIONS', headers: preflight(PLAYGROUND) }, answered), true);
  assert.equal(answered.statusCode, 204);
  assert.equal(answered.ended, true);
  assert.equal(answered.headers['access-control-allow-origin'], PLAYGROUND);
  assert.equal(answered.headers['access-control-allow-headers'], 'Authorization, Content-Type, DPoP');

  const passed = recordingResponse();
  assert.equal(cors({ method: 'GET', headers: { origin: PLAYGROUND } }, passed), false);
  assert.equal(passed.ended, false);
  assert.equal(passed.statusCode, 200);
  assert.deepEqual(passed.headers, {
    vary: 'Origin',
    'access-control-allow-origin': PLAYGROUND,
    'access-control-expose-headers': 'WWW-Authenticate',
  });

  const foreign = recordingResponse();
  assert.equal(cors({ method: 'OPTIONS', headers: preflight('https://evil.example') }, foreign), true);
  assert.equal(foreign.statusCode, 204);
  assert.deepEqual(foreign.headers, { vary: 'Origin' });
});
