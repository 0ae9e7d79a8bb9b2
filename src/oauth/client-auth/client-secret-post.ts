import { single } from '../form.js';
import { secretProves } from './client-secret.js';
import { type ClientAuthMethod, invalidClient } from './method.js';

/** RFC 6749 §2.3.1: client_id and client_secret in the form body, allowed but not recommended. */
export const clientSecretPost: ClientAuthMethod<'client_secret_post'> = {
  name: 'client_secret_post',
  presentedAs: 'client_secret',
  confidential: true,
  challenges: false,
  isUsedBy: ({ params }) => single(params, 'client_secret') !== undefined,
  credentials({ params }) {
    const clientId = single(params, 'client_id');
    if (clientId === undefined) throw invalidClient('no client authentication was included');
    return { clientId, secret: single(params, 'client_secret')! };
  },
  proves: ({ secret }, client) => secretProves(secret!, client),
};
