import { useId } from 'preact/hooks';
import { Alert } from '../components/ui';
import type { ApiResponse } from './send-request';
import { type Challenge, explainChallenge, parseWwwAuthenticate } from './www-authenticate';

/** The body pretty-printed when it is JSON, as it came otherwise. */
function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** The parameters of RFC 6750 §3 (and RFC 9728 §5.1's resource_metadata), in this order, then any others. */
const CHALLENGE_PARAMS = ['realm', 'error', 'error_description', 'error_uri', 'scope', 'resource_metadata'];

function ChallengeView({ header }: { header: string }) {
  let challenges: Challenge[];
  try {
    challenges = parseWwwAuthenticate(header);
  } catch (error) {
    return (
      <Alert tone="warning" title="The API's challenge could not be read">
        {(error as Error).message}: <code class="pg-wrap">{header}</code>
      </Alert>
    );
  }
  return (
    <div class="pg-challenge">
      <p class="pg-challenge-words">{explainChallenge(challenges)}</p>
      {challenges.map((challenge, index) => {
        const names = [
          ...CHALLENGE_PARAMS.filter((name) => name in challenge.params),
          ...Object.keys(challenge.params).filter((name) => !CHALLENGE_PARAMS.includes(name)),
        ];
        return (
          <dl key={index} class="pg-claims">
            <div class="pg-claim">
              <dt>scheme</dt>
              <dd class="mono">{challenge.scheme}</dd>
            </div>
            {challenge.token68 && (
              <div class="pg-claim">
                <dt>token68</dt>
                <dd class="mono pg-wrap">{challenge.token68}</dd>
              </div>
            )}
            {names.map((name) => (
              <div key={name} class="pg-claim">
                <dt>{name}</dt>
                <dd class="mono pg-wrap">{challenge.params[name]}</dd>
              </div>
            ))}
          </dl>
        );
      })}
    </div>
  );
}

/** The API's answer: status and time, the challenge of a refusal decoded, headers and body. */
export function ResponseView({ response, level }: { response: ApiResponse; level: 3 | 4 }) {
  const Heading = level === 3 ? 'h3' : 'h4';
  const Subheading = level === 3 ? 'h4' : 'h5';
  const headingId = useId();
  const challenge = response.headers.find(([name]) => name === 'www-authenticate')?.[1];
  const refused = response.status === 401 || response.status === 403;
  const ok = response.status >= 200 && response.status < 300;
  return (
    <section class="pg-response" aria-labelledby={headingId}>
      <Heading id={headingId} class="pg-subtitle">
        Response: <span class={`pg-status ${ok ? 'pg-status-ok' : 'pg-status-error'}`}>{response.status}</span> {response.statusText}{' '}
        <span class="muted">in {response.milliseconds} ms</span>
      </Heading>
      {refused &&
        (challenge ? (
          <ChallengeView header={challenge} />
        ) : (
          <p class="small muted">
            The API sent no WWW-Authenticate challenge that this page may read (its CORS answer must expose the header).
          </p>
        ))}
      <Subheading class="pg-label">Headers</Subheading>
      <dl class="pg-claims">
        {response.headers.map(([name, value]) => (
          <div key={name} class="pg-claim">
            <dt>{name}</dt>
            <dd class="mono pg-wrap">{value}</dd>
          </div>
        ))}
      </dl>
      <Subheading class="pg-label">Body</Subheading>
      {response.body === '' ? (
        <p class="small muted">No body.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a block that may scroll must be reachable by keyboard (WCAG 2.1.1).
        <pre class="code pg-code" tabIndex={0}>
          <code>{prettyBody(response.body)}</code>
        </pre>
      )}
    </section>
  );
}
