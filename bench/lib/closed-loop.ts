import { performance } from 'node:perf_hooks';
import { ConnectionError, StepError } from './http.js';
import type { LoadResult } from './load.js';

export interface ClosedLoopOptions {
  /** Loops running at once; each starts its next iteration as soon as the previous one ends. */
  loops: number;
  /** Seconds; no iteration starts after that, and the ones under way are waited for. */
  duration: number;
  /** Also ends the load (checked before each iteration): after a number of iterations, or when other work is done. */
  until?: () => boolean;
}

/**
 * One iteration of a loop (a whole code flow, or one refresh); resolves to the HTTP requests it made. Throws
 * StepError for an answer with a wrong status or body, ConnectionError for a connection error.
 */
export type Iteration = (loop: number) => Promise<number>;

/** Percentile by nearest rank of sorted values (ms), rounded to 0.01 ms. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 100) / 100;
}

/**
 * A closed-loop load: `loops` workers, each repeating `iteration` for `duration` seconds. Unlike autocannon it can
 * drive multi-step work (a whole authorization code flow is one iteration) and carry state between iterations
 * (the refresh token each loop holds). Rates are completed iterations over the wall time until the last one ended.
 */
export async function runClosedLoop(iteration: Iteration, options: ClosedLoopOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const errorSamples: string[] = [];
  let non2xx = 0;
  let errors = 0;
  let httpRequests = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.duration * 1000;
  const note = (message: string) => {
    if (errorSamples.length < 5) errorSamples.push(message);
  };

  const loop = async (index: number) => {
    while (performance.now() < deadline && !options.until?.()) {
      const began = performance.now();
      try {
        // Not `httpRequests += await …`: that reads the sum before the await and loses the other loops' additions.
        const made = await iteration(index);
        httpRequests += made;
        latencies.push(performance.now() - began);
      } catch (error) {
        if (error instanceof StepError) {
          non2xx++;
          const key = `${error.step} ${error.status}`;
          statusCodes[key] = (statusCodes[key] ?? 0) + 1;
          note(error.message);
        } else if (error instanceof ConnectionError) {
          errors++;
          note(`connection: ${error.message}`);
          // A refused connection fails at once; do not spin.
          await new Promise((resolve) => setTimeout(resolve, 10));
        } else {
          throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.loops }, (_, index) => loop(index)));
  const seconds = (performance.now() - startedAt) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : 0;
  return {
    requests: latencies.length + non2xx,
    requestsPerSecond: latencies.length / seconds,
    ok: latencies.length,
    non2xx,
    errors,
    latencyMs: {
      mean: Math.round(mean * 100) / 100,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    },
    statusCodes,
    durationSeconds: seconds,
    httpRequests,
    errorSamples,
  };
}
