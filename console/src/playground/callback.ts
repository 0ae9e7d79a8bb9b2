import { CALLBACK_CHANNEL, type CallbackMessage } from './token-requests';

const SELF_CLOSE_MS = 1_000;

/**
 * The sign-in popup's last page ({base}/playground/callback?code=…&state=…&iss=…): hands the authorization response
 * to the playground that opened it, over a BroadcastChannel of this origin, takes the code out of the address and
 * closes. Returns what to say if the window could not close itself.
 */
export function relayCallback(): string {
  const params = new URL(location.href).searchParams;
  const message: CallbackMessage = {};
  for (const name of ['code', 'state', 'iss', 'error', 'error_description'] as const) {
    const value = params.get(name);
    if (value !== null) message[name] = value;
  }
  const channel = new BroadcastChannel(CALLBACK_CHANNEL);
  channel.postMessage(message);
  history.replaceState(null, '', location.pathname);
  // The playground closes this window when the message reaches it. Closing at once could drop the message on its
  // way out of this page; if no playground is left to close it, it closes itself a moment later.
  setTimeout(() => {
    channel.close();
    window.close();
  }, SELF_CLOSE_MS);
  return message.error ? 'Signing in did not finish. You can close this window.' : 'Signed in. You can close this window.';
}
