import { writeSync } from 'node:fs';

/** How often, and how long each time, a write that would block (a full pipe) is retried before the line is dropped. */
const BLOCKED_WRITE_RETRIES = 20;
const BLOCKED_WRITE_PAUSE_MS = 5;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Where log lines go: a file descriptor (stdout by default), written synchronously. A line that cannot be written
 * (ENOSPC on a full log disk, EPIPE when the reader went away, EIO) is dropped and reported to `onFailure`; it
 * never becomes an 'error' event that would end the process, and the next line is tried afresh, so logging
 * resumes by itself once the disk has room again. Only failed lines are lost, never the server.
 */
export class LogDestination {
  constructor(
    private readonly onFailure: (code: string) => void,
    private readonly fd = 1,
  ) {}

  write(line: string): void {
    let rest = Buffer.from(line);
    let blocked = 0;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
        // A non-blocking pipe (stdout read by a slow process) is full for a moment: wait briefly, as pino's own
        // destination does, rather than drop the line.
        if (code === 'EAGAIN' && blocked++ < BLOCKED_WRITE_RETRIES) {
          Atomics.wait(pause, 0, 0, BLOCKED_WRITE_PAUSE_MS);
          continue;
        }
        this.onFailure(code);
        return;
      }
    }
  }
}
