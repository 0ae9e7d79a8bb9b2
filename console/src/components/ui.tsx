import type { ComponentChildren, JSX, TargetedSubmitEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { formatDateTime, formatExact, formatPrecise, formatRelative } from '../format';
import { Link } from '../router';
import { CheckIcon, ChevronLeftIcon, ChevronRightIcon, CloseIcon, CopyIcon, ErrorIcon, InfoIcon, WarningIcon } from './icons';

export function PageHeader(props: {
  title: string;
  description?: ComponentChildren;
  actions?: ComponentChildren;
  breadcrumb?: ComponentChildren;
  badge?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      {props.breadcrumb && (
        <nav class="breadcrumb" aria-label="Breadcrumb">
          {props.breadcrumb}
        </nav>
      )}
      <div class="page-header-row">
        <div class="page-header-text">
          <div class="title-row">
            <h1 id="page-title" tabIndex={-1}>
              {props.title}
            </h1>
            {props.badge && <span class="title-badge">{props.badge}</span>}
          </div>
          {props.description && <p class="page-description">{props.description}</p>}
        </div>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
    </header>
  );
}

type Tone = 'error' | 'warning' | 'success' | 'info';
const TONE_ICONS = { error: ErrorIcon, warning: WarningIcon, success: CheckIcon, info: InfoIcon };

/** An inline message. Errors are announced at once (role=alert); the others politely. */
export function Alert({
  tone,
  title,
  children,
  class: className,
  quiet,
}: {
  tone: Tone;
  title?: string;
  children?: ComponentChildren;
  class?: string;
  /** A standing state of the page (not news): not announced as a live region. */
  quiet?: boolean;
}) {
  const Icon = TONE_ICONS[tone];
  const ref = useRef<HTMLDivElement>(null);
  // An error may appear below the fold of a long form or dialog: bring it into view.
  useEffect(() => {
    if (tone === 'error' && !quiet) ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <div
      ref={ref}
      class={`alert alert-${tone}${className ? ` ${className}` : ''}`}
      role={quiet ? undefined : tone === 'error' ? 'alert' : 'status'}
    >
      <Icon class="alert-icon" />
      <div class="alert-body">
        {title && <p class="alert-title">{title}</p>}
        {children && <div class="alert-text">{children}</div>}
      </div>
    </div>
  );
}

/** What the last action on the page did ("Role created."), above the page's content. */
export function PageNotice({ notice }: { notice: string | undefined }) {
  if (!notice) return null;
  return (
    <Alert tone="success" class="page-alert">
      {notice}
    </Alert>
  );
}

export function ErrorMessage({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return <Alert tone="error">{error.message}</Alert>;
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'success' | 'danger' | 'warning' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === 'active'
      ? 'success'
      : status === 'retired' || status === 'suspended'
        ? 'warning'
        : status === 'revoked' || status === 'disabled'
          ? 'danger'
          : 'neutral';
  return <Badge tone={tone}>{status[0]!.toUpperCase() + status.slice(1)}</Badge>;
}

export function Chips({ items, empty = '—' }: { items: string[]; empty?: string }) {
  if (items.length === 0) return <span class="muted">{empty}</span>;
  return (
    <ul class="chips">
      {items.map((item) => (
        <li key={item} class="chip">
          {item}
        </li>
      ))}
    </ul>
  );
}

export function Time({
  value,
  relative = false,
  precise = false,
}: {
  value: number | null | undefined;
  relative?: boolean;
  precise?: boolean;
}) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  const iso = new Date(value * 1000).toISOString();
  return (
    <time dateTime={iso} title={formatExact(value)}>
      {relative ? formatRelative(value) : precise ? formatPrecise(value) : formatDateTime(value)}
    </time>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({
  icon: Icon,
  title,
  children,
  action,
}: {
  icon: (props: { size?: number }) => JSX.Element;
  title: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
}) {
  return (
    <div class="empty">
      <span class="empty-icon">
        <Icon size={24} />
      </span>
      <h2 class="empty-title">{title}</h2>
      {children && <p class="empty-text">{children}</p>}
      {action && <div class="empty-action">{action}</div>}
    </div>
  );
}

export function Card({
  title,
  description,
  children,
  actions,
  class: className,
  id,
}: {
  title?: string;
  description?: ComponentChildren;
  children: ComponentChildren;
  actions?: ComponentChildren;
  class?: string;
  id?: string;
}) {
  const headingId = useId();
  return (
    <section class={`card${className ? ` ${className}` : ''}`} aria-labelledby={title ? headingId : undefined} id={id}>
      {(title || actions) && (
        <div class="card-header">
          <div>
            {title && (
              <h2 class="card-title" id={headingId}>
                {title}
              </h2>
            )}
            {description && <p class="card-description">{description}</p>}
          </div>
          {actions && <div class="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** A text input with its label, hint and error wired up for assistive technology. */
export function Field({
  label,
  hint,
  optional,
  error,
  children,
}: {
  label: string;
  hint?: ComponentChildren;
  optional?: boolean;
  error?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ComponentChildren;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id} class="field-label">
        {label}
        {optional && <span class="optional"> (optional)</span>}
      </label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * Where a form shows the server's refusal: next to the field it names (`of(name)`, for a Field's `error`) when that
 * field is one of `fields`, the admin API's names of the form's inputs ("name", "quotas/max_users"); otherwise in
 * the form's error area (`unplaced`). A refusal names its field as a JSON pointer ("/redirect_uris/1"), which matches
 * the input it is in. When it is placed, focus moves to the field, so that a screen reader reads it with its error.
 */
export function usePlacedError(error: Error | undefined, fields: readonly string[]) {
  const pointer = error instanceof ApiError ? error.field?.slice(1) : undefined;
  const placed = pointer === undefined ? undefined : fields.find((field) => pointer === field || pointer.startsWith(`${field}/`));
  useEffect(() => {
    if (placed) requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }, [error]);
  return {
    of: (field: string): string | undefined => (placed === field ? error?.message : undefined),
    unplaced: placed === undefined ? error : undefined,
  };
}

/**
 * A button that puts `value` on the clipboard and says so for a moment. Where the Clipboard API is refused, `fallback`
 * may copy another way (a selected input and execCommand) and says whether it did.
 */
export function CopyButton({
  value,
  label,
  iconOnly,
  fallback,
}: {
  value: string;
  /** What is copied, for the button's name ("Copy issuer") and the announcement. */
  label: string;
  /** Just the icon (in a table's row): the name is for screen readers and the tooltip. */
  iconOnly?: boolean;
  fallback?: () => boolean;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    let done = true;
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      done = fallback?.() ?? false;
    }
    setCopied(done);
  };
  return (
    <>
      <button
        type="button"
        class={`btn btn-secondary ${iconOnly ? 'copy-button-icon' : 'copy-button'}`}
        onClick={copy}
        aria-label={`Copy ${label.toLowerCase()}`}
        title={iconOnly ? `Copy ${label.toLowerCase()}` : undefined}
      >
        {copied ? <CheckIcon size={iconOnly ? 16 : undefined} /> : <CopyIcon size={iconOnly ? 16 : undefined} />}
        {!iconOnly && <span>{copied ? 'Copied' : 'Copy'}</span>}
      </button>
      <span class="sr-only" aria-live="polite">
        {copied ? `${label} copied to the clipboard` : ''}
      </span>
    </>
  );
}

/** A read-only value with a copy button; the value stays selectable for browsers without clipboard access. */
export function CopyField({
  label,
  value,
  hint,
  emphasis,
}: {
  label: string;
  value: string;
  hint?: ComponentChildren;
  emphasis?: boolean;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const selectAndCopy = () => {
    input.current?.select();
    return document.execCommand('copy');
  };
  return (
    <div class="field">
      <label for={id} class="field-label">
        {label}
      </label>
      <div class={`copy-field${emphasis ? ' copy-field-emphasis' : ''}`}>
        <input
          ref={input}
          id={id}
          class="input mono"
          readOnly
          value={value}
          spellcheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <CopyButton value={value} label={label} fallback={selectAndCopy} />
      </div>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** What Tab can reach inside a dialog. */
const FOCUSABLE =
  'a[href], button:not(:disabled), input:not(:disabled):not([type="hidden"]), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex="-1"])';

/**
 * Tab from a dialog's last control goes to its first, Shift+Tab from the first to the last. showModal makes the page
 * behind inert, but Tab would still leave the dialog for the browser's own controls.
 */
function keepFocusInside(event: KeyboardEvent, dialog: HTMLElement): void {
  if (event.key !== 'Tab') return;
  const controls = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((control) => control.getClientRects().length > 0);
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  const leaving = event.shiftKey ? document.activeElement === first : document.activeElement === last;
  if (!leaving) return;
  event.preventDefault();
  (event.shiftKey ? last : first).focus();
}

/**
 * A modal dialog on the native <dialog> element: focus moves in and is trapped, Escape closes, and focus goes back
 * to where it was when the dialog closes.
 */
export function Dialog({
  title,
  description,
  onClose,
  children,
  wide,
  role,
}: {
  title: string;
  description?: ComponentChildren;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  role?: 'alertdialog';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (previous && document.contains(previous)) previous.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={`dialog${wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      role={role}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={(event) => keepFocusInside(event, event.currentTarget)}
    >
      <div class="dialog-header">
        <h2 id={titleId} class="dialog-title">
          {title}
        </h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {description && (
        <p class="dialog-description" id={descriptionId}>
          {description}
        </p>
      )}
      {children}
    </dialog>
  );
}

/** Asks before something that cannot be undone; shows the API's error inside the dialog. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = true,
  typeToConfirm,
  disabled,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  /** Not possible yet (or at all): what it depends on is still loading, or was refused. */
  disabled?: boolean;
  /** For what cannot be undone at all: the confirm button stays disabled until this text is typed. */
  typeToConfirm?: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [typed, setTyped] = useState('');
  const confirmed = !disabled && (typeToConfirm === undefined || typed === typeToConfirm);
  const confirm = async (event: Event) => {
    event.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
    } catch (reason) {
      setError(reason as Error);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose} role="alertdialog">
      <form onSubmit={confirm}>
        <div class="dialog-body">
          <div class="confirm-text">{children}</div>
          {typeToConfirm !== undefined && (
            <Field label={`Type ${typeToConfirm} to confirm`}>
              {({ id, describedBy }) => (
                <input
                  id={id}
                  class="input mono"
                  value={typed}
                  autoComplete="off"
                  spellcheck={false}
                  aria-describedby={describedBy}
                  onInput={(event) => setTyped(event.currentTarget.value)}
                />
              )}
            </Field>
          )}
          <ErrorMessage error={error} />
        </div>
        <DialogFooter
          onCancel={onClose}
          cancelAutoFocus
          busy={busy}
          disabled={!confirmed}
          label={confirmLabel}
          busyLabel="Working…"
          danger={danger}
        />
      </form>
    </Dialog>
  );
}

/** One checkbox with its title and a one-line explanation beneath. */
export function CheckOption({
  title,
  detail,
  checked,
  onChange,
}: {
  title: string;
  detail: ComponentChildren;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label class={`check-row check-option${checked ? ' checked' : ''}`}>
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.currentTarget.checked)} />
      <span class="check-text">
        <span class="check-title">{title}</span>
        <span class="check-detail">{detail}</span>
      </span>
    </label>
  );
}

/** One choice of a Checklist: its name (what `selected` holds) and a line about it. */
export interface ChecklistItem {
  name: string;
  detail?: string;
}

/** Checkboxes in a fieldset, each a name with a line about it; `selected` holds the ticked names. */
export function Checklist({
  items,
  selected,
  onChange,
  legend,
  hint,
  empty,
  disabled,
  listClass = '',
  titleClass = '',
}: {
  items: ChecklistItem[];
  selected: string[];
  onChange: (selected: string[]) => void;
  legend: string;
  hint?: ComponentChildren;
  /** Said instead of the list when there is nothing to choose. */
  empty: ComponentChildren;
  disabled?: boolean;
  listClass?: string;
  titleClass?: string;
}) {
  const hintId = useId();
  return (
    <fieldset class="fieldset" aria-describedby={hint ? hintId : undefined} disabled={disabled}>
      <legend class="field-label">{legend}</legend>
      {hint && (
        <p class="field-hint fieldset-hint" id={hintId}>
          {hint}
        </p>
      )}
      {items.length === 0 ? (
        <p class="muted small">{empty}</p>
      ) : (
        <div class={`check-list ${listClass}`.trim()}>
          {items.map((item) => {
            const checked = selected.includes(item.name);
            return (
              <label key={item.name} class={`check-row${checked ? ' checked' : ''}`}>
                <input
                  type="checkbox"
                  checked={checked}
                  onChange={(event) => {
                    const on = event.currentTarget.checked;
                    onChange(on ? [...selected, item.name] : selected.filter((name) => name !== item.name));
                  }}
                />
                <span class="check-text">
                  <span class={`check-title ${titleClass}`.trim()}>{item.name}</span>
                  {item.detail && <span class="check-detail">{item.detail}</span>}
                </span>
              </label>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}

/** Checkboxes for roles, each with the scopes it grants. */
export function RoleChecklist({
  roles,
  selected,
  onChange,
  legend = 'Roles',
  hint,
  disabled,
}: {
  roles: { name: string; description: string; scopes: string[] }[];
  selected: string[];
  onChange: (selected: string[]) => void;
  legend?: string;
  hint?: ComponentChildren;
  disabled?: boolean;
}) {
  return (
    <Checklist
      items={roles.map((role) => ({
        name: role.name,
        detail: `${role.scopes.length ? role.scopes.join(' ') : 'no scopes'}${role.description ? ` · ${role.description}` : ''}`,
      }))}
      selected={selected}
      onChange={onChange}
      legend={legend}
      hint={hint}
      empty={<>There are no roles yet. Create one under Roles &amp; scopes.</>}
      disabled={disabled}
    />
  );
}

/**
 * A table's frame. On a narrow screen each row becomes a card of label–value lines (styles.css, "Stacked tables"),
 * so the page never scrolls sideways.
 */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" data-label={label}>
      {children}
    </div>
  );
}

/** A form's Discard and Save buttons, both off until something changed and while the save is under way. */
export function FormActions({ dirty, busy, onDiscard, label }: { dirty: boolean; busy: boolean; onDiscard: () => void; label: string }) {
  return (
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" disabled={!dirty || busy} onClick={onDiscard}>
        Discard changes
      </button>
      <button type="submit" class="btn btn-primary" disabled={!dirty || busy} aria-busy={busy}>
        {busy ? 'Saving…' : label}
      </button>
    </div>
  );
}

/** The one button of a dialog that only tells: Done. */
export function DoneFooter({ onDone }: { onDone: () => void }) {
  return (
    <div class="dialog-footer">
      <button type="button" class="btn btn-primary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

/** A dialog's Cancel and submit buttons; the submit button is disabled and relabelled while busy. */
export function DialogFooter({
  onCancel,
  busy,
  label,
  busyLabel,
  danger,
  cancelAutoFocus,
  disabled,
}: {
  onCancel: () => void;
  busy: boolean;
  /** Not yet possible (a confirmation not typed): disabled without the busy label. */
  disabled?: boolean;
  label: string;
  busyLabel: string;
  danger?: boolean;
  cancelAutoFocus?: boolean;
}) {
  return (
    <div class="dialog-footer">
      <button type="button" class="btn btn-secondary" onClick={onCancel} autoFocus={cancelAutoFocus}>
        Cancel
      </button>
      <button type="submit" class={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy || disabled} aria-busy={busy}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

/** A dialog holding one form: its fields in the body, Cancel and submit in the footer. Default submission is prevented. */
export function FormDialog({
  title,
  onClose,
  wide,
  noValidate,
  onSubmit,
  busy,
  submitLabel,
  busyLabel,
  children,
}: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  noValidate?: boolean;
  onSubmit: (event: TargetedSubmitEvent<HTMLFormElement>) => void;
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  children: ComponentChildren;
}) {
  return (
    <Dialog title={title} onClose={onClose} wide={wide}>
      <form
        noValidate={noValidate}
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit(event);
        }}
      >
        <div class="dialog-body">{children}</div>
        <DialogFooter onCancel={onClose} busy={busy} label={submitLabel} busyLabel={busyLabel} />
      </form>
    </Dialog>
  );
}

/** Radio buttons drawn as cards, each with a title and a line of detail. */
export function RadioCards<T extends string>({
  legend,
  name,
  options,
  value,
  onChange,
}: {
  legend: string;
  name: string;
  options: { value: T; label: string; detail: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset class="fieldset">
      <legend class="field-label">{legend}</legend>
      <div class="radio-cards">
        {options.map((option) => (
          <label key={option.value} class={`radio-card${value === option.value ? ' checked' : ''}`}>
            <input type="radio" name={name} value={option.value} checked={value === option.value} onChange={() => onChange(option.value)} />
            <span class="check-text">
              <span class="check-title">{option.label}</span>
              <span class="check-detail">{option.detail}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A detail page's breadcrumb: the list it belongs to, then the page itself. */
export function Breadcrumb({ to, parent, current }: { to: string; parent: string; current: string }) {
  return (
    <>
      <Link to={to}>{parent}</Link>
      <ChevronRightIcon size={14} />
      <span aria-current="page">{current}</span>
    </>
  );
}

/** A table's header row; `actions` adds a last column, named for screen readers only. */
export function TableHead({ columns, actions }: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** A table cell with a time that does not wrap. */
export function TimeCell(props: { value: number | null | undefined; relative?: boolean; precise?: boolean }) {
  return (
    <td class="nowrap">
      <Time {...props} />
    </td>
  );
}

/** A row's first cell: a link to the item's page, with an optional second line. */
export function LinkCell({ to, children, secondary }: { to: string; children: ComponentChildren; secondary?: ComponentChildren }) {
  return (
    <td class="cell-primary">
      <Link to={to} class="row-link">
        {children}
      </Link>
      {secondary && <div class="cell-secondary">{secondary}</div>}
    </td>
  );
}

/** A row's last cell: one small button, labelled in full for screen readers. */
export function ActionCell({
  label,
  children,
  onClick,
  disabled,
}: {
  label: string;
  children: ComponentChildren;
  onClick: () => void;
  disabled?: boolean;
}) {
  return (
    <td class="cell-actions">
      <button type="button" class="btn btn-secondary btn-small" aria-label={label} disabled={disabled} onClick={onClick}>
        {children}
      </button>
    </td>
  );
}

/** The roles, status and creation time cells that the client and user tables share. */
export function RoleStatusCreatedCells({ roles, status, createdAt }: { roles: string[]; status: string; createdAt: number }) {
  return (
    <>
      <td>
        <Chips items={roles} />
      </td>
      <td>
        <StatusBadge status={status} />
      </td>
      <TimeCell value={createdAt} />
    </>
  );
}

/** A card's body while its data is loading or failed to load. */
export function CardStatus({ error, label }: { error: Error | undefined; label?: string }) {
  return <div class="card-body">{error ? <ErrorMessage error={error} /> : <Spinner label={label} />}</div>;
}

/**
 * Previous and next buttons under a list paged by cursor, with what the page holds. Both are disabled while a page
 * loads, so a double click cannot skip one.
 */
export function Pager({
  label,
  summary,
  loading,
  hasPrevious,
  hasNext,
  previousLabel = 'Previous',
  nextLabel = 'Next',
  onPrevious,
  onNext,
}: {
  label: string;
  summary: ComponentChildren;
  loading: boolean;
  hasPrevious: boolean;
  hasNext: boolean;
  previousLabel?: string;
  nextLabel?: string;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <span class="muted small" aria-live="polite">
        {summary}
      </span>
      <div class="pager-buttons">
        <button type="button" class="btn btn-secondary btn-small" disabled={!hasPrevious || loading} onClick={onPrevious}>
          <ChevronLeftIcon size={16} />
          <span>{previousLabel}</span>
        </button>
        <button type="button" class="btn btn-secondary btn-small" disabled={!hasNext || loading} onClick={onNext}>
          <span>{nextLabel}</span>
          <ChevronRightIcon size={16} />
        </button>
      </div>
    </nav>
  );
}

/**
 * Tabs per the WAI-ARIA tabs pattern: one tab stop for the tablist (the selected tab), arrow keys, Home and End move
 * between tabs and show theirs at once, and each panel is labelled by its tab.
 */
export function Tabs({ label, tabs }: { label: string; tabs: { id: string; title: string; panel: ComponentChildren }[] }) {
  const baseId = useId();
  const [selectedId, setSelected] = useState(tabs[0]?.id);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const selectedIndex = Math.max(
    0,
    tabs.findIndex((tab) => tab.id === selectedId),
  );
  const select = (index: number) => {
    const tab = tabs[(index + tabs.length) % tabs.length]!;
    setSelected(tab.id);
    buttons.current[tabs.indexOf(tab)]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: selectedIndex + 1, ArrowLeft: selectedIndex - 1, Home: 0, End: tabs.length - 1 };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(next);
  };
  return (
    <div class="tabs">
      <div role="tablist" aria-label={label} class="tab-list" onKeyDown={onKeyDown}>
        {tabs.map((tab, index) => (
          <button
            key={tab.id}
            ref={(element) => {
              buttons.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${baseId}-${tab.id}-tab`}
            class="tab"
            aria-selected={index === selectedIndex}
            aria-controls={`${baseId}-${tab.id}-panel`}
            tabIndex={index === selectedIndex ? 0 : -1}
            onClick={() => setSelected(tab.id)}
          >
            {tab.title}
          </button>
        ))}
      </div>
      {tabs.map((tab, index) => (
        <div
          key={tab.id}
          role="tabpanel"
          id={`${baseId}-${tab.id}-panel`}
          aria-labelledby={`${baseId}-${tab.id}-tab`}
          class="tab-panel"
          hidden={index !== selectedIndex}
        >
          {tab.panel}
        </div>
      ))}
    </div>
  );
}
