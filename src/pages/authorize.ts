import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENDPOINT_PATHS } from '../oauth/discovery.js';
import { parseParams } from '../oauth/form.js';
import { type PageBody, type Pages, rawQuery } from './context.js';

/**
 * The authorization endpoint (RFC 6749 §3.1, GET and form POST). The protocol decisions are the flow's; this only
 * brings the browser's cookies in and carries the outcome out. No CORS here: browsers come by navigation.
 */
export async function authorizeRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  const handle = (status: 302 | 303) => async (request: FastifyRequest, reply: FastifyReply) => {
    const pages = all.of(request);
    const params: PageBody = request.method !== 'POST' ? parseParams(rawQuery(request)) : ((request.body as PageBody | undefined) ?? {});
    const browserId = pages.cookies.browserId(request, reply);
    const outcome = await pages.gatehouse.authorization.authorize(params, browserId, await pages.session(request));
    return pages.sendOutcome(request, reply, browserId, outcome, status);
  };
  const schema = { summary: 'Authorization endpoint (authorization code + PKCE S256)', tags: ['oauth'] };
  app.get(ENDPOINT_PATHS.authorization, { schema }, handle(302));
  app.post(ENDPOINT_PATHS.authorization, { schema }, handle(303));
}
