import { useState } from 'preact/hooks';
import { Alert, Card, ErrorMessage, PageHeader, Spinner } from '../components/ui';
import { useConsole } from '../context';
import { formatDateTime } from '../format';
import { useAction, useLoad, useTitle } from '../hooks';
import { Link, navigate } from '../router';

/**
 * An invitation link (/console/join#gate_inv_…): what it offers, and joining. The token is in the fragment, which the
 * browser never sends; it is read once and taken out of the address, so it stays out of the history too.
 */
export function JoinPage({ onJoined }: { onJoined: () => void }) {
  useTitle('Join an account');
  const { api } = useConsole();
  const [token] = useState(() => {
    const value = decodeURIComponent(location.hash.slice(1));
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    return value;
  });
  const offer = useLoad(() => (token ? api.lookupInvitation(token) : Promise.reject(new Error('This link holds no invitation.'))), [token]);
  const accept = useAction(async () => {
    const account = await api.acceptInvitation(token);
    onJoined();
    navigate('/clients', { account: account.id, replace: true });
  });
  const invitation = offer.data?.invitation;
  return (
    <>
      <PageHeader title="Join an account" />
      {offer.loading ? (
        <Spinner label="Reading the invitation…" />
      ) : offer.error || !offer.data || !invitation ? (
        <>
          <ErrorMessage error={offer.error} />
          <p>
            <Link to="/accounts">Your accounts</Link>
          </p>
        </>
      ) : (
        <Card title={offer.data.account.name} description={`You are invited to join as ${invitation.role}.`}>
          <div class="card-body">
            <p>
              The invitation was sent to <strong>{invitation.email}</strong> and is valid until {formatDateTime(invitation.expires_at)}.
              Joining makes you a member of <code>{offer.data.account.id}</code> with this role; its owners can change it.
            </p>
            <Alert tone="info" quiet>
              You join as the person signed in now. If that is not you, sign out first and open the link again.
            </Alert>
            <ErrorMessage error={accept.error} />
            <div class="form-actions">
              <button
                type="button"
                class="btn btn-primary"
                disabled={accept.busy}
                aria-busy={accept.busy}
                onClick={() => void accept.run()}
              >
                {accept.busy ? 'Joining…' : `Join ${offer.data.account.name}`}
              </button>
            </div>
          </div>
        </Card>
      )}
    </>
  );
}
