import type { ComponentChildren } from 'preact';
import { Alert, CopyField, Dialog } from '../components/ui';
import { useConsole } from '../context';
import type { ClientView } from '../types';
import { CodeBlock, curlSnippet } from './quickstart';

/**
 * Shows a client's ID and — right after creation or rotation, and only then — its secret, with copy buttons and
 * a plain warning that the secret cannot be shown again.
 */
export function CredentialsDialog({
  title,
  lead,
  client,
  secret,
  doneLabel,
  onDone,
}: {
  title: string;
  lead: ComponentChildren;
  client: ClientView;
  secret: string | undefined;
  doneLabel: string;
  onDone: () => void;
}) {
  const { tokenEndpoint } = useConsole();
  const machine = client.grant_types.includes('client_credentials');
  return (
    <Dialog title={title} onClose={onDone} wide>
      <div class="dialog-body">
        <p class="dialog-lead">{lead}</p>
        <CopyField label="Client ID" value={client.client_id} />
        {secret ? (
          <>
            <CopyField label="Client secret" value={secret} emphasis />
            <Alert tone="warning" title="Copy the client secret now — it is shown only once">
              Gatehouse stores only a hash of it, so nobody can show it to you again. Keep it in your secrets manager. If it is lost, rotate
              the secret.
            </Alert>
          </>
        ) : (
          <Alert tone="info" title="No client secret">
            This is a public client: it cannot keep a secret, so it signs people in with PKCE instead.
          </Alert>
        )}
        {secret && machine && (
          <div class="snippet">
            <p class="snippet-title" id="try-it">
              Try it
            </p>
            {/* The secret stays a variable even here, where it is on screen: a snippet is pasted into shells and tickets. */}
            <CodeBlock code={curlSnippet({ clientId: client.client_id, tokenEndpoint, scopes: [] })} label="Token request" />
          </div>
        )}
      </div>
      <div class="dialog-footer">
        <button type="button" class="btn btn-primary" onClick={onDone}>
          {doneLabel}
        </button>
      </div>
    </Dialog>
  );
}
