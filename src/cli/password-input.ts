import { ManagementError } from '../management/validation.js';
import type { Io } from './program.js';

/** How `users create` was told to take the password. */
export interface PasswordOptions {
  passwordStdin?: boolean;
  /** Kept for old scripts only: a password on the command line is visible in the process list and shell history. */
  password?: string;
}

const COMMAND_LINE_PASSWORD_WARNING =
  'gatehouse: warning: --password puts the password in the process list and the shell history; use --password-stdin or the prompt\n';

/**
 * The new user's password: all of stdin with --password-stdin (one trailing newline, as `echo` or a here-string adds,
 * is not part of it), else asked twice at the terminal without echo (ASVS V2: never required on the command line).
 * Empty is refused here; the password policy judges the rest.
 */
export async function readNewPassword(options: PasswordOptions, io: Io): Promise<string> {
  if (options.passwordStdin && options.password !== undefined) {
    throw new ManagementError('give the password either on stdin or with --password, not both');
  }
  const password = await (async () => {
    if (options.passwordStdin) return (await io.readStdin()).replace(/\r?\n$/, '');
    if (options.password !== undefined) {
      io.stderr(COMMAND_LINE_PASSWORD_WARNING);
      return options.password;
    }
    if (!io.readSecret) throw new ManagementError('stdin is not a terminal: give the password on stdin with --password-stdin');
    const first = await io.readSecret('Password: ');
    if (first === '') return first;
    if ((await io.readSecret('Password again: ')) !== first) throw new ManagementError('the two passwords do not match; nothing changed');
    return first;
  })();
  if (password === '') throw new ManagementError('the password is empty; nothing changed');
  return password;
}
