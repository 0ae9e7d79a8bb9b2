import type { ResolvedClient } from '../../ports/clients.js';
import { nowSeconds } from '../../ports/clock.js';
import { secretMatchesHash, sha256Hex } from '../../tokens/hash.js';
import { isPublicClient } from './method.js';

// Compared against when the client is unknown, so that a miss costs what a wrong secret costs.
const UNKNOWN_CLIENT_HASH = sha256Hex('gatehouse: no such client');

function secretIsCurrent(resolved: ResolvedClient, secret: string): boolean {
  const { client } = resolved;
  const matchesCurrent = client.secretHash !== null && secretMatchesHash(secret, client.secretHash);
  const previousValid = client.previousSecretHash !== null && (client.previousSecretExpiresAt ?? 0) > nowSeconds();
  // Both comparisons always run so the answer takes the same time whichever secret matched.
  const matchesPrevious = previousValid && secretMatchesHash(secret, client.previousSecretHash!);
  return matchesCurrent || matchesPrevious;
}

/**
 * The check of client_secret_basic and client_secret_post: the secret is the client's current one, or the previous
 * one within its rotation grace. A public client has no secret, so one that sends a secret is refused.
 */
export function secretProves(secret: string, client: ResolvedClient | undefined): boolean {
  if (!client) {
    secretMatchesHash(secret, UNKNOWN_CLIENT_HASH);
    return false;
  }
  return !isPublicClient(client) && secretIsCurrent(client, secret);
}
