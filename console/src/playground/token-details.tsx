import { decodeJwt, decodeProtectedHeader } from 'jose';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Alert, Card, CopyButton } from '../components/ui';
import { formatPrecise } from '../format';

/** Claims that are times (NumericDate, RFC 7519 §2): shown as dates as well. */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);

type Decoded = { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined;

/**
 * Reading a JWT's header and claims is no verification: that is the API's job. jose's decoders only split and
 * parse; a token that is not a JWT (an opaque `gate_at_…` one) is still usable, just not readable here.
 */
function decode(token: string): Decoded {
  try {
    return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** "29:41", or "1:02:03" for an hour or more. */
function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [hours, minutes, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(rest)}` : `${minutes}:${two(rest)}`;
}

/** Seconds since the epoch, ticking every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function ClaimValue({ name, value }: { name: string; value: unknown }) {
  if (TIME_CLAIMS.has(name) && typeof value === 'number')
    return (
      <>
        <span class="mono">{value}</span> <span class="muted">({formatPrecise(value)})</span>
      </>
    );
  return <span class="mono pg-wrap">{typeof value === 'string' ? value : JSON.stringify(value)}</span>;
}

/** The token in use: decoded, its expiry counting down, a copy button and a word of warning. */
export function TokenDetails({ token }: { token: string }) {
  const decoded = useMemo(() => decode(token), [token]);
  const exp = typeof decoded?.claims.exp === 'number' ? decoded.claims.exp : undefined;
  const now = useNow(exp !== undefined);
  const left = exp === undefined ? undefined : exp - now;
  const expired = left !== undefined && left <= 0;
  return (
    <Card title="The token" actions={<CopyButton value={token} label="Token" />}>
      <div class="card-body pg-stack">
        <Alert tone="warning" quiet>
          Tokens are secrets: do not paste them into public places (issues, chats, screenshots). This page keeps it in memory only.
        </Alert>
        {left !== undefined && (
          <p class={`pg-expiry${expired ? ' pg-expired' : ''}`}>{expired ? 'Expired' : `Expires in ${formatCountdown(left)}`}</p>
        )}
        {/* Announced once, when it happens; the countdown itself is not a live region (it would speak every second). */}
        <p class="sr-only" aria-live="polite">
          {expired ? 'The token has expired.' : ''}
        </p>
        {decoded === undefined ? (
          <p class="muted">This token is not a JWT (an opaque token): it is sent as it is, but cannot be decoded here.</p>
        ) : (
          <div class="pg-token-parts">
            <section aria-labelledby="token-claims">
              <h3 id="token-claims" class="pg-subtitle">
                Claims
              </h3>
              <dl class="pg-claims">
                {Object.entries(decoded.claims).map(([name, value]) => (
                  <div key={name} class="pg-claim">
                    <dt class="mono">{name}</dt>
                    <dd>
                      <ClaimValue name={name} value={value} />
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
            <section aria-labelledby="token-header">
              <h3 id="token-header" class="pg-subtitle">
                Header
              </h3>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a block that may scroll must be reachable by keyboard (WCAG 2.1.1). */}
              <pre class="code pg-code" tabIndex={0}>
                <code>{JSON.stringify(decoded.header, null, 2)}</code>
              </pre>
            </section>
          </div>
        )}
      </div>
    </Card>
  );
}
