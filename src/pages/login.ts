import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEVICE_COOKIE_TTL_SECONDS } from '../accounts/login.js';
import type { SignupResult } from '../accounts/signup.js';
import { normalizeUsername } from '../accounts/usernames.js';
import { anonymousActor } from '../admin/audit-log.js';
import { builtinClientId, CONSOLE_CLIENT_ID } from '../management/builtins.js';
import type { AuthorizationInteraction } from '../oauth/authorization-flow.js';
import { RefusedError } from '../ports/refused-error.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import { field, localPath, type PageBody, type PageContext, type Pages } from './context.js';
import { sendErrorPage, sendPage } from './render.js';

const INVALID_LOGIN = 'Incorrect username or password.';
/** The wait, in whole seconds or minutes rounded up, on a page that also sends it as Retry-After (RFC 9110 §10.2.3). */
export const waitInWords = (seconds: number) => {
  const [count, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
};
const throttled = (seconds: number) => `Too many failed sign-in attempts. Try again in ${waitInWords(seconds)}.`;
const SIGNUP_THROTTLED = 'Too many sign-ups from your network. Wait a few minutes and try again.';
/** The one answer to a sign-up whether the name was free or taken (OWASP ASVS V2/V3: no account enumeration). */
const signupReceived = (username: string) =>
  `If the username "${username}" was available, your account has been created. Sign in with it and your new password to continue.`;

/**
 * Whether a successful sign-in is the console's routine one, which the tenant's audit log leaves out: to the tenant's
 * own built-in console, from a browser that had signed in to this very account before (its device cookie was the
 * user's, accounts/login.ts). The console sends its administrators to sign in again whenever their session has
 * ended (idle timeout, a reload the next day), which would fill the log with the same line many times a day and hide
 * the changes it is read for. A deliberate exception to logging every authentication decision (OWASP ASVS V7.2):
 * still recorded are the first sign-in from a browser new to the account, every sign-in to any other client (the
 * playground, the tenant's apps, no client at all), and every failed or throttled attempt, the console's included.
 */
function routineConsoleSignIn(pages: PageContext, interaction: AuthorizationInteraction | undefined, knownDevice: boolean): boolean {
  return knownDevice && interaction?.request.clientId === builtinClientId(CONSOLE_CLIENT_ID, pages.gatehouse.tenant.id);
}

/** Sign-in and sign-up pages (DESIGN §2: labels Username and Password, button Sign in). */
export async function loginRoutes(app: FastifyInstance, all: Pages): Promise<void> {
  async function renderLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    view: {
      interaction?: AuthorizationInteraction;
      returnTo?: string;
      username?: string;
      notice?: string;
      error?: string;
      status?: number;
    },
  ) {
    const pages = all.of(request);
    const { gatehouse } = pages;
    const client = view.interaction ? await gatehouse.directory.find(view.interaction.request.clientId) : undefined;
    const signupQuery = view.interaction ? `?interaction=${encodeURIComponent(view.interaction.id)}` : '';
    return sendPage(
      reply,
      'login',
      {
        title: 'Sign in',
        csrf: await pages.csrfToken(request, reply, 'login'),
        interaction: view.interaction?.id,
        returnTo: view.returnTo,
        clientName: client?.client.name,
        username: view.username ?? view.interaction?.request.loginHint,
        notice: view.notice,
        error: view.error,
        signupUrl: gatehouse.config.signupEnabled ? pages.path(`/signup${signupQuery}`) : undefined,
        // Nobody can sign in to the console of a fresh platform: its first administrator is made on the setup page.
        // Said on the console's sign-in (or a plain one), not to the users of an app signing in.
        setupUrl:
          gatehouse.tenant.id === DEFAULT_TENANT &&
          (view.interaction === undefined || view.interaction.request.clientId === CONSOLE_CLIENT_ID) &&
          !(await gatehouse.management.users.hasAdministrator())
            ? '/setup'
            : undefined,
      },
      { status: view.status ?? 200, formTargets: view.interaction ? [view.interaction.request.redirectUri] : [] },
    );
  }

  /** After sign-in or sign-up: back into the authorization flow, or to a local page. */
  async function continueAfterSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    interaction: AuthorizationInteraction | undefined,
    returnTo: string,
  ) {
    const pages = all.of(request);
    const session = await pages.signIn(request, reply, userId);
    if (!interaction) return reply.redirect(pages.path(returnTo), 303);
    const browserId = pages.cookies.browserId(request, reply);
    return pages.sendOutcome(
      request,
      reply,
      browserId,
      await pages.gatehouse.authorization.afterLogin(interaction, browserId, session),
      303,
      interaction,
    );
  }

  app.get('/login', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const query = request.query as Record<string, string | undefined>;
    const interaction = await pages.interaction(request, reply, query.interaction);
    if (interaction === false) return pages.expiredInteraction(reply);
    return renderLogin(request, reply, { ...(interaction ? { interaction } : { returnTo: localPath(query.return_to, '/account') }) });
  });

  app.post('/login', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const { gatehouse } = pages;
    const body = request.body as PageBody;
    if (!(await pages.checkCsrf(request, reply, 'login', body))) return reply;
    const interaction = await pages.interaction(request, reply, field(body, 'interaction'));
    if (interaction === false) return pages.expiredInteraction(reply);
    const returnTo = localPath(field(body, 'return_to'), '/account');
    const username = (field(body, 'username') ?? '').slice(0, 64);
    const deviceCookie = pages.cookies.deviceCookie(request);
    const result = await gatehouse.login.attempt(username, field(body, 'password') ?? '', request.ip, deviceCookie);
    // Only an authenticated identity is an actor or a target: what a stranger typed is data, or anyone could make
    // "admin / login.failed" look like admin's own doing (and the console link it to the real account).
    const context = { username, ...(interaction ? { client_id: interaction.request.clientId } : {}) };
    if (result.ok) {
      if (!routineConsoleSignIn(pages, interaction, result.knownDevice)) {
        await gatehouse.audit.record(
          { actor: result.user.id, actor_type: 'user', ip: request.ip },
          'login.succeeded',
          result.user.id,
          context,
        );
      }
      pages.cookies.setDevice(reply, result.deviceCookie, DEVICE_COOKIE_TTL_SECONDS);
      return continueAfterSignIn(request, reply, result.user.id, interaction, returnTo);
    }
    const again = { ...(interaction ? { interaction } : { returnTo }), username };
    if (result.reason === 'invalid') {
      await gatehouse.audit.record(anonymousActor(request.ip), 'login.failed', '', context);
      return renderLogin(request, reply, { ...again, error: INVALID_LOGIN, status: 401 });
    }
    // Whether a device cookie came along (never its value), and whose delay refused the attempt.
    const details = { ...context, device_cookie: deviceCookie !== undefined, delayed: result.delayed, retry_after: result.retryAfter };
    await gatehouse.audit.record(anonymousActor(request.ip), 'login.throttled', '', details);
    reply.header('retry-after', String(result.retryAfter));
    return renderLogin(request, reply, { ...again, error: throttled(result.retryAfter), status: 429 });
  });

  app.get('/signup', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    if (!pages.gatehouse.config.signupEnabled)
      return sendErrorPage(reply, 404, 'Sign-up is closed', 'Ask an administrator for an account.');
    const query = request.query as Record<string, string | undefined>;
    const interaction = await pages.interaction(request, reply, query.interaction);
    if (interaction === false) return pages.expiredInteraction(reply);
    return renderSignup(request, reply, interaction, {});
  });

  async function renderSignup(
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: AuthorizationInteraction | undefined,
    values: Record<string, unknown>,
    status = 200,
  ) {
    const pages = all.of(request);
    const client = interaction ? await pages.gatehouse.directory.find(interaction.request.clientId) : undefined;
    return sendPage(
      reply,
      'signup',
      {
        title: 'Create your account',
        csrf: await pages.csrfToken(request, reply, 'signup'),
        interaction: interaction?.id,
        clientName: client?.client.name,
        loginUrl: pages.path(interaction ? `/login?interaction=${encodeURIComponent(interaction.id)}` : '/login'),
        ...values,
      },
      { status, formTargets: interaction ? [interaction.request.redirectUri] : [] },
    );
  }

  app.post('/signup', { schema: { hide: true } }, async (request, reply) => {
    const pages = all.of(request);
    const { gatehouse } = pages;
    if (!gatehouse.config.signupEnabled) return sendErrorPage(reply, 404, 'Sign-up is closed', 'Ask an administrator for an account.');
    const body = request.body as PageBody;
    if (!(await pages.checkCsrf(request, reply, 'signup', body))) return reply;
    const interaction = await pages.interaction(request, reply, field(body, 'interaction'));
    if (interaction === false) return pages.expiredInteraction(reply);
    const values = { username: field(body, 'username') ?? '', name: field(body, 'name') ?? '', email: field(body, 'email') ?? '' };
    let result: SignupResult;
    try {
      result = await gatehouse.signup.signUp({ ...values, password: field(body, 'password') ?? '' }, request.ip);
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      const message = `${error.message.charAt(0).toUpperCase() + error.message.slice(1)}.`;
      return renderSignup(request, reply, interaction, { ...values, error: message }, 400);
    }
    if (result.outcome === 'throttled') {
      reply.header('retry-after', String(result.retryAfter));
      return renderSignup(request, reply, interaction, { ...values, error: SIGNUP_THROTTLED }, 429);
    }
    if (result.outcome === 'created') {
      await gatehouse.audit.record({ actor: result.user.id, actor_type: 'user', ip: request.ip }, 'user.signed_up', result.user.id, {
        username: result.user.username,
      });
    } else {
      // What was typed is data, not an actor or a target: the name belongs to someone who did not do this.
      await gatehouse.audit.record(anonymousActor(request.ip), 'signup.name_taken', '', { username: normalizeUsername(values.username) });
    }
    // Free or taken, the same page: no one is signed in by a sign-up, so a taken name is never confirmed and its
    // owner's account is never entered. The new user signs in once, with the password just chosen.
    const username = normalizeUsername(values.username);
    const next = interaction ? { interaction } : { returnTo: '/account' };
    return renderLogin(request, reply, { ...next, username, notice: signupReceived(username) });
  });
}
