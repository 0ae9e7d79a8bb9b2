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
 *   needs the ID and secret of the developer's own app client and scopes that client may have.
 */
export function gatehousePlaygroundPlugin(system: SwaggerSystem): SwaggerPlugin {
  const React = system.React;
  return {
    wrapComponents: {
      oauth2: (Original: unknown) => (props: Oauth2Props) => {
        const configs = props.getConfigs();
        const redirect = configs.gatehouseRedirectUrl;
        const getConfigs = () => Object.assign({}, props.getConfigs(), typeof redirect === 'string' ? { oauth2RedirectUrl: redirect } : {});
        if (props.schema.get('flow') !== 'clientCredentials') return React.createElement(Original, Object.assign({}, props, { getConfigs }));
        const authSelectors = Object.assign({}, props.authSelectors, {
          getConfigs: () => Object.assign({}, props.authSelectors.getConfigs(), { clientId: '', clientSecret: '', scopes: [] }),
        });
        return React.createElement(Original, Object.assign({}, props, { getConfigs, authSelectors }));
      },
    },
  };
}

// The little of Swagger UI's plugin API this uses.
interface SwaggerSystem {
  React: { createElement(type: unknown, props: object): unknown };
}
interface SwaggerPlugin {
  wrapComponents: Record<string, (Original: unknown) => (props: Oauth2Props) => unknown>;
}
interface Oauth2Props {
  getConfigs(): Record<string, unknown>;
  schema: { get(key: string): unknown };
  authSelectors: { getConfigs(): Record<string, unknown> };
}
