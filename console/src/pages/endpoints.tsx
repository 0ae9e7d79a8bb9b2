import { Card, CopyField } from '../components/ui';
import { useConsole } from '../context';

/**
 * The URLs an app of this issuer is configured with, each with a copy button: the token endpoint first, as the
 * authentication URL app clients trade their credentials at.
 */
export function EndpointsCard() {
  const { endpoints } = useConsole();
  return (
    <Card title="Endpoints" description="What your apps are configured with. Each account has its own." class="endpoints">
      <div class="card-body">
        <CopyField
          label="Authentication URL (token endpoint)"
          value={endpoints.token}
          emphasis
          hint="App clients trade their client ID and secret here for access tokens (client_credentials)."
        />
        {endpoints.authorization && (
          <CopyField label="Authorization endpoint" value={endpoints.authorization} hint="Where apps send people to sign in." />
        )}
        <CopyField
          label="Issuer"
          value={endpoints.issuer}
          hint="The iss of every token; OAuth and OpenID libraries discover the rest from it."
        />
        <CopyField label="Discovery" value={endpoints.discovery} />
        {endpoints.jwks && (
          <CopyField label="JWKS (signing keys)" value={endpoints.jwks} hint="Where your APIs get the keys to verify tokens." />
        )}
      </div>
    </Card>
  );
}
