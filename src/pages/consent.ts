import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OFFLINE_SCOPES } from '../oauth/authorization-request.js';
import { field, type PageBody, type Pages } from './context.js';
import { sendPage } from './render.js';

const DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and username',
  email: 'See your email address',
};
const OFFLINE_DESCRIPTION = 'Keep access when you are not using it';

/** What a scope lets the app do, in words: the API's description of it (its administrators'), or the server's own. */
export const describeScope = (scope: string, described: Readonly<Record<string, string>>): string =>
  described[scope] ?? DESCRIPTIONS[scope] ?? (OFFLINE_SCOPES.has(scope) ? OFFLINE_DESCRIPTION : `Use the permission "${scope}"`);

/** The consent page (DESIGN §2): names the client and each scope; buttons Allow and Deny. */
export async function consentRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  /** The interaction and the signed-in user; otherwise the answer has been sent. */
  async function context(request: FastifyRequest, reply: FastifyReply, interactionId: string | undefined) {
    const pages = all.of(request);
    const interaction = await pages.interaction(request, reply, interactionId);
    if (!interaction) {
      pages.expiredInteraction(reply);
      return undefined;
    }
    const session = await pages.session(request);
    if (!session || pages.gatehouse.authorization.needsLogin(interaction.request, session, interaction)) {
      reply.redirect(pages.path(`/login?interaction=${encodeURIComponent(interaction.id)}`), 303);
      return undefined;
    }
    return { interaction, session };
  }

  app.get('/consent', { schema: { hide: true } }, async (request, reply) => {
    const found = await context(request, reply, (request.query as Record<string, string | undefined>).interaction);
    if (!found) return reply;
    const pages = all.of(request);
    const { gatehouse } = pages;
    const { interaction, session } = found;
    const [client, user, granted, apiName, described] = await Promise.all([
      gatehouse.directory.find(interaction.request.clientId),
      gatehouse.findUser(session.userId),
      gatehouse.authorization.scopesFor(interaction.request, session.userId),
      gatehouse.audiences.nameOf(interaction.request.audience),
      gatehouse.management.apis.scopeDescriptionsFor(interaction.request.audience),
    ]);
    return sendPage(
      reply,
      'consent',
      {
        title: 'Allow access',
        clientName: client?.client.name ?? interaction.request.clientId,
        description: client?.client.description,
        username: user?.name ?? user?.username,
        // The API the tokens will be for: a consent covers that API only (RFC 8707), so the user is told which.
        api: { name: apiName, identifier: interaction.request.audience },
        // Offline access is one permission, however it was spelled.
        scopes: [...new Set(granted.map((s) => (OFFLINE_SCOPES.has(s) ? 'offline_access' : s)))].map((name) => ({
          name,
          description: describeScope(name, described),
        })),
        csrf: await pages.csrfToken(request, reply, 'consent'),
        interaction: interaction.id,
      },
      { formTargets: [interaction.request.redirectUri] },
    );
  });

  app.post('/consent', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const { gatehouse } = pages;
    const body = request.body as PageBody;
    if (!(await pages.checkCsrf(request, reply, 'consent', body))) return reply;
    const found = await context(request, reply, field(body, 'interaction'));
    if (!found) return reply;
    const allow = field(body, 'decision') === 'allow';
    const browserId = pages.cookies.browserId(request, reply);
    const outcome = await gatehouse.authorization.afterConsent(found.interaction, browserId, found.session, allow);
    await gatehouse.audit.record(
      { actor: found.session.userId, actor_type: 'user', ip: request.ip },
      allow ? 'consent.granted' : 'consent.denied',
      found.interaction.request.clientId,
      {
        scopes: found.interaction.request.scopes,
        audience: found.interaction.request.audience,
      },
    );
    return pages.sendOutcome(request, reply, browserId, outcome, 303, found.interaction);
  });
}
