import { randomInt } from 'node:crypto';
import type { PurgeReport } from './gatehouse.js';

/** The first purge comes within this long of start, so a backlog left by a stopped server goes soon. */
const FIRST_PURGE_WITHIN_MS = 60_000;
/** A purge that stopped at its time limit is followed this soon (not an interval later), until the backlog is gone. */
const CONTINUE_AFTER_MS = 5_000;

/** What the schedule logs with: pino's (Fastify's) logger fits. */
export interface PurgeLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface PurgeSchedule {
  /** No further purge starts; resolves once one under way has finished. */
  stop(): Promise<void>;
}

/**
 * Purges soon after start and then every `intervalMs`. Each wait is drawn at random (the first from up to a
 * minute, or the interval if shorter; the next from 90-110 % of the interval) so that a fleet started together
 * does not purge in lock step. A process runs one purge at a time; one that fails is logged and the next still
 * comes. A purge that stopped at its time limit with a backlog left goes on CONTINUE_AFTER_MS later, so a big backlog
 * goes in bounded runs with breaks between them. Purges in several processes at once are harmless (see store/purge.ts).
 */
export function schedulePurges(purge: () => Promise<PurgeReport>, intervalMs: number, log: PurgeLog): PurgeSchedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const wait = (ms: number) => {
    timer = setTimeout(run, Math.max(1, ms));
    timer.unref();
  };
  const run = () => {
    let backlogLeft = false;
    running = purge()
      .then(
        ({ deleted, complete, sqlite }) => {
          backlogLeft = !complete;
          if (Object.values(deleted).some((count) => count > 0))
            log.info(
              { deleted, complete, ...(sqlite ? { sqlite: sqlite.after } : {}) },
              complete ? 'purged expired records' : 'purged expired records up to the time limit; going on shortly',
            );
        },
        (error: unknown) => log.warn({ err: error }, 'purging expired records failed; trying again at the next interval'),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        wait(
          backlogLeft ? Math.min(CONTINUE_AFTER_MS, intervalMs) : randomInt(Math.floor(intervalMs * 0.9), Math.ceil(intervalMs * 1.1) + 1),
        );
      });
  };
  wait(randomInt(Math.min(FIRST_PURGE_WITHIN_MS, intervalMs) + 1));
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
