import type { FastifyInstance } from 'fastify';
import type { Consent } from '../ports/consents.js';
import { field, type PageBody, type Pages } from './context.js';
import { sendPage } from './render.js';

/** Where a signed-in user sees which apps have access and withdraws it (which revokes those apps' tokens). */
export async function accountRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  app.get('/account', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const { gatehouse } = pages;
    const session = await pages.session(request);
    if (!session) return reply.redirect(pages.path('/login?return_to=/account'), 303);
    const [user, consents] = await Promise.all([gatehouse.findUser(session.userId), gatehouse.consents.listForUser(session.userId)]);
    // One entry per app (withdrawing ends all its access), listing each API it may access and with which scopes.
    const byClient = new Map<string, Consent[]>();
    for (const consent of consents) byClient.set(consent.clientId, [...(byClient.get(consent.clientId) ?? []), consent]);
    const rows = await Promise.all(
      [...byClient].map(async ([clientId, ofClient]) => ({
        clientId,
        clientName: (await gatehouse.directory.find(clientId))?.client.name ?? clientId,
        access: await Promise.all(
          ofClient.map(async (consent) => ({
            api: await gatehouse.audiences.nameOf(consent.audience),
            audience: consent.audience,
            scopes: consent.scopes.join(' '),
          })),
        ),
        since: new Date(Math.min(...ofClient.map((consent) => consent.grantedAt)) * 1000).toISOString().slice(0, 10),
      })),
    );
    return sendPage(reply, 'account', {
      title: 'Your account',
      username: user?.username,
      email: user?.email,
      consents: rows,
      csrf: await pages.csrfToken(request, reply, 'account'),
    });
  });

  app.post('/account/consents/withdraw', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const body = request.body as PageBody;
    if (!(await pages.checkCsrf(request, reply, 'account', body))) return reply;
    const session = await pages.session(request);
    if (!session) return reply.redirect(pages.path('/login?return_to=/account'), 303);
    const clientId = field(body, 'client_id');
    if (clientId) {
      const user = { actor: session.userId, actor_type: 'user', ip: request.ip } as const;
      await pages.gatehouse.management.users.withdrawConsent(session.userId, clientId, user);
    }
    return reply.redirect(pages.path('/account'), 303);
  });
}
