import { type AuthorizationCodeServices, authorizationCodeGrant } from './authorization-code.js';
import { type ClientCredentialsDependencies, clientCredentialsGrant } from './client-credentials.js';
import type { GrantHandler } from './grant-handler.js';
import { type RefreshTokenServices, refreshTokenGrant } from './refresh-token.js';

/** Everything a registered grant may be made from: what the built-in grants need, together. */
export type GrantServices = AuthorizationCodeServices & RefreshTokenServices & ClientCredentialsDependencies;

/** A grant as registered: makes its handler once, at start-up. */
export type GrantModule = (services: GrantServices) => GrantHandler;

/**
 * The grants this server offers, in one place (as fosite's compose and oidc-provider's grants list): the token
 * endpoint, discovery's grant_types_supported, the admin API and the CLI all follow what is registered here. A new
 * grant is one module in this folder and one line here. Order is discovery's.
 */
export const GRANTS: readonly GrantModule[] = [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant];
