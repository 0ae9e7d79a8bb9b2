/**
 * A page of a list and reading a list whole, page after page: what the server's lists answer and what the CLI and the
 * console read. Kept free of imports so that the console (console/src) shares it with the server.
 */

/** One page of a list; `next` is the `after` of the page that follows, null on the last. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The most a page of the admin API's lists holds. */
export const MAX_PAGE_SIZE = 200;

/** Every item of a paged list, page after page (the CLI prints whole lists; a picker in the console needs them all). */
export async function everyPage<T>(pageAfter: (after: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  do {
    const page = await pageAfter(after);
    all.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined);
  return all;
}
