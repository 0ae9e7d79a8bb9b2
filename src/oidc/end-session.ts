import type { ClientResolver } from '../ports/clients.js';
import type { IdTokens } from './id-tokens.js';

export interface EndSessionRequest {
  /** Where to send the browser afterwards (with `state`), when the client registered it. */
  redirect?: string;
  /** The session the RP's ID token speaks for; when it is the current one, no confirmation is needed. */
  hintSessionId?: string;
  clientName?: string;
  /** The validated parameters, to carry through the confirmation form. */
  params: { post_logout_redirect_uri?: string; state?: string; client_id?: string };
}

export class EndSessionError extends Error {
  override name = 'EndSessionError';
}

/** RP-Initiated Logout 1.0 §2-3: validates id_token_hint, client_id and post_logout_redirect_uri. */
export class EndSession {
  constructor(
    private readonly idTokens: IdTokens,
    private readonly directory: ClientResolver,
  ) {}

  async validate(params: Record<string, string | undefined>): Promise<EndSessionRequest> {
    let hintClientId: string | undefined;
    let hintSessionId: string | undefined;
    if (params.id_token_hint) {
      const claims = await this.idTokens.readHint(params.id_token_hint);
      if (!claims) throw new EndSessionError('the id_token_hint is not an ID token issued here');
      hintClientId = typeof claims.azp === 'string' ? claims.azp : typeof claims.aud === 'string' ? claims.aud : undefined;
      hintSessionId = typeof claims.sid === 'string' ? claims.sid : undefined;
    }
    if (params.client_id && hintClientId && params.client_id !== hintClientId) {
      throw new EndSessionError('client_id does not match the id_token_hint');
    }
    const clientId = params.client_id ?? hintClientId;
    const client = clientId ? await this.directory.find(clientId) : undefined;
    if (clientId && (!client || client.client.revokedAt !== null)) throw new EndSessionError('the client is unknown');
    const target = params.post_logout_redirect_uri;
    let redirect: string | undefined;
    if (target) {
      if (!client) throw new EndSessionError('post_logout_redirect_uri needs an id_token_hint or a client_id');
      if (!client.client.postLogoutRedirectUris.includes(target))
        throw new EndSessionError('the post_logout_redirect_uri is not registered for this client');
      const url = new URL(target);
      if (params.state) url.searchParams.append('state', params.state);
      redirect = url.toString();
    }
    return {
      ...(redirect ? { redirect } : {}),
      ...(hintSessionId ? { hintSessionId } : {}),
      ...(client ? { clientName: client.client.name } : {}),
      params: {
        ...(target ? { post_logout_redirect_uri: target } : {}),
        ...(params.state ? { state: params.state } : {}),
        ...(clientId ? { client_id: clientId } : {}),
      },
    };
  }
}
