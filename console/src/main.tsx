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
      render(<App auth={auth} session={session} />, root);
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
  // The fragment too: an invitation link's token travels in it (/console/join#gate_inv_…).
  signIn(`${location.pathname}${location.search}${location.hash}`);
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  render(<Unavailable message={`${message} Check that the Gatehouse server is running, then reload.`} />, root);
}

start().catch(fail);
