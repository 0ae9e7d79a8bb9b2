import { single } from '../form.js';
import { type ClientAuthMethod, isPublicClient } from './method.js';

/**
 * A public client (RFC 6749 §2.1, RFC 7591 §2 "none") names itself with client_id and proves nothing; only a
 * client registered as public may do so, and a confidential one without its secret is refused.
 */
export const none: ClientAuthMethod<'none'> = {
  name: 'none',
  presentedAs: 'client_id alone',
  confidential: false,
  challenges: false,
  isUsedBy: ({ authorization, params }) =>
    authorization === undefined && single(params, 'client_secret') === undefined && single(params, 'client_id') !== undefined,
  credentials: ({ params }) => ({ clientId: single(params, 'client_id')! }),
  proves: (_credentials, client) => client !== undefined && isPublicClient(client),
};
