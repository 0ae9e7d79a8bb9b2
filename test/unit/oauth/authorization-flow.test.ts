import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MemoryInteractions } from '../../../src/memory/interactions.js';
import { AuthorizationFlow, type FlowOutcome } from '../../../src/oauth/authorization-flow.js';
import { InteractionSeal } from '../../../src/oauth/interaction-seal.js';
import { sha256Hex } from '../../../src/tokens/hash.js';
import { isWellFormedOpaque, OPAQUE_PREFIXES } from '../../../src/tokens/opaque.js';
import { api, audiences, clientLookup, DEFAULT_AUDIENCE, fake, type ResolvedClient, resolvedClient } from '../support.js';

type Dependencies = ConstructorParameters<typeof AuthorizationFlow>[0];
type Session = NonNullable<Parameters<AuthorizationFlow['authorize']>[2]>;
type Consent = NonNullable<Awaited<ReturnType<Dependencies['consents']['get']>>>;
type NewCode = Parameters<Dependencies['codes']['createCode']>[0];

const ISSUER = 'https://issuer.example';
const CALLBACK = 'https://app.example/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const ORDERS = api('https://orders.example', 'Orders');
const BROWSER = 'browser-1';
const now = () => Math.floor(Date.now() / 1000);

const app = resolvedClient({ redirectUris: [CALLBACK] }, ['read', 'write', 'gatehouse:admin']);
const firstParty = resolvedClient({ clientId: 'console', redirectUris: [CALLBACK], skipConsent: true }, ['read']);

/** The flow over the in-memory answered interactions and small fakes of its other stores, which the test then reads. */
function flowWith(options: { clients?: ResolvedClient[]; consents?: Consent[]; roleScopes?: string[] } = {}) {
  const consents = [...(options.consents ?? [])];
  const granted: Consent[] = [];
  const interactions = new MemoryInteractions();
  const codes: NewCode[] = [];
  const key = randomBytes(32);
  const deps: Dependencies = {
    issuer: ISSUER,
    audiences: audiences(ORDERS),
    findClient: clientLookup(...(options.clients ?? [app, firstParty])),
    roleScopesOf: async () => new Set(options.roleScopes ?? []),
    seal: new InteractionSeal(() => key),
    interactions,
    consents: fake<Dependencies['consents']>({
      get: async (userId, clientId, audience) =>
        consents.find((consent) => consent.userId === userId && consent.clientId === clientId && consent.audience === audience),
      grant: async (userId, clientId, audience, scopes) => {
        granted.push({ userId, clientId, audience, scopes: [...scopes], grantedAt: now() });
      },
    }),
    codes: fake<Dependencies['codes']>({
      createCode: async (code) => {
        codes.push(code);
      },
    }),
  };
  return { flow: new AuthorizationFlow(deps), granted, consumed: interactions.answered, codes };
}

const session = (changes: Partial<Session> = {}): Session => ({
  id: 'session-1',
  userId: 'user-1',
  authTime: now() - 10,
  createdAt: now() - 10,
  expiresAt: now() + 3600,
  lastSeenAt: now(),
  ip: '192.0.2.1',
  userAgent: 'test',
  ...changes,
});

const consent = (scopes: string[], changes: Partial<Consent> = {}): Consent => ({
  userId: 'user-1',
  clientId: 'app',
  audience: DEFAULT_AUDIENCE,
  scopes,
  grantedAt: now() - 100,
  ...changes,
});

function query(changes: Record<string, string | undefined> = {}): Record<string, string[]> {
  const base: Record<string, string | undefined> = {
    client_id: 'app',
    redirect_uri: CALLBACK,
    response_type: 'code',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'st',
    scope: 'openid read',
    ...changes,
  };
  return Object.fromEntries(Object.entries(base).flatMap(([name, value]) => (value === undefined ? [] : [[name, [value]]])));
}

function pending(outcome: FlowOutcome, kind: 'login' | 'consent') {
  assert.equal(outcome.kind, kind, JSON.stringify(outcome));
  assert.ok(outcome.kind === 'login' || outcome.kind === 'consent');
  return outcome.interaction;
}

function responded(outcome: FlowOutcome): Record<string, string> {
  assert.equal(outcome.kind, 'respond', JSON.stringify(outcome));
  assert.ok(outcome.kind === 'respond');
  assert.equal(outcome.redirectUri, CALLBACK);
  return outcome.params;
}

describe('AuthorizationFlow: sign-in, then consent, then a code', () => {
  test('without a session the user signs in first; the interaction is sealed for this browser alone', async () => {
    const { flow, consumed } = flowWith();
    const sealed = pending(await flow.authorize(query(), BROWSER, undefined), 'login');
    assert.ok(sealed.expiresAt > now() + 29 * 60 && sealed.expiresAt <= now() + 30 * 60);
    const interaction = await flow.interaction(sealed.id, sealed.value, BROWSER);
    assert.equal(interaction?.request.clientId, 'app');
    assert.deepEqual(interaction?.request.scopes, ['openid', 'read']);
    assert.equal(interaction?.sessionId, null);
    assert.equal(await flow.interaction(sealed.id, sealed.value, 'another-browser'), undefined);
    assert.equal(await flow.interaction('another-id', sealed.value, BROWSER), undefined);
    assert.equal(await flow.interaction(sealed.id, undefined, BROWSER), undefined);
    assert.equal(consumed.size, 0, 'nothing is stored for a pending interaction');
  });

  test('prompt=none without a session is login_required at the redirect URI, with state and iss (RFC 9207)', async () => {
    const { flow } = flowWith();
    const params = responded(await flow.authorize(query({ prompt: 'none' }), BROWSER, undefined));
    assert.deepEqual(params, { error: 'login_required', error_description: 'the user is not signed in', state: 'st', iss: ISSUER });
  });

  test('signed in without a consent: the consent page, or consent_required for prompt=none', async () => {
    const { flow, codes } = flowWith();
    pending(await flow.authorize(query(), BROWSER, session()), 'consent');
    const params = responded(await flow.authorize(query({ prompt: 'none' }), BROWSER, session()));
    assert.equal(params.error, 'consent_required');
    assert.equal(codes.length, 0);
  });

  test('a consent that covers the request gives a code at once, stored by its hash with the request it answers', async () => {
    const { flow, codes } = flowWith({ consents: [consent(['openid', 'read', 'write'])] });
    const signedIn = session();
    const params = responded(await flow.authorize(query({ nonce: 'n-1', redirect_uri: undefined }), BROWSER, signedIn));
    assert.deepEqual(Object.keys(params), ['code', 'state', 'iss']);
    assert.ok(isWellFormedOpaque(params.code!, OPAQUE_PREFIXES.authorizationCode));
    assert.equal(codes.length, 1);
    const [code] = codes;
    assert.ok(code);
    assert.ok(code.expiresAt > now() + 55 && code.expiresAt <= now() + 60, 'a code lives a minute');
    assert.deepEqual(code, {
      codeHash: sha256Hex(params.code!),
      clientId: 'app',
      userId: 'user-1',
      sessionId: 'session-1',
      redirectUri: null,
      codeChallenge: CHALLENGE,
      scopes: ['openid', 'read'],
      nonce: 'n-1',
      audience: DEFAULT_AUDIENCE,
      authTime: signedIn.authTime,
      requestedAt: code.requestedAt,
      expiresAt: code.expiresAt,
    });
    assert.ok(Math.abs(code.requestedAt - now()) <= 1);
  });

  test('consent is asked again for a scope beyond it, and for another API (RFC 8707 §2, RFC 9700 §2.3)', async () => {
    const { flow } = flowWith({ consents: [consent(['openid', 'read'])] });
    pending(await flow.authorize(query({ scope: 'openid read write' }), BROWSER, session()), 'consent');
    pending(await flow.authorize(query({ resource: ORDERS.identifier }), BROWSER, session()), 'consent');
    const otherUser = flowWith({ consents: [consent(['openid', 'read'], { userId: 'user-2' })] }).flow;
    pending(await otherUser.authorize(query(), BROWSER, session()), 'consent');
    const atOrders = flowWith({ consents: [consent(['openid', 'read'], { audience: ORDERS.identifier })] }).flow;
    assert.ok(responded(await atOrders.authorize(query({ resource: ORDERS.identifier }), BROWSER, session())).code);
  });

  test('an empty consent covers a request for no scopes; no consent at all does not', async () => {
    assert.ok(responded(await flowWith({ consents: [consent([])] }).flow.authorize(query({ scope: undefined }), BROWSER, session())).code);
    pending(await flowWith().flow.authorize(query({ scope: undefined }), BROWSER, session()), 'consent');
  });

  test('a first-party client skips consent, unless prompt=consent asks for it', async () => {
    const { flow } = flowWith();
    assert.ok(responded(await flow.authorize(query({ client_id: 'console' }), BROWSER, session())).code);
    pending(await flow.authorize(query({ client_id: 'console', prompt: 'consent' }), BROWSER, session()), 'consent');
    const covered = flowWith({ consents: [consent(['openid', 'read'])] }).flow;
    pending(await covered.authorize(query({ prompt: 'consent' }), BROWSER, session()), 'consent');
  });

  test("privileged scopes the user's roles do not hold are dropped before consent is judged", async () => {
    const { flow, codes } = flowWith({ consents: [consent(['openid', 'read'])] });
    assert.ok(responded(await flow.authorize(query({ scope: 'openid read gatehouse:admin' }), BROWSER, session())).code);
    assert.deepEqual(codes[0]?.scopes, ['openid', 'read']);
    const admin = flowWith({ consents: [consent(['openid', 'read'])], roleScopes: ['gatehouse:admin'] }).flow;
    pending(await admin.authorize(query({ scope: 'openid read gatehouse:admin' }), BROWSER, session()), 'consent');
  });

  test('an invalid request ends on the error page or at the redirect URI, as validation decided', async () => {
    const { flow } = flowWith();
    assert.deepEqual(await flow.authorize(query({ client_id: 'ghost' }), BROWSER, session()), {
      kind: 'error_page',
      error: 'invalid_client',
      description: 'the client is unknown',
    });
    const params = responded(await flow.authorize(query({ code_challenge_method: 'plain' }), BROWSER, session()));
    assert.deepEqual(params, {
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
      state: 'st',
      iss: ISSUER,
    });
  });
});

describe('AuthorizationFlow: when a session must sign in again', () => {
  test('prompt=login and max_age=0 always ask; max_age asks once the sign-in is older', async () => {
    const { flow } = flowWith({ consents: [consent(['openid', 'read'])] });
    pending(await flow.authorize(query({ prompt: 'login' }), BROWSER, session()), 'login');
    pending(await flow.authorize(query({ max_age: '0' }), BROWSER, session({ authTime: now() })), 'login');
    pending(await flow.authorize(query({ max_age: '60' }), BROWSER, session({ authTime: now() - 61 })), 'login');
    assert.ok(responded(await flow.authorize(query({ max_age: '60' }), BROWSER, session({ authTime: now() - 30 }))).code);
  });

  test('a sign-in within the interaction satisfies prompt=login once: then consent, then the code', async () => {
    const { flow, granted, codes } = flowWith();
    const sealed = pending(await flow.authorize(query({ prompt: 'login' }), BROWSER, session()), 'login');
    const interaction = await flow.interaction(sealed.id, sealed.value, BROWSER);
    assert.ok(interaction);
    const fresh = session({ id: 'session-2', authTime: now() });
    const consentPage = pending(await flow.afterLogin(interaction, BROWSER, fresh), 'consent');
    const carried = await flow.interaction(consentPage.id, consentPage.value, BROWSER);
    assert.equal(carried?.sessionId, 'session-2');
    assert.ok(carried);
    const params = responded(await flow.afterConsent(carried, BROWSER, fresh, true));
    assert.ok(params.code);
    assert.deepEqual(
      granted.map(({ userId, clientId, audience, scopes }) => ({ userId, clientId, audience, scopes })),
      [{ userId: 'user-1', clientId: 'app', audience: DEFAULT_AUDIENCE, scopes: ['openid', 'read'] }],
    );
    assert.equal(codes[0]?.sessionId, 'session-2');
  });

  test('the consent page cannot be used to get around prompt=login: it sends the user to sign in', async () => {
    const { flow, consumed, granted } = flowWith();
    const sealed = pending(await flow.authorize(query({ prompt: 'login' }), BROWSER, undefined), 'login');
    const interaction = await flow.interaction(sealed.id, sealed.value, BROWSER);
    assert.ok(interaction);
    pending(await flow.afterConsent(interaction, BROWSER, session(), true), 'login');
    assert.equal(consumed.size, 0);
    assert.equal(granted.length, 0);
  });
});

describe("AuthorizationFlow: the user's answer", () => {
  async function atConsent() {
    const flow = flowWith();
    const sealed = pending(await flow.flow.authorize(query({ scope: 'openid read gatehouse:admin' }), BROWSER, session()), 'consent');
    const interaction = await flow.flow.interaction(sealed.id, sealed.value, BROWSER);
    assert.ok(interaction);
    return { ...flow, interaction, sealed };
  }

  test('allowing records the consent for the scopes the user can give, and answers with a code', async () => {
    const { flow, interaction, sealed, granted, codes, consumed } = await atConsent();
    assert.ok(responded(await flow.afterConsent(interaction, BROWSER, session(), true)).code);
    assert.deepEqual(granted[0]?.scopes, ['openid', 'read']);
    assert.deepEqual(codes[0]?.scopes, ['openid', 'read']);
    assert.deepEqual([...consumed.keys()], [interaction.id]);
    assert.equal(await flow.interaction(sealed.id, sealed.value, BROWSER), undefined, 'an answered interaction is gone');
    assert.equal((await flow.unsealed(sealed.id, sealed.value, BROWSER))?.id, interaction.id, 'though its seal still opens');
  });

  test('denying is access_denied at the redirect URI and records nothing but the answer', async () => {
    const { flow, interaction, granted, codes, consumed } = await atConsent();
    const params = responded(await flow.afterConsent(interaction, BROWSER, session(), false));
    assert.deepEqual(params, { error: 'access_denied', error_description: 'the user denied the request', state: 'st', iss: ISSUER });
    assert.equal(granted.length + codes.length, 0);
    assert.equal(consumed.size, 1);
  });

  test('an interaction is answered once: a replayed answer gets the error page and no second code', async () => {
    const { flow, interaction, codes } = await atConsent();
    await flow.afterConsent(interaction, BROWSER, session(), true);
    assert.deepEqual(await flow.afterConsent(interaction, BROWSER, session(), true), {
      kind: 'error_page',
      error: 'invalid_request',
      description: 'this authorization request was already answered',
    });
    assert.deepEqual(await flow.afterConsent(interaction, BROWSER, session(), false), {
      kind: 'error_page',
      error: 'invalid_request',
      description: 'this authorization request was already answered',
    });
    assert.equal(codes.length, 1);
  });
});
