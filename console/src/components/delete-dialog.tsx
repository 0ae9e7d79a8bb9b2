import { useLoad } from '../hooks';
import type { DeletionImpact } from '../types';
import { ConfirmDialog, ErrorMessage, Spinner } from './ui';

/** "3 app clients and 2 users lose corpora:query" as a sentence. */
const asSentence = (summary: string): string => `${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`;

/**
 * Asks before deleting, naming what goes with it as the server counts it (GET …/dependents). Delete waits for that
 * answer; when the server refuses the deletion outright (the last administrator), its reason is shown and Delete stays
 * disabled.
 */
export function DeleteDialog({
  what,
  name,
  dependents,
  onDelete,
  onClose,
}: {
  /** What it is, e.g. "role", "app client". */
  what: string;
  name: string;
  dependents: () => Promise<DeletionImpact>;
  /** Deletes it (and follows up: a notice, a reload, navigating away); an error is shown in the dialog. */
  onDelete: () => Promise<void>;
  onClose: () => void;
}) {
  const impact = useLoad(dependents, []);
  return (
    <ConfirmDialog
      title={`Delete ${what} ${name}?`}
      confirmLabel={`Delete ${what}`}
      disabled={!impact.data}
      onConfirm={onDelete}
      onClose={onClose}
    >
      {impact.error ? (
        <ErrorMessage error={impact.error} />
      ) : !impact.data ? (
        <Spinner label="Checking what goes with it…" />
      ) : (
        <>
          <p class="deletion-impact">{impact.data.summary ? asSentence(impact.data.summary) : 'Nothing else goes with it.'}</p>
          <p>This cannot be undone.</p>
        </>
      )}
    </ConfirmDialog>
  );
}
