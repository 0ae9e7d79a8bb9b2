/** Usernames compare case-insensitively, so they are stored folded. */
export const normalizeUsername = (username: string): string => username.trim().toLowerCase();
