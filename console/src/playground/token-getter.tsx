import { useId, useState } from 'preact/hooks';
import { Alert, Card, Field, Tabs } from '../components/ui';
import { plural } from '../format';
import { ScopeChecklist } from './scope-checklist';
import type { ApiEntry, PlaygroundConfig } from './setup';
import { clientCredentialsToken, signInToken, type TokenResponse } from './token-requests';

type Outcome = { tone: 'success'; message: string } | { tone: 'error'; message: string; detail?: string };

const received = (response: TokenResponse, how: string): Outcome => ({
  tone: 'success',
  message: `Token received ${how}${response.expires_in ? `, valid for ${plural(Math.round(response.expires_in / 60), 'minute')}` : ''}. It is in Bearer Token below.`,
});

/**
 * Getting a token, one step, three ways: the developer's app client (client credentials), signing in through the
 * built-in client (authorization code + PKCE), or pasting one. Whichever way, it lands in **Bearer Token**, the one
 * the operations use.
 */
export function TokenGetter({
  config,
  entry,
  prefill,
  token,
  onToken,
}: {
  config: PlaygroundConfig;
  entry: ApiEntry;
  prefill: { clientId: string; scopes: string[] };
  token: string;
  onToken: (token: string) => void;
}) {
  const known = new Set(entry.scopes.map((scope) => scope.name));
  const [clientId, setClientId] = useState(prefill.clientId);
  const [clientSecret, setClientSecret] = useState('');
  const [clientScopes, setClientScopes] = useState(prefill.scopes.filter((scope) => known.has(scope)));
  const [signInScopes, setSignInScopes] = useState(entry.scopes.map((scope) => scope.name));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const tokenId = useId();

  const run = async (how: string, request: () => Promise<TokenResponse>) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const response = await request();
      onToken(response.access_token);
      setOutcome(received(response, how));
    } catch (error) {
      const { message, detail } = error as Error & { detail?: string };
      setOutcome({ tone: 'error', message, detail });
    } finally {
      setBusy(false);
    }
  };

  const appClient = (
    <form
      class="pg-stack"
      onSubmit={(event) => {
        event.preventDefault();
        run('for the app client', () =>
          clientCredentialsToken(config, { clientId: clientId.trim(), clientSecret, scopes: clientScopes, resource: entry.resource }),
        );
      }}
    >
      <p class="muted small">
        Your own app client's ID and secret (client credentials). The secret stays in this page and goes only to the token endpoint.
      </p>
      <div class="form-grid">
        <Field label="Client ID">
          {({ id }) => (
            <input
              id={id}
              class="input mono"
              required
              autoComplete="off"
              spellcheck={false}
              value={clientId}
              onInput={(event) => setClientId(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Client secret">
          {({ id }) => (
            <input
              id={id}
              type="password"
              class="input mono"
              required
              autoComplete="off"
              spellcheck={false}
              value={clientSecret}
              onInput={(event) => setClientSecret(event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <ScopeChecklist
        scopes={entry.scopes}
        selected={clientScopes}
        onChange={setClientScopes}
        hint="None ticked: the token carries every scope of this API that the client's roles allow."
      />
      <div>
        <button type="submit" class="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Getting a token…' : 'Get token'}
        </button>
      </div>
    </form>
  );

  const signIn = (
    <form
      class="pg-stack"
      onSubmit={(event) => {
        event.preventDefault();
        run('for you', () => signInToken(config, { scopes: signInScopes, resource: entry.resource }));
      }}
    >
      <p class="muted small">
        Sign in as a user of this account in a new window; the playground's own client (<code>{config.client_id}</code>) gets the token,
        with the scopes your roles allow.
      </p>
      <ScopeChecklist
        scopes={entry.scopes}
        selected={signInScopes}
        onChange={setSignInScopes}
        hint={
          <>
            <code>openid</code> is always asked for.
          </>
        }
      />
      <div>
        <button type="submit" class="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Waiting for the sign-in…' : 'Sign in and get a token'}
        </button>
      </div>
    </form>
  );

  const paste = (
    <p class="muted small">
      Paste an access token you already have into <strong>Bearer Token</strong> below: it is sent as it is, in the Authorization header.
    </p>
  );

  return (
    <Card title="Get a token" description={`For ${entry.title}: pick one way.`}>
      <div class="card-body pg-stack">
        <Tabs
          label="How to get a token"
          tabs={[
            { id: 'app-client', title: 'App client', panel: appClient },
            { id: 'sign-in', title: 'Sign in', panel: signIn },
            { id: 'paste', title: 'Paste a token', panel: paste },
          ]}
        />
        {outcome?.tone === 'error' && (
          <Alert tone="error" title={outcome.message}>
            {outcome.detail && <>The server said: {outcome.detail}</>}
          </Alert>
        )}
        {outcome?.tone === 'success' && <Alert tone="success">{outcome.message}</Alert>}
        <div class="field">
          <label class="field-label" for={tokenId}>
            Bearer Token
          </label>
          <textarea
            id={tokenId}
            class="input mono pg-token-input"
            rows={3}
            spellcheck={false}
            autoComplete="off"
            aria-describedby={`${tokenId}-hint`}
            value={token}
            onInput={(event) => {
              onToken(event.currentTarget.value);
              setOutcome(undefined);
            }}
          />
          <p class="field-hint" id={`${tokenId}-hint`}>
            The token the operations below send. Kept in this page's memory only: reloading the page drops it.
          </p>
        </div>
      </div>
    </Card>
  );
}
