import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importConsoleModule } from '../../helpers/console-module.js';

interface Challenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
}
const { parseWwwAuthenticate: parse, explainChallenge } = await importConsoleModule<{
  parseWwwAuthenticate(header: string): Challenge[];
  explainChallenge(challenges: Challenge[]): string;
}>('playground/www-authenticate.ts');

test('a Bearer challenge of RFC 6750 §3: quoted and token values, names case-insensitive', () => {
  assert.deepEqual(
    parse(
      'Bearer realm="catalog", error="insufficient_scope", error_description="The access token lacks corpora:write", scope="corpora:write", resource_metadata="https://api.example/.well-known/oauth-protected-resource/catalog"',
    ),
    [
      {
        scheme: 'Bearer',
        params: {
          realm: 'catalog',
          error: 'insufficient_scope',
          error_description: 'The access token lacks corpora:write',
          scope: 'corpora:write',
          resource_metadata: 'https://api.example/.well-known/oauth-protected-resource/catalog',
        },
      },
    ],
  );
  assert.deepEqual(parse('bearer Error=invalid_token,REALM = "x"'), [{ scheme: 'bearer', params: { error: 'invalid_token', realm: 'x' } }]);
});

test('quoted strings keep commas, equals signs and spaces, and unescape quoted-pairs (RFC 9110 §5.6.4)', () => {
  const [challenge] = parse('Bearer error_description="a, b = \\"c\\" \\\\ d", scope="a b"');
  assert.deepEqual(challenge!.params, { error_description: 'a, b = "c" \\ d', scope: 'a b' });
});

test('several challenges in one value, with and without parameters, and token68', () => {
  assert.deepEqual(parse('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'), [
    { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    { scheme: 'Basic', params: { realm: 'simple' } },
  ]);
  assert.deepEqual(parse('Bearer, DPoP algs="ES256 PS256"'), [
    { scheme: 'Bearer', params: {} },
    { scheme: 'DPoP', params: { algs: 'ES256 PS256' } },
  ]);
  assert.deepEqual(parse('Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXa==, Bearer realm="r"'), [
    { scheme: 'Negotiate', params: {}, token68: 'YIIBhgYGKwYBBQUCoIIBejCCAXa==' },
    { scheme: 'Bearer', params: { realm: 'r' } },
  ]);
  assert.deepEqual(parse('Bearer'), [{ scheme: 'Bearer', params: {} }]);
  assert.deepEqual(parse(' , Bearer realm="a" ,, '), [{ scheme: 'Bearer', params: { realm: 'a' } }], 'empty list elements are ignored');
  assert.deepEqual(parse(''), []);
});

test('a name sent twice keeps its first value', () => {
  assert.deepEqual(parse('Bearer error="invalid_token", error="other"')[0]!.params, { error: 'invalid_token' });
});

test('what breaks the grammar is a SyntaxError naming where', () => {
  for (const [header, why] of [
    ['Bearer realm="unterminated', /unterminated quoted string/],
    ['Bearer realm="a", error=', /parameter value expected/],
    ['Bearer realm="a" error="b"', /"," expected between parameters/],
    ['Bearer realm "x"', /"=" expected/],
    ['"Bearer"', /authentication scheme expected at character 1/],
    ['Bearer realm="a\u0001"', /control character/],
  ] as const) {
    assert.throws(
      () => parse(header),
      (error: unknown) => error instanceof SyntaxError && why.test(error.message),
      header,
    );
  }
});

test("the refusal in words, by the Bearer challenge's error code", () => {
  const explain = (header: string) => explainChallenge(parse(header));
  assert.equal(
    explain('Bearer realm="catalog", error="insufficient_scope", scope="corpora:write"'),
    'The token lacks the scope corpora:write that this operation needs.',
  );
  assert.equal(explain('Bearer error="insufficient_scope", scope="a b"'), 'The token lacks the scopes a b that this operation needs.');
  assert.equal(explain('Bearer error="insufficient_scope"'), 'The token lacks a scope that this operation needs.');
  assert.match(explain('Bearer error="invalid_token"'), /refused the token: it is expired, revoked, malformed, or not for this API/);
  assert.equal(explain('Bearer realm="catalog"'), 'The API wants a bearer token: the request carried none.');
  assert.equal(explain('Basic realm="x"'), 'The API asks for Basic authentication, not a bearer token.');
  assert.equal(explain('Basic realm="x", Bearer error="invalid_request"').startsWith('The API found the request malformed'), true);
});
