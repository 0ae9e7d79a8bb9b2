import { randomBytes } from 'node:crypto';
import type { AuthorizationCodes } from '../ports/authorization-codes.js';
import { nowSeconds } from '../ports/clock.js';
import type { Consents } from '../ports/consents.js';
import type { AnsweredInteractions } from '../ports/interactions.js';
import type { Session } from '../ports/sessions.js';
import { sha256Hex } from '../tokens/hash.js';
import { generateOpaque, OPAQUE_PREFIXES } from '../tokens/opaque.js';
import {
  AuthorizationPageError,
  AuthorizationRedirectError,
  type AuthorizationRequest,
  type AuthorizationRequestDependencies,
  type RawParams,
  type ResponseMode,
  validateAuthorizationRequest,
} from './authorization-request.js';
import { OAuthError } from './errors.js';
import type { Interaction, InteractionSeal } from './interaction-seal.js';
import { isPrivilegedScope, withoutUnheldPrivileges } from './scopes.js';

/** A pending interaction as the browser is to keep it: `value` is sealed for its id and browser. */
export interface SealedInteraction {
  id: string;
  value: string;
  expiresAt: number;
}

/** What the HTTP edge does next. */
export type FlowOutcome =
  | { kind: 'respond'; redirectUri: string; responseMode: ResponseMode; params: Record<string, string> }
  | { kind: 'login'; interaction: SealedInteraction }
  | { kind: 'consent'; interaction: SealedInteraction }
  | { kind: 'error_page'; error: string; description: string };

export type AuthorizationInteraction = Interaction<AuthorizationRequest>;

const CODE_TTL_SECONDS = 60;
const INTERACTION_TTL_SECONDS = 30 * 60;
/**
 * The longest sealed interaction: it must fit in one cookie, and RFC 6265 §6.1 only promises 4096 bytes per cookie
 * (name, value and attributes), which is what browsers keep. The name and attributes take under 120. A state of the
 * longest kind accepted (2048) fits; only several very long state, nonce and login_hint values together do not.
 */
const MAX_SEALED_LENGTH = 3800;
const ALREADY_ANSWERED: FlowOutcome = {
  kind: 'error_page',
  error: 'invalid_request',
  description: 'this authorization request was already answered',
};

export interface AuthorizationFlowDependencies extends Omit<AuthorizationRequestDependencies, 'now'> {
  issuer: string;
  /** The scopes a user's roles grant (for Gatehouse's own, privileged scopes). */
  roleScopesOf: (userId: string) => Promise<ReadonlySet<string>>;
  /** Seals pending interactions for the browser; the store only learns of an interaction once it is answered. */
  seal: InteractionSeal<AuthorizationRequest>;
  interactions: AnsweredInteractions;
  consents: Consents;
  codes: Pick<AuthorizationCodes, 'createCode'>;
}

/**
 * The authorization endpoint's decisions, free of HTTP: validate the request, then sign-in when there is no
 * fitting session, then consent when the user has not yet agreed to these scopes for this client and API, then a code.
 * Requests waiting for the user are interactions sealed into the browser that made them; each is answered once.
 */
export class AuthorizationFlow {
  constructor(private readonly deps: AuthorizationFlowDependencies) {}

  async authorize(params: RawParams, browserId: string, session: Session | undefined): Promise<FlowOutcome> {
    let request: AuthorizationRequest;
    try {
      request = await validateAuthorizationRequest(params, { ...this.deps, now: nowSeconds });
    } catch (error) {
      return this.errorOutcome(error);
    }
    return this.decide(request, browserId, session, undefined);
  }

  /**
   * The interaction, when `sealed` is its value sealed for this browser, it has not expired and it was not answered
   * yet; anything else is treated as unknown.
   */
  async interaction(
    id: string | undefined,
    sealed: string | undefined,
    browserId: string | undefined,
  ): Promise<AuthorizationInteraction | undefined> {
    const interaction = await this.unsealed(id, sealed, browserId);
    return interaction && !(await this.deps.interactions.isConsumed(interaction.id)) ? interaction : undefined;
  }

  /** The interaction sealed in `sealed`, without asking the store whether it was answered. */
  async unsealed(
    id: string | undefined,
    sealed: string | undefined,
    browserId: string | undefined,
  ): Promise<AuthorizationInteraction | undefined> {
    if (!id || !sealed || !browserId || id.length > 64) return undefined;
    return this.deps.seal.open(id, sealed, browserId);
  }

  /** After a successful sign-in within the interaction: from now on it carries the session (prompt=login, max_age). */
  async afterLogin(interaction: AuthorizationInteraction, browserId: string, session: Session): Promise<FlowOutcome> {
    return this.decide(interaction.request, browserId, session, { ...interaction, sessionId: session.id });
  }

  /** The scopes this user can be given of what the request asks: privileged ones only when their roles hold them. */
  async scopesFor(request: AuthorizationRequest, userId: string): Promise<string[]> {
    if (!request.scopes.some(isPrivilegedScope)) return request.scopes;
    return withoutUnheldPrivileges(request.scopes, await this.deps.roleScopesOf(userId));
  }

  /** The user's answer on the consent page. */
  async afterConsent(interaction: AuthorizationInteraction, browserId: string, session: Session, allow: boolean): Promise<FlowOutcome> {
    const request = { ...interaction.request, scopes: await this.scopesFor(interaction.request, session.userId) };
    // The consent page can be reached directly: it must not become a way around prompt=login or max_age.
    if (this.needsLogin(request, session, interaction)) return this.pending('login', interaction, browserId);
    if (!(await this.consume(interaction))) return ALREADY_ANSWERED;
    if (!allow) return this.errorResponse(request, new OAuthError('access_denied', 'the user denied the request'));
    await this.deps.consents.grant(session.userId, request.clientId, request.audience, request.scopes);
    return this.issueCode(request, session);
  }

  private async decide(
    request: AuthorizationRequest,
    browserId: string,
    session: Session | undefined,
    interaction: AuthorizationInteraction | undefined,
  ): Promise<FlowOutcome> {
    if (!session || this.needsLogin(request, session, interaction)) {
      if (request.prompt.includes('none'))
        return this.errorResponse(request, new OAuthError('login_required', 'the user is not signed in'));
      return this.pending('login', interaction ?? this.openInteraction(request), browserId);
    }
    request = { ...request, scopes: await this.scopesFor(request, session.userId) };
    if (await this.needsConsent(request, session.userId)) {
      if (request.prompt.includes('none'))
        return this.errorResponse(request, new OAuthError('consent_required', 'the user has not consented'));
      return this.pending('consent', interaction ?? this.openInteraction(request), browserId);
    }
    if (interaction && !(await this.consume(interaction))) return ALREADY_ANSWERED;
    return this.issueCode(request, session);
  }

  /**
   * A session still needs a fresh sign-in when it is older than max_age, or once for prompt=login — but never again
   * after the user signed in within this very interaction. max_age=0 always asks (OIDC Core §3.1.2.1: it is
   * equivalent to prompt=login); compared in whole seconds, a session signed in this very second would pass it.
   */
  needsLogin(request: AuthorizationRequest, session: Session, interaction: AuthorizationInteraction | undefined): boolean {
    if (interaction?.sessionId === session.id) return false;
    if (request.maxAge === 0 || request.prompt.includes('login')) return true;
    return request.maxAge !== undefined && nowSeconds() - session.authTime > request.maxAge;
  }

  /**
   * First-party clients skip consent unless prompt=consent asks; others need it for every scope not yet agreed at
   * the API asked for: what a user let an app do at one API says nothing about another (RFC 8707 §2, RFC 9700 §2.3).
   */
  private async needsConsent(request: AuthorizationRequest, userId: string): Promise<boolean> {
    if (request.prompt.includes('consent')) return true;
    if ((await this.deps.findClient(request.clientId))?.client.skipConsent) return false;
    const consent = await this.deps.consents.get(userId, request.clientId, request.audience);
    const consented = new Set(consent?.scopes ?? []);
    return !consent || request.scopes.some((scope) => !consented.has(scope));
  }

  private openInteraction(request: AuthorizationRequest): AuthorizationInteraction {
    const now = nowSeconds();
    return {
      id: randomBytes(18).toString('base64url'),
      request,
      createdAt: now,
      expiresAt: now + INTERACTION_TTL_SECONDS,
      sessionId: null,
    };
  }

  /** The page the user goes to next, with the interaction sealed for their browser (nothing is stored yet). */
  private async pending(kind: 'login' | 'consent', interaction: AuthorizationInteraction, browserId: string): Promise<FlowOutcome> {
    const value = await this.deps.seal.seal(interaction, browserId);
    if (value.length > MAX_SEALED_LENGTH)
      return this.errorResponse(interaction.request, new OAuthError('invalid_request', 'the authorization request is too large'));
    return { kind, interaction: { id: interaction.id, value, expiresAt: interaction.expiresAt } };
  }

  /**
   * An interaction is answered once (a replayed sign-in or consent must not yield a second code): its id is stored
   * now, after the user signed in or consented, for as long as its sealed value could still be presented.
   */
  private consume(interaction: AuthorizationInteraction): Promise<boolean> {
    return this.deps.interactions.consume(interaction.id, interaction.expiresAt);
  }

  private async issueCode(request: AuthorizationRequest, session: Session): Promise<FlowOutcome> {
    const code = generateOpaque(OPAQUE_PREFIXES.authorizationCode);
    await this.deps.codes.createCode({
      codeHash: sha256Hex(code),
      clientId: request.clientId,
      userId: session.userId,
      sessionId: session.id,
      redirectUri: request.redirectUriParameter,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      nonce: request.nonce ?? null,
      audience: request.audience,
      authTime: session.authTime,
      requestedAt: request.requestedAt,
      expiresAt: nowSeconds() + CODE_TTL_SECONDS,
    });
    return this.respond(request.redirectUri, request.responseMode, request.state, { code });
  }

  private errorResponse(request: AuthorizationRequest, error: OAuthError): FlowOutcome {
    return this.respond(request.redirectUri, request.responseMode, request.state, error.toJSON());
  }

  private errorOutcome(error: unknown): FlowOutcome {
    if (error instanceof AuthorizationPageError) return { kind: 'error_page', error: error.code, description: error.description };
    if (error instanceof AuthorizationRedirectError) {
      return this.respond(error.redirectUri, error.responseMode, error.state, error.error.toJSON());
    }
    throw error;
  }

  /** Every response carries `iss` (RFC 9207) and echoes `state`. */
  private respond(redirectUri: string, responseMode: ResponseMode, state: string | undefined, params: Record<string, string>): FlowOutcome {
    return {
      kind: 'respond',
      redirectUri,
      responseMode,
      params: { ...params, ...(state === undefined ? {} : { state }), iss: this.deps.issuer },
    };
  }
}
