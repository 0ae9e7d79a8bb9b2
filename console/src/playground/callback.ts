import { CALLBACK_CHANNEL, type CallbackMessage } from './token-requests';

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
  channel.close();
  history.replaceState(null, '', location.pathname);
  window.close();
  return message.error ? 'Signing in did not finish. You can close this window.' : 'Signed in. You can close this window.';
}
