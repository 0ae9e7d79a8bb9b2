/**
 * A Swagger UI plugin that runs in the browser. @fastify/swagger-ui writes it into swagger-initializer.js with
 * Function.prototype.toString, so it must be self-contained: no imports, no helpers from this module, nothing the
 * TypeScript compiler would have to add.
 *
 * - It points the Authorize dialog at the redirect page registered for the built-in client (`gatehouseRedirectUrl`
 *   in the UI config): @fastify/swagger-ui forces `oauth2RedirectUrl` to `./static/oauth2-redirect.html`, and the
 *   dialog reads it from its `getConfigs` prop, which is wrapped here.
 * - The Authorize dialog gives every OAuth 2 flow the same defaults (client ID and scopes from initOAuth). Those
 *   belong to the authorization code flow and its public client; the client credentials flow starts empty, as it
 *   needs the ID and secret of the developer's own app client and scopes that client may have. A link from the
 *   console's client page names its client in the fragment (`#client_id=…`: @fastify/swagger-ui resolves the
 *   document's URL against the page's, query and all), read once here before deep links move the fragment on; that
 *   client ID is then filled in. The secret never travels so.
 * - Swagger UI sends client credentials by HTTP Basic, and it has no setting for that flow (only the code flow's
 *   `useBasicAuthenticationWithAccessCodeGrant`). A wrong secret then gets 401 with `WWW-Authenticate: Basic`, which
 *   RFC 6749 §5.2 requires for Basic and which makes the browser open its native sign-in prompt over the page. So the
 *   token request is rebuilt with the ID and secret in the form body (client_secret_post, RFC 6749 §2.3.1): the
 *   error answer then carries no challenge, and Swagger UI shows it in the dialog.
 */
export function gatehousePlaygroundPlugin(system: SwaggerSystem): SwaggerPlugin {
  const React = system.React;
  const fragment = (globalThis as unknown as { location: { hash: string } }).location.hash.slice(1);
  const linkedClientId = fragment.startsWith('client_id=') ? (new URLSearchParams(fragment).get('client_id') ?? '') : '';
  return {
    statePlugins: {
      auth: {
        wrapActions: {
          authorizeApplication: (_basic: unknown, wrapped: SwaggerSystem) => (auth: ApplicationAuth) => {
            const form: Record<string, string> = {
              grant_type: 'client_credentials',
              client_id: auth.clientId,
              client_secret: auth.clientSecret,
              scope: auth.scopes.join(' '),
            };
            // As Swagger UI's own form encoding: empty fields are left out (no scope asked for means all allowed).
            const body = Object.keys(form)
              .filter((name) => form[name] !== '')
              .map((name) => `${name}=${encodeURIComponent(form[name]!).replace(/%20/g, '+')}`)
              .join('&');
            return wrapped.authActions.authorizeRequest({ body, name: auth.name, url: auth.schema.get('tokenUrl'), auth });
          },
        },
      },
    },
    wrapComponents: {
      oauth2: (Original: unknown) => (props: Oauth2Props) => {
        const configs = props.getConfigs();
        const redirect = configs.gatehouseRedirectUrl;
        const getConfigs = () => Object.assign({}, props.getConfigs(), typeof redirect === 'string' ? { oauth2RedirectUrl: redirect } : {});
        if (props.schema.get('flow') !== 'clientCredentials')
          return React.createElement(Original, Object.assign({}, props, { getConfigs }));
        const authSelectors = Object.assign({}, props.authSelectors, {
          getConfigs: () => Object.assign({}, props.authSelectors.getConfigs(), { clientId: linkedClientId, clientSecret: '', scopes: [] }),
        });
        return React.createElement(Original, Object.assign({}, props, { getConfigs, authSelectors }));
      },
    },
  };
}

// The little of Swagger UI's plugin API this uses.
interface SwaggerSystem {
  React: { createElement(type: unknown, props: object): unknown };
  authActions: { authorizeRequest(request: { body: string; name: string; url: unknown; auth: ApplicationAuth }): unknown };
}
interface SwaggerPlugin {
  statePlugins: { auth: { wrapActions: Record<string, (original: unknown, system: SwaggerSystem) => (auth: ApplicationAuth) => unknown> } };
  wrapComponents: Record<string, (Original: unknown) => (props: Oauth2Props) => unknown>;
}
/** What the Authorize dialog hands to authorizeApplication for the client credentials flow. */
interface ApplicationAuth {
  name: string;
  schema: { get(key: string): unknown };
  clientId: string;
  clientSecret: string;
  scopes: string[];
}
interface Oauth2Props {
  getConfigs(): Record<string, unknown>;
  schema: { get(key: string): unknown };
  authSelectors: { getConfigs(): Record<string, unknown> };
}
