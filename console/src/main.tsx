import { render } from 'preact';
import { App } from './app';
import { Auth, SIGNED_OUT_STATE, SignInError } from './auth';
import { loadConfig } from './config';
import { BASE } from './router';
import { Busy, SignedOut, SignInProblem, Unavailable } from './screens';
import './styles.css';

const root = document.getElementById('app')!;

/**
 * Start-up: load the settings, then either finish a sign-in (the OAuth callback), say "signed out" (back from
 * end-session), or send the browser to sign in. The access token is kept in memory only.
 */
async function start(): Promise<void> {
  render(<Busy message="Loading the console…" />, root);
  const config = await loadConfig();
  // The console signs in as a client of its issuer, whose redirect URI is on the issuer's origin: go there.
  const issuerOrigin = new URL(config.issuer).origin;
  if (location.origin !== issuerOrigin) {
    location.replace(`${issuerOrigin}${location.pathname}${location.search}`);
    return;
  }
  const auth = new Auth(config);
  const url = new URL(location.href);
  const signIn = (returnTo = `${BASE}/`) => {
    render(<Busy message="Redirecting you to sign in…" />, root);
    auth.signIn(returnTo).catch(fail);
  };

  if (auth.isCallback(url)) {
    render(<Busy message="Signing you in…" />, root);
    try {
      const { session, returnTo } = await auth.completeSignIn(url);
      history.replaceState(null, '', returnTo);
      const server = await auth.authorizationServer();
      const endpoints = {
        issuer: config.issuer,
        token: server.token_endpoint ?? `${config.issuer}/oauth2/token`,
        ...(server.authorization_endpoint ? { authorization: server.authorization_endpoint } : {}),
        discovery: `${config.issuer}/.well-known/openid-configuration`,
        ...(server.jwks_uri ? { jwks: server.jwks_uri } : {}),
      };
      render(<App auth={auth} session={session} endpoints={endpoints} />, root);
    } catch (error) {
      history.replaceState(null, '', `${BASE}/`);
      if (!(error instanceof SignInError)) throw error;
      render(<SignInProblem message={error.message} onRetry={() => signIn()} />, root);
    }
    return;
  }
  if (url.searchParams.get('state') === SIGNED_OUT_STATE) {
    history.replaceState(null, '', `${BASE}/`);
    render(<SignedOut onSignIn={() => signIn()} />, root);
    return;
  }
  signIn(`${location.pathname}${location.search}`);
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  render(<Unavailable message={`${message} Check that the Gatehouse server is running, then reload.`} />, root);
}

start().catch(fail);
