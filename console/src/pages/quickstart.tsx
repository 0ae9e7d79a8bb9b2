import { useState } from 'preact/hooks';
import { Alert, Card, CopyButton, CopyField, ErrorMessage, Tabs, Time } from '../components/ui';
import { useCan, useConsole } from '../context';
import { useAction, useLoad } from '../hooks';
import { playgroundLink } from '../playground-link';

/** The demo API's scope (src/management/builtins.ts). */
const DEMO_READ_SCOPE = 'demo:read';

import type { ApiResource, ClientView, TestToken } from '../types';

/** A snippet with its copy button; the block scrolls sideways, so it takes focus (WCAG 2.1.1). */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div class="code-block">
      <div class="code-block-bar">
        <CopyButton value={code} label={label} />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a block that scrolls sideways must be reachable by keyboard (WCAG 2.1.1). */}
      <pre class="code" tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

/** What a snippet is filled with: the client's real values, never its secret (read from $CLIENT_SECRET). */
export interface SnippetValues {
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  /** The scopes to ask for; empty: every scope the client may get. */
  scopes: string[];
  /** RFC 8707 `resource`, when the scopes are of an API other than the default one. */
  resource?: string;
  /** The code flow's, when the client has authorization_code. */
  redirectUri?: string;
  confidential: boolean;
}

/** client_credentials with HTTP Basic (RFC 6749 §4.4, §2.3.1), form-urlencoded. */
export function curlSnippet(v: Pick<SnippetValues, 'clientId' | 'tokenEndpoint' | 'scopes' | 'resource'>): string {
  const lines = [`curl -u "${v.clientId}:$CLIENT_SECRET" \\`, '  -d grant_type=client_credentials \\'];
  if (v.scopes.length) lines.push(`  --data-urlencode "scope=${v.scopes.join(' ')}" \\`);
  if (v.resource) lines.push(`  --data-urlencode "resource=${v.resource}" \\`);
  lines.push(`  ${v.tokenEndpoint}`);
  return lines.join('\n');
}

const formFields = (v: Pick<SnippetValues, 'scopes' | 'resource'>): [string, string][] => [
  ['grant_type', 'client_credentials'],
  ...(v.scopes.length ? [['scope', v.scopes.join(' ')] as [string, string]] : []),
  ...(v.resource ? [['resource', v.resource] as [string, string]] : []),
];

function fetchSnippet(v: SnippetValues): string {
  const body = formFields(v)
    .map(([name, value]) => `    ${name}: '${value}',`)
    .join('\n');
  return `// Node.js 18+ or Deno; CLIENT_SECRET from the environment, never in the code.
const credentials = btoa(\`${v.clientId}:\${process.env.CLIENT_SECRET}\`);
const response = await fetch('${v.tokenEndpoint}', {
  method: 'POST',
  headers: {
    authorization: \`Basic \${credentials}\`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: new URLSearchParams({
${body}
  }),
});
if (!response.ok) throw new Error(\`token request failed: \${await response.text()}\`);
const { access_token, expires_in } = await response.json();`;
}

function pythonSnippet(v: SnippetValues): string {
  const data = formFields(v)
    .map(([name, value]) => `        "${name}": "${value}",`)
    .join('\n');
  return `import os

import requests

response = requests.post(
    "${v.tokenEndpoint}",
    auth=("${v.clientId}", os.environ["CLIENT_SECRET"]),
    data={
${data}
    },
    timeout=10,
)
response.raise_for_status()
access_token = response.json()["access_token"]`;
}

/** openid-client 6 (the version this server is tested with): the code flow with PKCE (RFC 7636), S256. */
function openidClientSnippet(v: SnippetValues): string {
  const secret = v.confidential ? 'client.ClientSecretBasic(process.env.CLIENT_SECRET)' : 'client.None()';
  const insecure = v.issuer.startsWith('http://') ? '\n  { execute: [client.allowInsecureRequests] }, // http: local development only' : '';
  const scope = ['openid', ...v.scopes.filter((scope) => scope !== 'openid')].join(' ');
  return `// npm install openid-client@^6.9.0
import * as client from 'openid-client';

const config = await client.discovery(
  new URL('${v.issuer}'),
  '${v.clientId}',
  undefined,
  ${secret},${insecure}
);

// 1. Send the person to sign in; keep codeVerifier and state in their session.
const codeVerifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const signInUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: '${v.redirectUri}',
  scope: '${scope}',${v.resource ? `\n  resource: '${v.resource}',` : ''}
  code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
  code_challenge_method: 'S256',
  state,
});

// 2. At ${v.redirectUri}: trade the code for tokens.
const tokens = await client.authorizationCodeGrant(config, new URL(currentRequestUrl), {
  pkceCodeVerifier: codeVerifier,
  expectedState: state,
});
console.log(tokens.access_token, tokens.claims());`;
}

/** The quickstarts that fit the client: client_credentials in three languages, and the code flow with openid-client. */
export function QuickstartCard({ client, values }: { client: ClientView; values: SnippetValues }) {
  const machine = client.grant_types.includes('client_credentials');
  const tabs = [
    ...(machine
      ? [
          { id: 'curl', title: 'curl', panel: <CodeBlock code={curlSnippet(values)} label="curl quickstart" /> },
          { id: 'fetch', title: 'JavaScript (fetch)', panel: <CodeBlock code={fetchSnippet(values)} label="JavaScript quickstart" /> },
          { id: 'python', title: 'Python (requests)', panel: <CodeBlock code={pythonSnippet(values)} label="Python quickstart" /> },
        ]
      : []),
    ...(values.redirectUri
      ? [
          {
            id: 'openid-client',
            title: 'openid-client (sign-in)',
            panel: <CodeBlock code={openidClientSnippet(values)} label="openid-client quickstart" />,
          },
        ]
      : []),
  ];
  if (tabs.length === 0) return null;
  return (
    <Card
      title="Quickstart"
      description={
        values.confidential ? (
          <>
            Filled in with this client's values. The secret is read from <code>$CLIENT_SECRET</code>: it is shown only when created or
            rotated.
          </>
        ) : (
          "Filled in with this client's values."
        )
      }
    >
      <div class="card-body">
        <Tabs label="Quickstart language" tabs={tabs} />
      </div>
    </Card>
  );
}

/**
 * A token for a machine client from the admin API (the console holds no secret), with its claims and expiry and a
 * call to the demo API to try it on (the default tenant's; other tenants have none).
 */
export function TestTokenCard({ client, demoApi }: { client: ClientView; demoApi?: string }) {
  const { api } = useConsole();
  const [token, setToken] = useState<TestToken>();
  const issue = useAction(async () => setToken(await api.issueTestToken(client.client_id)));
  const scopes = (token?.scope ?? '').split(' ').filter(Boolean);
  const demoPath = scopes.includes('demo:read') ? 'items' : 'whoami';
  return (
    <Card
      title="Test token"
      description="An access token for this client, as the token endpoint would issue it, to try your API with."
      actions={
        <button type="button" class="btn btn-secondary" disabled={issue.busy} onClick={() => void issue.run()}>
          {issue.busy ? 'Getting a token…' : token ? 'Get another test token' : 'Get a test token'}
        </button>
      }
    >
      <div class="card-body">
        <p class="sr-only" aria-live="polite">
          {token ? 'Test token issued.' : ''}
        </p>
        <ErrorMessage error={issue.error} />
        {token ? (
          <>
            <CopyField
              label="Access token"
              value={token.access_token}
              emphasis
              hint={
                <>
                  Expires <Time value={token.claims.exp} />. Scopes: {scopes.length ? scopes.join(' ') : 'none'}.
                </>
              }
            />
            <p class="field-label">Claims</p>
            <CodeBlock code={JSON.stringify(token.claims, null, 2)} label="Token claims" />
            {demoApi && (
              <>
                <p class="field-label">Call the demo API with it</p>
                <CodeBlock
                  code={`curl -H "Authorization: Bearer ${token.access_token}" \\\n  ${demoApi}/${demoPath}`}
                  label="Demo API call"
                />
              </>
            )}
          </>
        ) : (
          !issue.error && (
            <Alert tone="info" quiet>
              The token is recorded in the audit log by its id, never shown again; it works until it expires or the client is revoked.
            </Alert>
          )
        )}
      </div>
    </Card>
  );
}

/**
 * The API a client's token is for: a registered API that defines every one of its scopes is named as `resource`
 * (RFC 8707), since without it the token is for the default API; otherwise none.
 */
export function resourceFor(scopes: string[], apis: ApiResource[]): string | undefined {
  if (scopes.length === 0) return undefined;
  return apis.find((candidate) => scopes.every((scope) => candidate.scopes.includes(scope)))?.identifier;
}

/**
 * What the client page offers to get going: the quickstarts filled with the client's values, a test token for a
 * machine client, and the playground with the client and its APIs picked.
 */
export function ClientQuickstarts({ client, scopes }: { client: ClientView; scopes: string[] }) {
  const { api, auth, endpoints } = useConsole();
  // A test token is issued as the client: a developer's to ask for.
  const canIssue = useCan('developer');
  const apis = useLoad(() => api.listApis(), []);
  if (client.status !== 'active' || client.client_id.startsWith('gatehouse-')) return null;
  const confidential = client.token_endpoint_auth_method !== 'none';
  const values: SnippetValues = {
    issuer: endpoints.issuer,
    tokenEndpoint: endpoints.token,
    clientId: client.client_id,
    scopes,
    resource: resourceFor(scopes, apis.data?.apis ?? []),
    redirectUri: client.grant_types.includes('authorization_code') ? client.redirect_uris[0] : undefined,
    confidential,
  };
  // The playground offers the documented APIs this client has scopes of, each with the scopes it may have there; a
  // client with none of them tries the demo API, which takes every account's tokens.
  const platform = auth.config.platform;
  const documented = (apis.data?.apis ?? []).filter(
    (candidate) => candidate.openapi && candidate.scopes.some((scope) => scopes.includes(scope)),
  );
  const playgrounds = documented.length
    ? documented.map((candidate) => ({
        name: candidate.name || candidate.identifier,
        href: playgroundLink(endpoints.issuer, candidate.identifier, {
          clientId: client.client_id,
          scopes: candidate.scopes.filter((scope) => scopes.includes(scope)),
        }),
      }))
    : [
        {
          name: 'the demo API',
          href: playgroundLink(endpoints.issuer, 'demo', {
            clientId: client.client_id,
            scopes: scopes.filter((scope) => scope === DEMO_READ_SCOPE),
          }),
        },
      ];
  const machine = confidential && client.grant_types.includes('client_credentials');
  return (
    <>
      <QuickstartCard client={client} values={values} />
      {machine && canIssue && <TestTokenCard client={client} demoApi={platform ? `${auth.config.issuer}/api/demo` : undefined} />}
      <ul class="plain-list small text-links">
        {playgrounds.map((playground) => (
          <li key={playground.href}>
            <a href={playground.href} target="_blank" rel="noopener">
              Try {playground.name} in the playground
            </a>{' '}
            <span class="muted">— this client's ID is filled in; paste its secret there.</span>
          </li>
        ))}
      </ul>
    </>
  );
}
