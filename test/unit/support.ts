// What the unit tests share: fakes typed by the code under test, and an OAuthError matcher. Types are derived from the
// signatures of the functions under test rather than imported from src/store, so the tests follow where the core's
// record types and ports live.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { AuthorizationRequestDependencies } from '../../src/oauth/authorization-request.js';
import { OAuthError, type OAuthErrorCode } from '../../src/oauth/errors.js';
import { AudienceResolver } from '../../src/oauth/resource-indicators.js';
import type { Client } from '../../src/ports/clients.js';
import type { User } from '../../src/ports/users.js';
import { sha256Hex } from '../../src/tokens/hash.js';

/** A client with its allowed scopes, as the protocol core looks it up. */
export type ResolvedClient = NonNullable<Awaited<ReturnType<AuthorizationRequestDependencies['findClient']>>>;
/** A registered API (an RFC 8707 resource), as the audience resolver finds it. */
export type Api = NonNullable<Awaited<ReturnType<ConstructorParameters<typeof AudienceResolver>[1]>>>;

/**
 * A fake of a dependency, typed as the code under test declares it: only the members given exist, each checked against
 * the real signature. A class with private members (a repository) cannot be matched by an object literal, hence the
 * cast; a member the code calls but the fake lacks fails the test with "is not a function".
 */
export const fake = <T>(members: Partial<T>): T => members as T;

/** An assertion predicate for `assert.throws`/`rejects`: an OAuthError of this code whose description matches. */
export const oauthError =
  (code: OAuthErrorCode, description: RegExp = /./) =>
  (error: unknown): boolean => {
    assert(error instanceof OAuthError, `expected an OAuthError, got ${String(error)}`);
    assert(error.code === code, `expected ${code}, got ${error.code}: ${error.description}`);
    assert(description.test(error.description), `"${error.description}" does not match ${description}`);
    return true;
  };

export const SECRET = 'gate_cs_the-current-secret';
export const PREVIOUS_SECRET = 'gate_cs_the-previous-secret';

/** A confidential client allowed every grant, with the secret SECRET; `changes` override. */
export const clientRecord = (changes: Partial<Client> = {}): Client => ({
  clientId: 'app',
  name: 'App',
  description: '',
  roles: [],
  scopes: [],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  redirectUris: ['https://app.example/callback'],
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: 'RS256',
  skipConsent: false,
  introspection: false,
  accessTokenTtl: null,
  secretHash: sha256Hex(SECRET),
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  revokedAt: null,
  createdAt: 0,
  updatedAt: 0,
  ...changes,
});

/** That client with the scopes it may be given, as the client directory resolves it. */
export const resolvedClient = (client: Partial<Client> = {}, allowedScopes: Iterable<string> = ['read', 'write']): ResolvedClient => ({
  client: clientRecord(client),
  allowedScopes: new Set(allowedScopes),
});

/** A public client (RFC 6749 §2.1): no secret, `none` at the token endpoint. */
export const publicClient = (client: Partial<Client> = {}, allowedScopes?: Iterable<string>): ResolvedClient =>
  resolvedClient({ clientId: 'spa', tokenEndpointAuthMethod: 'none', secretHash: null, ...client }, allowedScopes);

/** A lookup over the given clients, by client_id; counts its calls so tests can see that a miss was looked up too. */
export function clientLookup(
  ...clients: ResolvedClient[]
): ((clientId: string) => Promise<ResolvedClient | undefined>) & { calls: string[] } {
  const calls: string[] = [];
  const find = async (clientId: string) => {
    calls.push(clientId);
    return clients.find((resolved) => resolved.client.clientId === clientId);
  };
  return Object.assign(find, { calls });
}

export const DEFAULT_AUDIENCE = 'https://issuer.example/api';

/** An API with the scopes it defines (none: it accepts any). */
export const api = (identifier: string, name: string, scopes: string[] = []): Api => ({ identifier, name, scopes, createdAt: 0 });

/** A real resolver over the given APIs, with the default audience above; `lookups` records each API looked up. */
export function audiences(...apis: Api[]): AudienceResolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolver = new AudienceResolver(DEFAULT_AUDIENCE, async (identifier) => {
    lookups.push(identifier);
    return apis.find((candidate) => candidate.identifier === identifier);
  });
  return Object.assign(resolver, { lookups });
}

/** A real key pair of each signing algorithm, named by its JWK thumbprint (RFC 7638) as the key store names them. */
export interface TestKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function testKey(alg: TestKey['alg']): Promise<TestKey> {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = await calculateJwkThumbprint(pair.publicKey.export({ format: 'jwk' }) as JWK);
  return { kid, alg, ...pair };
}

/** The part of the key store that signs and verifies, over the given keys: the first of each algorithm signs. */
export function keyStoreOf(...keys: TestKey[]) {
  return {
    signingKey: async (alg: TestKey['alg']) => {
      const key = keys.find((candidate) => candidate.alg === alg);
      if (!key) throw new Error(`no ${alg} key`);
      return { kid: key.kid, alg: key.alg, privateKey: key.privateKey };
    },
    verificationKey: async (kid: string) => {
      const key = keys.find((candidate) => candidate.kid === kid);
      return key && { kid: key.kid, alg: key.alg, publicKey: key.publicKey };
    },
  };
}

/** A user who can sign in, with every detail filled in; `changes` override. */
export const userRecord = (changes: Partial<User> = {}): User => ({
  id: 'user-1',
  username: 'alice',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$not-a-real-hash',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice Liddell',
  roles: [],
  disabledAt: null,
  createdAt: 1_700_000_000,
  updatedAt: 1_700_000_500,
  ...changes,
});
