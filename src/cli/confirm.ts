import { createInterface } from 'node:readline/promises';

/**
 * Asks a yes/no question on the terminal; only "y" or "yes" counts as yes. The question goes to stderr so that
 * `--json` keeps stdout to exactly one JSON document.
 */
export async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}
