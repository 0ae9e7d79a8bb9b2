import * as oauth from 'oauth4webapi';
import { CONSOLE_BASE, TENANT_BASE } from './base';
import type { ConsoleConfig } from './config';

/**
 * The PKCE verifier, state and nonce live here only between the redirect to sign in and the callback; one key per
 * tenant, since one origin serves every tenant's console under path routing.
 */
const PENDING_KEY = `gatehouse-console:pending-sign-in:${TENANT_BASE}`;
/** The `state` end-session hands back with the post-logout redirect, so the console can say "signed out". */
export const SIGNED_OUT_STATE = 'signed-out';

interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

/** The signed-in administrator. The access token is kept in memory only: a reload signs in again (silently). */
export interface SignedIn {
  accessToken: string;
  idToken: string | undefined;
  scopes: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
  user: { sub: string; name: string | undefined; username: string | undefined };
}

/** Sign-in failed in a way a person should read (refused at the authorization server, a stale callback...). */
export class SignInError extends Error {
  override name = 'SignInError';
}

const BASE = CONSOLE_BASE; // "/console/" or "/t/acme/console/"

/** Only paths of the console itself are valid places to come back to after sign-in. */
function safeReturnTo(path: string | undefined): string {
  return path?.startsWith(BASE) && !path.startsWith('//') ? path : BASE;
}

/**
 * Authorization code + PKCE (S256) as a public client of the server that serves the console, with oauth4webapi.
 * The server is found by discovery; the ID token is validated (issuer, audience, nonce, times) on the callback.
 */
export class Auth {
  private server?: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly issuer: URL;
  /** Plain http is what the server itself was configured with (local development); follow it. */
  private readonly http: { [oauth.allowInsecureRequests]?: boolean };

  constructor(readonly config: ConsoleConfig) {
    this.issuer = new URL(config.issuer);
    this.client = { client_id: config.clientId };
    this.http = this.issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
  }

  async authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (!this.server) {
      const response = await oauth.discoveryRequest(this.issuer, { algorithm: 'oidc', ...this.http });
      this.server = await oauth.processDiscoveryResponse(this.issuer, response);
    }
    return this.server;
  }

  /** Sends the browser to the authorization endpoint; the console resumes at `returnTo` after the callback. */
  async signIn(returnTo: string): Promise<never> {
    const as = await this.authorizationServer();
    if (!as.authorization_endpoint) throw new SignInError('The server does not advertise an authorization endpoint.');
    const pending: PendingSignIn = {
      verifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      returnTo: safeReturnTo(returnTo),
    };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: this.config.redirectUri,
      response_type: 'code',
      scope: this.config.scope,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    }).toString();
    location.assign(url.toString());
    // The page is being replaced; never settle.
    return new Promise<never>(() => {});
  }

  isCallback(url: URL): boolean {
    return `${url.origin}${url.pathname}` === this.config.redirectUri;
  }

  /** Redeems the code on the callback URL; throws SignInError with a readable message on failure. */
  async completeSignIn(url: URL): Promise<{ session: SignedIn; returnTo: string }> {
    const raw = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    if (!raw) throw new SignInError('This sign-in link has already been used or has expired. Sign in again.');
    const pending = JSON.parse(raw) as PendingSignIn;
    const as = await this.authorizationServer();
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, this.client, url, pending.state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const reason = error.error_description ?? error.error;
        throw new SignInError(
          error.error === 'access_denied' ? `Sign-in was cancelled (${reason}).` : `The server refused the sign-in: ${reason}`,
        );
      }
      throw new SignInError(`The sign-in response was not valid: ${(error as Error).message}`);
    }
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      this.client,
      oauth.None(),
      params,
      this.config.redirectUri,
      pending.verifier,
      this.http,
    );
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processAuthorizationCodeResponse(as, this.client, response, {
        expectedNonce: pending.nonce,
        requireIdToken: true,
      });
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError)
        throw new SignInError(`The server refused the sign-in: ${error.error_description ?? error.error}`);
      throw new SignInError(`The sign-in could not be completed: ${(error as Error).message}`);
    }
    const claims = oauth.getValidatedIdTokenClaims(result);
    const granted = typeof result.scope === 'string' ? result.scope : this.config.scope;
    return {
      returnTo: pending.returnTo,
      session: {
        accessToken: result.access_token,
        idToken: result.id_token,
        scopes: granted.split(' ').filter(Boolean),
        expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
        user: {
          sub: claims?.sub ?? '',
          name: typeof claims?.name === 'string' ? claims.name : undefined,
          username: typeof claims?.preferred_username === 'string' ? claims.preferred_username : undefined,
        },
      },
    };
  }

  /** RP-Initiated Logout: ends the session at the server and comes back to the console's "signed out" page. */
  signOutUrl(session: SignedIn | undefined): string {
    const endpoint = this.server?.end_session_endpoint;
    if (!endpoint) return new URL('/logout', this.issuer).toString();
    const url = new URL(endpoint);
    url.searchParams.set('client_id', this.config.clientId);
    if (session?.idToken) url.searchParams.set('id_token_hint', session.idToken);
    if (this.config.postLogoutRedirectUri) {
      url.searchParams.set('post_logout_redirect_uri', this.config.postLogoutRedirectUri);
      url.searchParams.set('state', SIGNED_OUT_STATE);
    }
    return url.toString();
  }
}
