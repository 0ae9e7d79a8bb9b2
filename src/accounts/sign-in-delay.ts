import type { DelaySchedule } from '../ports/sign-in.js';

/**
 * The wait after `failures` failures in a row: none while they are free, then doubling from the first delay up to
 * the longest. One rule for every store of the counters (SQL in store/sign-in-delays.ts, Maps in src/memory).
 */
export function delayAfter(schedule: DelaySchedule, failures: number): number {
  if (failures < schedule.freeFailures) return 0;
  return Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** (failures - schedule.freeFailures));
}
