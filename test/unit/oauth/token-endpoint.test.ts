import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GrantHandler, TokenRequest } from '../../../src/oauth/grants/grant-handler.js';
import { TokenEndpoint, type TokenEndpointInput } from '../../../src/oauth/token-endpoint.js';
import { clientLookup, fake, oauthError, resolvedClient, SECRET } from '../support.js';

type Directory = ConstructorParameters<typeof TokenEndpoint>[0];

const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

/** A grant that answers with what it was handed, and keeps each request. */
function recordingGrant(grantType: string): GrantHandler & { requests: TokenRequest[] } {
  const requests: TokenRequest[] = [];
  return {
    grantType,
    requests,
    async handle(request) {
      requests.push(request);
      return { access_token: `${grantType}-token`, token_type: 'Bearer', expires_in: 60, issued_token_type: 'urn:example:echo' };
    },
  };
}

function endpoint(...grants: GrantHandler[]) {
  const find = clientLookup(
    resolvedClient({ grantTypes: ['urn:example:echo'] }),
    resolvedClient({ clientId: 'other', grantTypes: ['client_credentials'] }),
  );
  const directory = fake<Directory>({ find });
  return { endpoint: new TokenEndpoint(directory, grants), lookups: find.calls };
}

const input = (params: Record<string, string>, changes: Partial<TokenEndpointInput> = {}): TokenEndpointInput => ({
  authorization: basic('app', SECRET),
  params,
  ip: '192.0.2.1',
  method: 'POST',
  url: 'https://issuer.example/oauth2/token?x=1',
  headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: 'proof' },
  ...changes,
});

describe('TokenEndpoint', () => {
  test('the registered grant types, in their order; two handlers for one grant type are refused', () => {
    assert.deepEqual(endpoint(recordingGrant('urn:example:echo'), recordingGrant('client_credentials')).endpoint.grantTypes, [
      'urn:example:echo',
      'client_credentials',
    ]);
    assert.throws(() => endpoint(recordingGrant('x'), recordingGrant('x')), /two grants are registered for the same grant type/);
  });

  test('the grant type is checked before the client is authenticated', async () => {
    const { endpoint: tokens, lookups } = endpoint(recordingGrant('urn:example:echo'));
    await assert.rejects(tokens.handle(input({})), oauthError('invalid_request', /^the grant_type parameter is missing$/));
    await assert.rejects(tokens.handle(input({ grant_type: 'password' })), oauthError('unsupported_grant_type', /not supported/));
    await assert.rejects(
      tokens.handle(input({ grant_type: 'password' }, { authorization: undefined })),
      oauthError('unsupported_grant_type'),
      'even with no client authentication at all',
    );
    assert.deepEqual(lookups, []);
  });

  test('a client that fails to authenticate, or is not allowed the grant, never reaches the handler', async () => {
    const echo = recordingGrant('urn:example:echo');
    const cc = recordingGrant('client_credentials');
    const { endpoint: tokens } = endpoint(echo, cc);
    await assert.rejects(
      tokens.handle(input({ grant_type: 'urn:example:echo' }, { authorization: basic('app', 'wrong') })),
      oauthError('invalid_client'),
    );
    await assert.rejects(
      tokens.handle(input({ grant_type: 'client_credentials' })),
      oauthError('unauthorized_client', /^the client is not allowed the client_credentials grant$/),
    );
    assert.equal(echo.requests.length + cc.requests.length, 0);
  });

  test('the handler gets the authenticated client and the whole request, and its response is returned as it is', async () => {
    const echo = recordingGrant('urn:example:echo');
    const { endpoint: tokens } = endpoint(echo);
    const controller = new AbortController();
    let signalReads = 0;
    const request = Object.defineProperty(input({ grant_type: 'urn:example:echo', subject_token: 't' }), 'signal', {
      get() {
        signalReads++;
        return controller.signal;
      },
    });
    const response = await tokens.handle(request);
    assert.deepEqual(response, {
      access_token: 'urn:example:echo-token',
      token_type: 'Bearer',
      expires_in: 60,
      issued_token_type: 'urn:example:echo',
    });
    const [handed] = echo.requests;
    assert.ok(handed);
    assert.equal(handed.client.client.clientId, 'app');
    assert.equal(handed.client.method, 'client_secret_basic');
    assert.deepEqual([...handed.client.allowedScopes], ['read', 'write']);
    assert.deepEqual(handed.params, { grant_type: 'urn:example:echo', subject_token: 't' });
    assert.equal(handed.ip, '192.0.2.1');
    assert.equal(handed.method, 'POST');
    assert.equal(handed.url, 'https://issuer.example/oauth2/token?x=1');
    assert.equal(handed.headers, request.headers, 'the headers object is handed over, not copied');
    // The abort signal is read only by a grant that asks for it (its making costs on the client_credentials hot path).
    assert.equal(signalReads, 0);
    assert.equal(handed.signal, controller.signal);
    assert.equal(signalReads, 1);
  });
});
