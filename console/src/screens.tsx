import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { Logo } from './components/icons';

const CONSOLE = { tag: 'Console', name: 'console' };

/** A centred card for the moments outside the console proper: signing in, signed out, no access, errors. */
export function Screen({
  title,
  children,
  busy,
  product = CONSOLE,
}: {
  title: string;
  children?: ComponentChildren;
  busy?: boolean;
  /** Which of Gatehouse's apps this is: the console, or the API playground (same look). */
  product?: { tag: string; name: string };
}) {
  useEffect(() => {
    document.title = `${title} · Gatehouse ${product.name}`;
  }, [title]);
  return (
    <div class="screen">
      <main class="screen-card" aria-labelledby="screen-title" aria-busy={busy}>
        <div class="screen-brand">
          <Logo size={28} />
          <span>Gatehouse</span>
          <span class="brand-tag">{product.tag}</span>
        </div>
        <h1 id="screen-title" class="screen-title">
          {busy && <span class="spinner" aria-hidden="true" />}
          {title}
        </h1>
        {children}
      </main>
    </div>
  );
}

export function Busy({ message }: { message: string }) {
  return <Screen title={message} busy />;
}

export function SignedOut({ onSignIn }: { onSignIn: () => void }) {
  return (
    <Screen title="You have signed out">
      <p class="screen-text">You are signed out of Gatehouse. Sign in again to manage app clients, users and keys.</p>
      <div class="screen-actions">
        <button type="button" class="btn btn-primary" onClick={onSignIn}>
          Sign in again
        </button>
      </div>
    </Screen>
  );
}

export function SignInProblem({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <Screen title="Sign-in did not complete">
      <p class="screen-text" role="alert">
        {message}
      </p>
      <div class="screen-actions">
        <button type="button" class="btn btn-primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    </Screen>
  );
}

/** The app could not load what it needs from the server; reloading is the way on. */
export function Unavailable({
  message,
  title = 'The console cannot start',
  product,
}: {
  message: string;
  title?: string;
  product?: { tag: string; name: string };
}) {
  return (
    <Screen title={title} {...(product ? { product } : {})}>
      <p class="screen-text" role="alert">
        {message}
      </p>
      <div class="screen-actions">
        <button type="button" class="btn btn-primary" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    </Screen>
  );
}

export function NoAccess({ who, signOutUrl }: { who: string; signOutUrl: string }) {
  return (
    <Screen title="You need administrator access">
      <p class="screen-text">
        You are signed in as <strong>{who}</strong>, but this account does not have the <code>admin</code> role, so it cannot use the
        Gatehouse console.
      </p>
      <p class="screen-text muted">
        Ask an administrator to give you the admin role, then sign in again — or sign in with another account.
      </p>
      <div class="screen-actions">
        <a class="btn btn-primary" href={signOutUrl}>
          Sign out
        </a>
      </div>
    </Screen>
  );
}

export function NotAMember({ account, who, accountsUrl }: { account: string; who: string; accountsUrl: string }) {
  return (
    <Screen title="You are not a member of this account">
      <p class="screen-text">
        You are signed in as <strong>{who}</strong>, who is not on the team of <code>{account}</code> (or no longer is).
      </p>
      <p class="screen-text muted">Ask one of its owners for an invitation link.</p>
      <div class="screen-actions">
        <a class="btn btn-primary" href={accountsUrl}>
          Your accounts
        </a>
      </div>
    </Screen>
  );
}
