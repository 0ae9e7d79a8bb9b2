import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CONSOLE_BASE, locate } from './base';

/** "/console" (or "/t/acme/console") — the app's routes below are paths relative to it ("/clients/abc"). */
export const BASE = CONSOLE_BASE.replace(/\/$/, '');

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

/** The current route: the path below /console (or below an account's /console/a/{id}), "/" at the root. */
export function currentPath(): string {
  return locate().path;
}

/** The address of a route, in `account`'s pages (the page's own account unless told; null: outside every account). */
export function href(path: string, account: string | null = locate().account ?? null): string {
  return `${BASE}${account ? `/a/${account}` : ''}${path}`;
}

export function navigate(path: string, options: { replace?: boolean; account?: string | null } = {}): void {
  const target = href(path, options.account === undefined ? (locate().account ?? null) : options.account);
  if (target === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  notify();
}

export function useRoute(): { path: string; search: URLSearchParams; account: string | undefined } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  const { path, account } = locate();
  return { path, search: new URLSearchParams(location.search), account };
}

/** Matches "/clients/:id" against a path; returns the decoded parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.replace(/\/$/, '').split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment.startsWith(':')) {
      try {
        params[segment.slice(1)] = decodeURIComponent(have[i]!);
      } catch {
        return undefined;
      }
    } else if (segment !== have[i]) return undefined;
  }
  return params;
}

interface LinkProps {
  to: string;
  /** Into another account's pages (null: outside every account); the page's own account when absent. */
  account?: string | null;
  children: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  onClick?: (event: MouseEvent) => void;
}

/** A real link (middle click, copy address, keyboard) that navigates inside the app on a plain click. */
export function Link({ to, onClick, account, ...props }: LinkProps) {
  return (
    <a
      {...props}
      href={href(to, account)}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to, account === undefined ? {} : { account });
      }}
    />
  );
}
