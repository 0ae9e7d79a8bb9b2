import type { DeletionImpact } from '../admin/views.js';

/** "1 user", "3 users". */
export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "a", "a and b", "a, b and c". */
export const inWords = (parts: readonly string[]): string =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

/**
 * What deleting takes with it, from the counts of what goes (`nouns` names each in words, singular) and how the
 * sentence ends ("lose corpora:query", "go with it"); "" when every count is 0.
 */
export function deletionImpact(counts: Record<string, number>, nouns: Record<string, string>, ending: string): DeletionImpact {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => counted(n, nouns[key] ?? key));
  return { summary: parts.length === 0 ? '' : `${inWords(parts)} ${ending}`, counts };
}
