import { invalidRequest } from '../errors.js';
import { single } from '../form.js';
import { secretProves } from './client-secret.js';
import { type ClientAuthMethod, invalidClient } from './method.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    throw invalidClient('the Basic credentials are not form-encoded', true);
  }
}

/** RFC 6749 §2.3.1: id and secret are form-encoded, then joined by ":" and base64-encoded. */
function parseBasic(authorization: string): { clientId: string; secret: string } {
  const match = /^Basic +(\S+) *$/i.exec(authorization);
  if (!match || !BASE64.test(match[1]!)) throw invalidClient('the Authorization header is not valid HTTP Basic', true);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidClient('the Basic credentials have no colon separator', true);
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === '' || secret === '') throw invalidClient('the Basic credentials are empty', true);
  return { clientId, secret };
}

/** RFC 6749 §2.3.1: the client id and secret in the Authorization header, the method servers must support. */
export const clientSecretBasic: ClientAuthMethod<'client_secret_basic'> = {
  name: 'client_secret_basic',
  presentedAs: 'HTTP Basic',
  confidential: true,
  challenges: true,
  isUsedBy: ({ authorization }) => authorization !== undefined,
  credentials({ authorization, params }) {
    const basic = parseBasic(authorization!);
    const bodyClientId = single(params, 'client_id');
    if (bodyClientId !== undefined && bodyClientId !== basic.clientId) {
      throw invalidRequest('client_id in the body differs from the one in the Authorization header');
    }
    return basic;
  },
  proves: ({ secret }, client) => secretProves(secret!, client),
};
