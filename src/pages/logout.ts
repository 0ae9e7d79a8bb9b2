import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENDPOINT_PATHS } from '../oauth/discovery.js';
import { parseParams } from '../oauth/form.js';
import { EndSessionError, type EndSessionRequest } from '../oidc/end-session.js';
import { field, type PageBody, type Pages, rawQuery } from './context.js';
import { sendErrorPage, sendPage } from './render.js';

const LOGOUT_FIELDS = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id'] as const;

/** The logout page and RP-Initiated Logout 1.0's end_session_endpoint. */
export async function logoutRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  async function validate(request: FastifyRequest, reply: FastifyReply, body: PageBody): Promise<EndSessionRequest | undefined> {
    const params = Object.fromEntries(LOGOUT_FIELDS.map((name) => [name, field(body, name)]));
    try {
      return await all.of(request).gatehouse.endSession.validate(params);
    } catch (error) {
      if (!(error instanceof EndSessionError)) throw error;
      sendErrorPage(reply, 400, 'This sign-out request cannot be completed', error.message, 'invalid_request');
      return undefined;
    }
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, logout: EndSessionRequest) {
    const pages = all.of(request);
    const session = await pages.signOut(request, reply);
    if (session) {
      await pages.gatehouse.audit.record(
        { actor: session.userId, actor_type: 'user', ip: request.ip },
        'logout',
        session.id,
        logout.params.client_id ? { client_id: logout.params.client_id } : {},
      );
    }
    if (logout.redirect) return reply.redirect(logout.redirect, 303);
    return sendPage(reply, 'logged-out', { title: 'Signed out' });
  }

  async function confirm(request: FastifyRequest, reply: FastifyReply, logout: EndSessionRequest) {
    const pages = all.of(request);
    const session = await pages.session(request);
    if (!session) return logout.redirect ? reply.redirect(logout.redirect, 303) : sendPage(reply, 'logged-out', { title: 'Signed out' });
    // The RP proved it holds this very session's ID token: no need to ask (RP-Initiated Logout §2).
    if (logout.hintSessionId === session.id) return finish(request, reply, logout);
    const user = await pages.gatehouse.findUser(session.userId);
    return sendPage(
      reply,
      'logout',
      {
        title: 'Sign out',
        username: user?.username,
        clientName: logout.clientName,
        params: logout.params,
        csrf: await pages.csrfToken(request, reply, 'logout'),
      },
      { formTargets: logout.redirect ? [logout.redirect] : [] },
    );
  }

  app.get('/logout', { schema: { hide: true } }, async (request, reply) => confirm(request, reply, { params: {} }));

  app.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    const body = request.body as PageBody;
    if (!(await all.of(request).checkCsrf(request, reply, 'logout', body))) return reply;
    const logout = await validate(request, reply, body);
    return logout ? finish(request, reply, logout) : reply;
  });

  const endSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.method !== 'POST' ? parseParams(rawQuery(request)) : ((request.body as PageBody | undefined) ?? {});
    const logout = await validate(request, reply, body);
    return logout ? confirm(request, reply, logout) : reply;
  };
  const schema = { summary: 'End session (RP-Initiated Logout)', tags: ['oidc'] };
  app.get(ENDPOINT_PATHS.endSession, { schema }, endSession);
  app.post(ENDPOINT_PATHS.endSession, { schema }, endSession);
}
