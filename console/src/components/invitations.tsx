import { useState } from 'preact/hooks';
import { useAction } from '../hooks';
import { ACCOUNT_ROLES, type AccountRole, type Invitation } from '../types';
import { Alert, CopyField, Dialog, DoneFooter, ErrorMessage, Field, FormDialog } from './ui';

/** What making an invitation answers: the link (shown once) and whether it was mailed. */
export interface InvitationCreated {
  url: string;
  invitation: Invitation;
  emailed: boolean;
  email_error?: string;
}

const ROLE_WORDS: Record<AccountRole, string> = {
  viewer: 'reads everything, changes nothing',
  developer: 'also creates, changes, rotates and revokes app clients',
  admin: 'also manages roles, APIs, users and signing keys',
  owner: 'also invites and removes members and changes the account’s settings',
};
/** The account roles, most first, each with what it may do. */
function RoleSelect({
  id,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  value: AccountRole;
  onChange: (role: AccountRole) => void;
  describedBy?: string;
}) {
  return (
    <select
      id={id}
      class="input"
      value={value}
      aria-describedby={describedBy}
      onChange={(event) => onChange(event.currentTarget.value as AccountRole)}
    >
      {[...ACCOUNT_ROLES].reverse().map((role) => (
        <option key={role} value={role}>
          {role} — {ROLE_WORDS[role]}
        </option>
      ))}
    </select>
  );
}

/**
 * Invites someone to a team by email and role, through `invite` (an account's own admin API, or the platform's for a
 * tenant's first owner); the answer goes to `onInvited`.
 */
export function InviteDialog({
  title,
  initialRole,
  invite: send,
  onClose,
  onInvited,
}: {
  title: string;
  initialRole: AccountRole;
  invite: (input: { email: string; role: string }) => Promise<InvitationCreated>;
  onClose: () => void;
  onInvited: (created: InvitationCreated) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<AccountRole>(initialRole);
  const invite = useAction(async () => onInvited(await send({ email: email.trim(), role })));
  return (
    <FormDialog
      title={title}
      onClose={onClose}
      onSubmit={() => void invite.run()}
      busy={invite.busy}
      submitLabel="Create invitation link"
      busyLabel="Creating…"
    >
      <Field label="Email" hint="Whom the link is for; you send it to them.">
        {({ id, describedBy }) => (
          <input
            id={id}
            class="input"
            type="email"
            required
            maxLength={320}
            value={email}
            aria-describedby={describedBy}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Role">
        {({ id, describedBy }) => <RoleSelect id={id} value={role} onChange={setRole} {...(describedBy ? { describedBy } : {})} />}
      </Field>
      <ErrorMessage error={invite.error} />
    </FormDialog>
  );
}

/** The invitation made: whether it was mailed, and its link, shown this once. */
export function InvitationSentDialog({ created: link, onDone }: { created: InvitationCreated; onDone: () => void }) {
  return (
    <Dialog title={link.emailed ? 'Invitation sent' : 'Send this link'} onClose={onDone}>
      <div class="dialog-body">
        {link.emailed ? (
          <p>
            The link went to <strong>{link.invitation.email}</strong>. Whoever opens it and signs in joins as{' '}
            <strong>{link.invitation.role}</strong>, once, within 7 days. You can also send it yourself; it is shown only now.
          </p>
        ) : (
          <>
            <Alert tone="warning" title="The email could not be sent">
              {link.email_error ?? 'The mail server refused it.'} Send the link to {link.invitation.email} yourself.
            </Alert>
            <p>
              Whoever opens it and signs in joins as <strong>{link.invitation.role}</strong>, once, within 7 days. It is shown only now.
            </p>
          </>
        )}
        <CopyField label="Invitation link" value={link.url} emphasis />
      </div>
      <DoneFooter onDone={onDone} />
    </Dialog>
  );
}
