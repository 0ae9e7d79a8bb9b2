import { StoreUnavailableError } from '../ports/storage-errors.js';

/** How soon the first probe follows an outage, and the longest wait between probes while it lasts. */
export interface ProbeBackoff {
  firstMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: ProbeBackoff = { firstMs: 250, maxMs: 5000 };

/**
 * Whether a database is known to be down. A connection-level failure marks it unavailable; from then on work that
 * needs it fails at once with StoreUnavailableError (a 503 at the edge) instead of each request waiting for its own
 * timeout, and a background probe retries with exponential backoff until the database answers again. Recovery is
 * reported so that the store can tell its caches to reload: changes made elsewhere during the outage were not heard.
 */
export class Availability {
  private down: string | undefined;
  private delayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** Resolves when the database answers; rejects otherwise. Must be bounded in time. */
    private readonly probe: () => Promise<void>,
    private readonly onRecovered: () => void,
    private readonly backoff: ProbeBackoff = DEFAULT_BACKOFF,
  ) {}

  /** Why the database is unavailable, or undefined while it is believed to work. */
  get reason(): string | undefined {
    return this.down;
  }

  /** Throws while the database is known to be down, so that nobody queues work for it. */
  assertAvailable(): void {
    if (this.down !== undefined) throw new StoreUnavailableError(this.down);
  }

  markUnavailable(reason: string): void {
    if (this.down !== undefined || this.closed) return;
    this.down = reason;
    this.delayMs = this.backoff.firstMs;
    this.scheduleProbe();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private scheduleProbe(): void {
    this.timer = setTimeout(() => void this.runProbe(), this.delayMs);
    // A probe must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    try {
      await this.probe();
    } catch {
      if (this.closed) return;
      this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
      this.scheduleProbe();
      return;
    }
    if (this.closed) return;
    this.down = undefined;
    this.onRecovered();
  }
}
