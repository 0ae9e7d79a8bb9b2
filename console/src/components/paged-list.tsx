import { useEffect, useState } from 'preact/hooks';
import type { PageQuery } from '../api';
import { type Loaded, useLoad } from '../hooks';
import { SearchIcon } from './icons';
import { Pager } from './ui';

/** How many rows a list page shows. */
export const PAGE_SIZE = 50;
/** Typing pauses this long before the search is sent: one request per word, not per key. */
const SEARCH_DELAY_MS = 300;

export interface Pages<F, T> {
  /** What the list is narrowed to (a search, the audit log's filters). */
  filter: F;
  /** 0 for the first page. */
  page: number;
  loaded: Loaded<T>;
  /** A new filter starts again at the first page; the same one keeps the page. */
  setFilter(filter: F): void;
  hasNext: boolean;
  previous(): void;
  next(): void;
}

/**
 * A list read a page at a time with cursors: `cursors[i]` is the cursor page i starts after (undefined: from the
 * start). "Next" pushes the answer's `next`, "Previous" pops, so going back costs no cursor the server must keep.
 */
export function usePages<F, T extends { next: string | null }>(
  load: (filter: F, cursor: string | undefined) => Promise<T>,
  initial: F,
): Pages<F, T> {
  const [{ filter, cursors }, setView] = useState<{ filter: F; cursors: (string | undefined)[] }>({
    filter: initial,
    cursors: [undefined],
  });
  const page = cursors.length - 1;
  const loaded = useLoad(() => load(filter, cursors[page]), [JSON.stringify(filter), page]);
  const cursor = loaded.data?.next ?? undefined;
  return {
    filter,
    page,
    loaded,
    setFilter: (next) =>
      setView((view) => (JSON.stringify(view.filter) === JSON.stringify(next) ? view : { filter: next, cursors: [undefined] })),
    hasNext: cursor !== undefined,
    previous: () => setView((view) => ({ ...view, cursors: view.cursors.slice(0, -1) })),
    next: () => {
      if (cursor !== undefined) setView((view) => ({ ...view, cursors: [...view.cursors, cursor] }));
    },
  };
}

export interface SearchedPages<T> extends Pages<string, T> {
  /** What is in the search box; sent as the search once typing pauses, or at once with Enter. */
  typed: string;
  setTyped(text: string): void;
  searchNow(): void;
}

/** A list of the admin API (search, after, limit) with a search box: pages of PAGE_SIZE, searched on the server. */
export function useSearchedPages<T extends { next: string | null }>(load: (page: PageQuery) => Promise<T>): SearchedPages<T> {
  const [typed, setTyped] = useState('');
  const pages = usePages<string, T>((search, after) => load({ search: search || undefined, after, limit: PAGE_SIZE }), '');
  const searchNow = () => pages.setFilter(typed.trim());
  useEffect(() => {
    const timer = setTimeout(searchNow, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  return { ...pages, typed, setTyped, searchNow };
}

/** The search box above a list: a search landmark, labelled for screen readers, searching on the server. */
export function SearchBox<T>({ label, placeholder, list }: { label: string; placeholder: string; list: SearchedPages<T> }) {
  return (
    <search class="toolbar">
      <form
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          list.searchNow();
        }}
      >
        <label class="search-icon">
          <SearchIcon size={16} />
          <span class="sr-only">{label}</span>
          <input
            type="search"
            class="input"
            placeholder={placeholder}
            maxLength={100}
            value={list.typed}
            spellcheck={false}
            autoComplete="off"
            onInput={(event) => list.setTyped(event.currentTarget.value)}
          />
        </label>
      </form>
    </search>
  );
}

/** The pager under a list: "Page 2 · 50 users matching “ann”", Previous and Next. */
export function ListPager<F, T>({
  label,
  noun,
  count,
  list,
  matching,
  previousLabel,
  nextLabel,
}: {
  label: string;
  /** The singular and plural of what the list holds. */
  noun: [string, string];
  /** How many are on this page. */
  count: number;
  list: Pages<F, T>;
  /** The search the page is of, if any. */
  matching?: string;
  previousLabel?: string;
  nextLabel?: string;
}) {
  const shown = count ? ` · ${count} ${count === 1 ? noun[0] : noun[1]}` : '';
  return (
    <Pager
      label={label}
      summary={`Page ${list.page + 1}${shown}${matching ? ` matching “${matching}”` : ''}`}
      loading={list.loaded.loading}
      hasPrevious={list.page > 0}
      hasNext={list.hasNext}
      onPrevious={list.previous}
      onNext={list.next}
      {...(previousLabel ? { previousLabel } : {})}
      {...(nextLabel ? { nextLabel } : {})}
    />
  );
}
