import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/** Secrets asked at the terminal; `close()` gives the terminal back. */
export interface TerminalSecrets {
  readSecret(question: string): Promise<string>;
  close(): void;
}

/**
 * Asks for secrets on the terminal without echoing them: readline keeps the terminal in raw mode and writes what is
 * typed to an output that discards it, so a secret never reaches the screen or the scrollback. One readline serves
 * every question, so that a second line typed (or pasted) ahead is not lost, nor echoed between two questions.
 * Questions go to stderr, like every prompt, so that stdout keeps only the command's result. Ctrl-C ends the process
 * as it would without the prompt.
 */
export function terminalSecrets(): TerminalSecrets {
  let terminal: Interface | undefined;
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const open = (): Interface => {
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    const opened = createInterface({ input: process.stdin, output: discard, terminal: true });
    opened.on('line', (line) => {
      process.stderr.write('\n');
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    });
    opened.on('SIGINT', () => {
      opened.close();
      process.stderr.write('\n');
      process.kill(process.pid, 'SIGINT');
    });
    return opened;
  };
  return {
    readSecret(question) {
      terminal ??= open();
      process.stderr.write(question);
      const typed = lines.shift();
      return typed === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(typed);
    },
    close: () => terminal?.close(),
  };
}

/** Everything on stdin as text, for `--password-stdin`. */
export async function readAllStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin.setEncoding('utf8')) text += chunk as string;
  return text;
}
