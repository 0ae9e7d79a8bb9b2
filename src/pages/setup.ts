import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anonymousActor } from '../admin/audit-log.js';
import { firstRunOf, type SetupProof, type SetupResult } from '../management/first-run.js';
import { RefusedError } from '../ports/refused-error.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import { field, type PageBody, type PageContext, type Pages } from './context.js';
import { waitInWords } from './login.js';
import { sendErrorPage, sendPage } from './render.js';
import { isFromThisMachine } from './this-machine.js';

const WRONG_CODE = 'That setup code is not the one the server printed at its last start. Check it and try again.';
const EXPIRED = 'No setup code is valid any more: it expired an hour after the server started. Restart the server for a new one.';
const throttled = (seconds: number) => `Too many wrong setup codes. Try again in ${waitInWords(seconds)}.`;

/** Once an administrator exists the setup page is gone (404), and says where to go instead. */
const sendSetUp = (reply: FastifyReply) => sendPage(reply, 'setup', { title: 'Gatehouse is set up', done: true }, { status: 404 });

/**
 * The first run's setup page (the platform only, `/setup`): while no administrator exists, it creates the first one
 * from the setup code printed at start (none needed from the server's own machine), signs them in and sends them to
 * the console. Afterwards it answers 404 with a link to the console.
 */
export async function setupRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  /** The platform's pages while it has no administrator; undefined (and a 404 page sent) otherwise. */
  async function openSetup(request: FastifyRequest, reply: FastifyReply): Promise<PageContext | undefined> {
    const pages = all.of(request);
    // Tenants get their administrators from the platform: they have no setup page at all.
    if (pages.gatehouse.tenant.id !== DEFAULT_TENANT) {
      sendErrorPage(reply, 404, 'Page not found', 'There is no page at this address.', 'not_found');
      return undefined;
    }
    if (await firstRunOf(pages.gatehouse).needed()) return pages;
    sendSetUp(reply);
    return undefined;
  }

  async function renderSetup(
    request: FastifyRequest,
    reply: FastifyReply,
    pages: PageContext,
    values: Record<string, unknown> = {},
    status = 200,
  ) {
    return sendPage(
      reply,
      'setup',
      {
        title: 'Set up Gatehouse',
        issuer: pages.gatehouse.config.issuer,
        csrf: await pages.csrfToken(request, reply, 'setup'),
        askCode: !isFromThisMachine(request, pages.gatehouse.config.trustProxy),
        ...values,
      },
      { status },
    );
  }

  app.get('/setup', { schema: { hide: true } }, async (request, reply) => {
    const pages = await openSetup(request, reply);
    return pages ? renderSetup(request, reply, pages) : reply;
  });

  app.post('/setup', { schema: { hide: true } }, async (request, reply) => {
    const pages = await openSetup(request, reply);
    if (!pages) return reply;
    const body = request.body as PageBody;
    if (!(await pages.checkCsrf(request, reply, 'setup', body))) return reply;
    const values = { username: field(body, 'username') ?? '', email: field(body, 'email') ?? '', name: field(body, 'name') ?? '' };
    const proof: SetupProof = isFromThisMachine(request, pages.gatehouse.config.trustProxy)
      ? { fromThisMachine: true }
      : { code: (field(body, 'setup_code') ?? '').slice(0, 64) };
    let result: SetupResult;
    try {
      result = await firstRunOf(pages.gatehouse).createAdministrator(
        { ...values, password: field(body, 'password') ?? '' },
        proof,
        request.ip,
      );
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      const message = `${error.message.charAt(0).toUpperCase() + error.message.slice(1)}.`;
      return renderSetup(request, reply, pages, { ...values, error: message }, error.kind === 'conflict' ? 409 : 400);
    }
    const { audit } = pages.gatehouse;
    switch (result.outcome) {
      case 'created': {
        // Signed in as a sign-in would: the console's own sign-in then finds this session and asks nothing more.
        await pages.signIn(request, reply, result.user.id);
        return reply.redirect(pages.path('/console/'), 303);
      }
      case 'closed':
        return sendSetUp(reply);
      case 'throttled':
        await audit.record(anonymousActor(request.ip), 'setup.refused', '', { reason: 'throttled', retry_after: result.retryAfter });
        reply.header('retry-after', String(result.retryAfter));
        return renderSetup(request, reply, pages, { ...values, error: throttled(result.retryAfter) }, 429);
      case 'wrong_code':
        await audit.record(anonymousActor(request.ip), 'setup.refused', '', { reason: 'wrong_code' });
        return renderSetup(request, reply, pages, { ...values, error: WRONG_CODE }, 401);
      case 'expired':
        await audit.record(anonymousActor(request.ip), 'setup.refused', '', { reason: 'expired' });
        return renderSetup(request, reply, pages, { ...values, error: EXPIRED }, 410);
    }
  });
}
