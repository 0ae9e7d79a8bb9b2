import { useState } from 'preact/hooks';
import { PlusIcon, UsersIcon } from '../components/icons';
import { type InvitationCreated, InvitationSentDialog, InviteDialog } from '../components/invitations';
import {
  ActionCell,
  Badge,
  Card,
  ConfirmDialog,
  EmptyState,
  ErrorMessage,
  PageHeader,
  PageNotice,
  Spinner,
  TableHead,
  TableWrap,
  Time,
} from '../components/ui';
import { useConsole } from '../context';
import { useAction, useLoad, useTitle } from '../hooks';
import { ACCOUNT_ROLES, type AccountRole, type Invitation, type Member } from '../types';

const MEMBER_COLUMNS = ['Member', 'Role', 'Joined'];
const INVITATION_COLUMNS = ['Invited', 'Role', 'Expires'];

/** The account's team: its members with their roles, and invitations. Owners change them; everyone sees them. */
export function MembersPage() {
  useTitle('Members');
  const { api, session, role } = useConsole();
  const owner = role === 'owner' || role === 'administrator';
  const members = useLoad(() => api.listMembers(), []);
  const invitations = useLoad(() => (role === 'viewer' || role === 'developer' ? Promise.resolve([]) : api.listInvitations()), [role]);
  const [inviting, setInviting] = useState(false);
  const [link, setLink] = useState<InvitationCreated>();
  const [removing, setRemoving] = useState<Member>();
  const [notice, setNotice] = useState<string>();
  const change = useAction(async (member: Member, next: AccountRole) => {
    await api.setMemberRole(member.user_id, next);
    setNotice(`${member.name ?? member.username} is ${next} now.`);
    members.reload();
  });
  const withdraw = useAction(async (invitation: Invitation) => {
    await api.withdrawInvitation(invitation.id);
    setNotice(`The invitation for ${invitation.email} is withdrawn: its link admits nobody now.`);
    invitations.reload();
  });
  const inviteButton = owner && (
    <button type="button" class="btn btn-primary" onClick={() => setInviting(true)}>
      <PlusIcon size={16} />
      <span>Invite a member</span>
    </button>
  );
  return (
    <>
      <PageHeader
        title="Members"
        description="The people who run this account with you, and what each of them may do."
        actions={inviteButton}
      />
      <PageNotice notice={notice} />
      <ErrorMessage error={change.error ?? withdraw.error} />
      {members.loading && !members.data ? (
        <Spinner label="Loading members…" />
      ) : members.error && !members.data ? (
        <ErrorMessage error={members.error} />
      ) : (
        <TableWrap label="Members">
          <table class="table" aria-label="Members" aria-busy={members.loading}>
            <TableHead columns={MEMBER_COLUMNS} actions={owner} />
            <tbody>
              {(members.data ?? []).map((member) => (
                <tr key={member.user_id}>
                  <td class="cell-primary" data-label={MEMBER_COLUMNS[0]}>
                    <span class="cell-title">{member.name ?? member.username}</span>
                    {member.user_id === session.user.sub && <Badge tone="info">You</Badge>}
                    <div class="cell-secondary">{member.email ?? member.username}</div>
                  </td>
                  <td data-label={MEMBER_COLUMNS[1]}>
                    {owner ? (
                      <label>
                        <span class="sr-only">Role of {member.name ?? member.username}</span>
                        <select
                          class="input input-compact"
                          value={member.role}
                          disabled={change.busy}
                          onChange={(event) => void change.run(member, event.currentTarget.value as AccountRole)}
                        >
                          {[...ACCOUNT_ROLES].reverse().map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </label>
                    ) : (
                      <Badge tone="neutral">{member.role}</Badge>
                    )}
                  </td>
                  <td class="nowrap" data-label={MEMBER_COLUMNS[2]}>
                    <Time value={member.joined_at} />
                  </td>
                  {owner && (
                    <ActionCell label={`Remove ${member.name ?? member.username}`} onClick={() => setRemoving(member)}>
                      Remove
                    </ActionCell>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {role !== 'viewer' && role !== 'developer' && (
        <Card title="Invitations" description="Links sent and not yet used. A link admits once, within 7 days.">
          {invitations.loading && !invitations.data ? (
            <Spinner label="Loading invitations…" />
          ) : (invitations.data ?? []).length === 0 ? (
            <EmptyState icon={UsersIcon} title="No open invitations">
              {owner ? 'Invite someone: you get a link to send them.' : 'Owners invite new members.'}
            </EmptyState>
          ) : (
            <TableWrap label="Invitations">
              <table class="table" aria-label="Invitations">
                <TableHead columns={INVITATION_COLUMNS} actions={owner} />
                <tbody>
                  {(invitations.data ?? []).map((invitation) => (
                    <tr key={invitation.id}>
                      <td class="cell-primary" data-label={INVITATION_COLUMNS[0]}>
                        {invitation.email}
                        {invitation.expired && <Badge tone="warning">Expired</Badge>}
                      </td>
                      <td data-label={INVITATION_COLUMNS[1]}>{invitation.role}</td>
                      <td class="nowrap" data-label={INVITATION_COLUMNS[2]}>
                        <Time value={invitation.expires_at} />
                      </td>
                      {owner && (
                        <ActionCell
                          label={`Withdraw the invitation for ${invitation.email}`}
                          disabled={withdraw.busy}
                          onClick={() => void withdraw.run(invitation)}
                        >
                          Withdraw
                        </ActionCell>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </Card>
      )}
      {inviting && (
        <InviteDialog
          title="Invite a member"
          initialRole="developer"
          invite={api.invite}
          onClose={() => setInviting(false)}
          onInvited={(created) => {
            setInviting(false);
            setLink(created);
            invitations.reload();
          }}
        />
      )}
      {link && <InvitationSentDialog created={link} onDone={() => setLink(undefined)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name ?? removing.username}?`}
          confirmLabel="Remove member"
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => {
            await api.removeMember(removing.user_id);
            setRemoving(undefined);
            setNotice(`${removing.name ?? removing.username} is no longer a member.`);
            members.reload();
          }}
        >
          <p>
            They lose access to this account at once: the console and the admin API refuse them from their next request. What they created
            stays.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
