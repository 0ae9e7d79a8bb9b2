import { InvalidTokenError } from '@gatehouse/resource';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { accessTokenAuthentication, bearerAuth, principalOf } from '../http/bearer-auth.js';
import { answerErrors } from '../http/errors.js';
import type { RequestSchemaTypes } from '../http/type-provider.js';
import { MEMBER_SCOPE } from '../management/builtins.js';
import { managementError } from './admin-scope.js';
import type { Actor } from './audit-log.js';
import * as schemas from './member-schemas.js';
import { PATTERN_WORDS } from './schemas.js';

const personRoute = <S extends object>(schema: S) => ({
  schema: { tags: ['accounts'], security: [{ bearer: [MEMBER_SCOPE] }], ...schema },
});

/**
 * A person's own accounts (JSON under /me), for the platform's console: the accounts they are a member of, creating
 * one (when the platform's sign-up is on; they become its owner) and joining one with an invitation link. Any user of
 * the platform may call it with the console's token (MEMBER_SCOPE); a client's token may not (accounts are people's).
 * At the root only: people are users of the platform, not of any account.
 */
export async function accountRoutes(fastify: FastifyInstance, gatehouse: Gatehouse): Promise<void> {
  const app = fastify.withTypeProvider<RequestSchemaTypes>();
  const { accounts } = gatehouse.platform;
  const platformToken = accessTokenAuthentication(gatehouse, [MEMBER_SCOPE]);
  await app.register(bearerAuth, {
    realm: 'gatehouse-accounts',
    authenticate: async (token, request) => {
      const claims = await platformToken(token, request);
      if (claims.auth_time === undefined) throw new InvalidTokenError("accounts belong to people: this is a client's token");
      const user = await gatehouse.findUser(claims.sub);
      if (!user || user.disabledAt !== null) throw new InvalidTokenError('the user is no longer active');
      return claims;
    },
  });
  answerErrors(app, { domainError: managementError, describedValidation: { patterns: PATTERN_WORDS } });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  const person = (request: Parameters<typeof principalOf>[0]): Actor => ({
    actor: principalOf(request).sub,
    actor_type: 'user',
    ip: request.ip,
  });

  app.get(
    '/me/accounts',
    personRoute({ summary: 'The accounts you are a member of', response: { 200: schemas.accountList } }),
    async (request) => ({
      accounts: await accounts.list(principalOf(request).sub),
    }),
  );
  app.post(
    '/me/accounts',
    personRoute({
      summary: 'Create an account of your own (you become its owner)',
      body: schemas.newAccount,
      response: { 201: schemas.accountOne },
    }),
    async (request, reply) => {
      const account = await accounts.create(principalOf(request).sub, request.body, person(request));
      reply.code(201);
      return { account };
    },
  );
  app.post(
    '/me/invitations/lookup',
    personRoute({ summary: 'What an invitation link offers', body: schemas.invitationToken, response: { 200: schemas.invitationOffer } }),
    async (request) => accounts.lookup(request.body.token),
  );
  app.post(
    '/me/invitations/accept',
    personRoute({
      summary: 'Join the account an invitation link invites you to',
      body: schemas.invitationToken,
      response: { 200: schemas.accountOne },
    }),
    async (request) => ({ account: await accounts.accept(principalOf(request).sub, request.body.token, person(request)) }),
  );
}
