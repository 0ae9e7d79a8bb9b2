import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { type Interaction, InteractionSeal } from '../../../src/oauth/interaction-seal.js';

const NOW = 1_800_000_000;
const interaction = (changes: Partial<Interaction<{ clientId: string }>> = {}): Interaction<{ clientId: string }> => ({
  id: 'interaction-1',
  request: { clientId: 'app' },
  createdAt: NOW,
  expiresAt: NOW + 1800,
  sessionId: null,
  ...changes,
});

test('a sealed interaction opens for its id and browser, whole, until it expires', async () => {
  const seal = new InteractionSeal<{ clientId: string }>(() => randomBytes(32));
  const value = await seal.seal(interaction({ sessionId: 'session-1' }), 'browser-1');
  assert.deepEqual(decodeProtectedHeader(value), { alg: 'A256KW', enc: 'A256GCM' });
  assert.equal(value.split('.').length, 5, 'a compact JWE');
  const readable = value
    .split('.')
    .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
    .join('');
  assert.ok(!readable.includes('clientId') && !readable.includes('session-1'), 'encrypted, not only signed');
  assert.deepEqual(await seal.open('interaction-1', value, 'browser-1', NOW + 60), interaction({ sessionId: 'session-1' }));
  assert.equal((await seal.open('interaction-1', await seal.seal(interaction(), 'browser-1'), 'browser-1', NOW))?.sessionId, null);
  assert.equal(await seal.open('interaction-1', value, 'browser-1', NOW + 1800), undefined, 'expired');
});

test('another browser, another id, another key or a changed value opens nothing', async () => {
  const key = randomBytes(32);
  const seal = new InteractionSeal<{ clientId: string }>(() => key);
  const value = await seal.seal(interaction(), 'browser-1');
  assert.equal(await seal.open('interaction-1', value, 'browser-2', NOW), undefined);
  assert.equal(await seal.open('interaction-2', value, 'browser-1', NOW), undefined);
  assert.equal(await new InteractionSeal(() => randomBytes(32)).open('interaction-1', value, 'browser-1', NOW), undefined);
  const parts = value.split('.');
  const ciphertext = Buffer.from(parts[3]!, 'base64url');
  ciphertext[0]! ^= 1;
  parts[3] = ciphertext.toString('base64url');
  assert.equal(await seal.open('interaction-1', parts.join('.'), 'browser-1', NOW), undefined);
  assert.equal(await seal.open('interaction-1', 'not a JWE', 'browser-1', NOW), undefined);
});

test('the key is read once, when first needed: the page keys are loaded after the seal is made', async () => {
  let reads = 0;
  const key = randomBytes(32);
  const seal = new InteractionSeal<{ clientId: string }>(() => {
    reads++;
    return key;
  });
  assert.equal(reads, 0);
  const value = await seal.seal(interaction(), 'browser-1');
  await seal.open('interaction-1', value, 'browser-1', NOW);
  assert.equal(reads, 1);
});
