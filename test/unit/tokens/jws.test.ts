import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { signCompactJws } from '../../../src/tokens/jws.js';

for (const alg of ['ES256', 'RS256'] as const) {
  test(`${alg} compact JWS verifies with jose and carries the header given`, async () => {
    const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jws = await signCompactJws(alg, { typ: 'at+jwt', kid: 'k1' }, { sub: 'alice', n: 1 }, pair.privateKey);
    assert.deepEqual(decodeProtectedHeader(jws), { typ: 'at+jwt', kid: 'k1', alg });
    const { payload } = await compactVerify(jws, pair.publicKey, { algorithms: [alg] });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { sub: 'alice', n: 1 });
    // RFC 7518 §3.4: an ES256 signature is the 64-byte r‖s pair, not DER.
    if (alg === 'ES256') assert.equal(Buffer.from(jws.split('.')[2]!, 'base64url').length, 64);
    const tampered = jws.replace(/\.[^.]+\./, `.${Buffer.from('{"sub":"mallory","n":1}').toString('base64url')}.`);
    await assert.rejects(compactVerify(tampered, pair.publicKey, { algorithms: [alg] }));
  });
}
