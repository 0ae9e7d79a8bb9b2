import { useState } from 'preact/hooks';
import { KeyIcon, RotateIcon } from '../components/icons';
import {
  Alert,
  EmptyState,
  ErrorMessage,
  FormDialog,
  PageHeader,
  RadioCards,
  Spinner,
  StatusBadge,
  TableHead,
  TableWrap,
  Time,
  TimeCell,
} from '../components/ui';
import { useConsole } from '../context';
import { useAction, useLoad, useTitle } from '../hooks';

const USES: Record<string, string> = { ES256: 'Access tokens', RS256: 'ID tokens' };
type Choice = 'all' | 'ES256' | 'RS256';

export function KeysPage() {
  useTitle('Signing keys');
  const { api } = useConsole();
  const keys = useLoad(() => api.listKeys(), []);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState<{ alg: string; kid: string }[]>();
  const list = [...(keys.data ?? [])].sort((a, b) => rank(a.status) - rank(b.status) || b.created_at - a.created_at);

  return (
    <>
      <PageHeader
        title="Signing keys"
        description="Tokens are signed with the active key of each algorithm. After a rotation the retired key stays published in the JWKS until the tokens it signed have expired, so verification never breaks."
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setRotating(true)}>
            <RotateIcon size={16} />
            <span>Rotate keys</span>
          </button>
        }
      />
      {rotated && (
        <Alert tone="success" title="Keys rotated" class="page-alert">
          New tokens are signed with {rotated.map((key) => `${key.kid} (${key.alg})`).join(' and ')}.
        </Alert>
      )}
      {keys.loading && !keys.data ? (
        <Spinner label="Loading signing keys…" />
      ) : keys.error && !keys.data ? (
        <ErrorMessage error={keys.error} />
      ) : list.length === 0 ? (
        <EmptyState icon={KeyIcon} title="No signing keys yet">
          Gatehouse creates its keys when it first signs a token.
        </EmptyState>
      ) : (
        <TableWrap label="Signing keys">
          <table class="table" aria-label="Signing keys">
            <TableHead columns={['Key ID', 'Algorithm', 'Status', 'Created', 'Retired', 'Published until']} />
            <tbody>
              {list.map((key) => (
                <tr key={key.kid}>
                  <td>
                    <code class="mono-small kid">{key.kid}</code>
                  </td>
                  <td class="nowrap">
                    <span class="cell-title">{key.alg}</span>
                    {USES[key.alg] && <div class="cell-secondary">{USES[key.alg]}</div>}
                  </td>
                  <td>
                    <StatusBadge status={key.status} />
                  </td>
                  <TimeCell value={key.created_at} />
                  <TimeCell value={key.retired_at} />
                  <td class="nowrap">
                    {key.status === 'active' ? <span class="muted">While active</span> : <Time value={key.publish_until} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {rotating && (
        <RotateKeysDialog
          onClose={() => setRotating(false)}
          onRotated={(result) => {
            setRotating(false);
            setRotated(result);
            keys.reload();
          }}
        />
      )}
    </>
  );
}

const rank = (status: string) => (status === 'active' ? 0 : status === 'retired' ? 1 : 2);

function RotateKeysDialog({ onClose, onRotated }: { onClose: () => void; onRotated: (rotated: { alg: string; kid: string }[]) => void }) {
  const { api } = useConsole();
  const [choice, setChoice] = useState<Choice>('all');
  const rotate = useAction(async () => onRotated(await api.rotateKeys(choice === 'all' ? undefined : choice)));
  const options: { value: Choice; label: string; detail: string }[] = [
    { value: 'all', label: 'All keys', detail: 'ES256 for access tokens and RS256 for ID tokens.' },
    { value: 'ES256', label: 'ES256 only', detail: 'The key that signs access tokens.' },
    { value: 'RS256', label: 'RS256 only', detail: 'The key that signs ID tokens.' },
  ];
  return (
    <FormDialog
      title="Rotate signing keys"
      onClose={onClose}
      busy={rotate.busy}
      submitLabel="Rotate now"
      busyLabel="Rotating…"
      onSubmit={() => void rotate.run()}
    >
      <p class="dialog-lead">
        New tokens are signed with a new key at once. Tokens already issued stay valid: the old public key remains published until they
        expire.
      </p>
      <RadioCards legend="Keys to rotate" name="alg" options={options} value={choice} onChange={setChoice} />
      <ErrorMessage error={rotate.error} />
    </FormDialog>
  );
}
