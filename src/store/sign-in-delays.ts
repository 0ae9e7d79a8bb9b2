import { randomBytes } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { delayAfter } from '../accounts/sign-in-delay.js';
import type { DelayClaim, DelaySchedule, SignInDelayStore } from '../ports/sign-in.js';
import type { Store } from './database.js';
import { type PurgePace, purgeInBatches, unpaced } from './purge.js';
import type { SignInDelaysTable } from './schema.js';

/**
 * delayAfter as SQL over `failures`, one `when` per doubling step (at most 17 from 1 s to 24 h), so that both databases
 * decide without a power function. The numbers come from the validated settings, never from a request, so they are
 * inlined as literals (PostgreSQL could not infer the type of parameters in a CASE alone).
 */
function delayAfterSql(schedule: DelaySchedule, failures: RawBuilder<number>): RawBuilder<number> {
  const steps: RawBuilder<unknown>[] = [sql`when ${failures} < ${sql.lit(schedule.freeFailures)} then 0`];
  for (let failed = schedule.freeFailures; delayAfter(schedule, failed) < schedule.maxDelayMs; failed++) {
    steps.push(sql`when ${failures} = ${sql.lit(failed)} then ${sql.lit(delayAfter(schedule, failed))}`);
  }
  return sql<number>`(case ${sql.join(steps, sql` `)} else ${sql.lit(schedule.maxDelayMs)} end)`;
}

/**
 * Failed sign-in counters with growing delays (OWASP Authentication Cheat Sheet: no hard lock the owner cannot pass),
 * kept in the store so that every server process sees the same state. Keys are opaque strings such as `user:alice`
 * or `ip:203.0.113.7`. A counter starts again after `quietPeriodMs` without a failure.
 */
export class SignInDelayRepository implements SignInDelayStore {
  constructor(
    private readonly store: Store,
    private readonly tenant: string,
    readonly quietPeriodMs: number,
  ) {}

  /**
   * Asks to evaluate one attempt for `key` and, when its delay has passed, counts the attempt as a failure at once,
   * all in one statement: of parallel attempts only as many are let through as the schedule allows (reading first and
   * writing after the check let 100 parallel guesses all be evaluated). Which attempt got through is told by the
   * random claim it wrote, since two claims in one millisecond would otherwise return the same row. A refused attempt
   * changes nothing, so it neither counts as a failure nor extends the delay. A success takes its failure back
   * (`withdraw` or `clear`); the failure it replaced is kept so that the delay can run from it again.
   */
  async claim(key: string, schedule: DelaySchedule, now = Date.now()): Promise<DelayClaim> {
    const claim = randomBytes(16).toString('base64url');
    // The row as it was: in ON CONFLICT DO UPDATE, every SET expression reads the conflicting row before the update.
    const old = (column: keyof SignInDelaysTable) => sql.ref<number | string>(`sign_in_delays.${column}`);
    const quiet = sql<boolean>`${old('last_failure_ms')} <= ${now - this.quietPeriodMs}`;
    // A free failure is due whatever the clocks say: `now` is read before the statement runs, so a parallel attempt
    // whose statement ran first may have stored a later time, and comparing with it refused an attempt (429) that no
    // delay applied to. Parallel sign-ins from one address, an office behind a NAT, hit that.
    const free = sql<boolean>`${old('failures')} < ${sql.lit(schedule.freeFailures)}`;
    const delayed = delayAfterSql(schedule, sql.ref<number>('sign_in_delays.failures'));
    const due = sql<boolean>`(${free} or ${old('last_failure_ms')} + ${delayed} <= ${now})`;
    const row = await this.store.db
      .insertInto('sign_in_delays')
      .values({ tenant_id: this.tenant, key, failures: 1, last_failure_ms: now, previous_failure_ms: 0, claim })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet({
          failures: sql`case when ${quiet} then 1 when ${due} then ${old('failures')} + 1 else ${old('failures')} end`,
          last_failure_ms: sql`case when ${quiet} or ${due} then ${now} else ${old('last_failure_ms')} end`,
          previous_failure_ms: sql`case when ${quiet} then 0 when ${due} then ${old('last_failure_ms')}
            else ${old('previous_failure_ms')} end`,
          claim: sql`case when ${quiet} or ${due} then ${claim} else ${old('claim')} end`,
        }),
      )
      .returning(['failures', 'last_failure_ms', 'claim'])
      .executeTakeFirstOrThrow();
    if (row.claim === claim) return { allowed: true, claim };
    return { allowed: false, retryAfterMs: Math.max(1, row.last_failure_ms + delayAfter(schedule, row.failures) - now) };
  }

  /**
   * Takes back the failure a claim counted, for an attempt that was not evaluated after all or succeeded. Unless
   * another attempt has claimed since, the delay runs from the failure before again: a success, or an attempt the
   * account refused, does not restart the address's delay for everyone behind it.
   */
  async withdraw(key: string, claim: string): Promise<void> {
    await this.store.db
      .updateTable('sign_in_delays')
      .set((eb) => ({
        failures: eb('failures', '-', 1),
        last_failure_ms: eb.case().when('claim', '=', claim).then(eb.ref('previous_failure_ms')).else(eb.ref('last_failure_ms')).end(),
      }))
      .where('key', '=', key)
      .where('tenant_id', '=', this.tenant)
      .where('failures', '>', 0)
      .execute();
  }

  async clear(key: string): Promise<void> {
    await this.store.db.deleteFrom('sign_in_delays').where('key', '=', key).where('tenant_id', '=', this.tenant).execute();
  }

  /** Forgets counters quiet for longer than the quiet period (they would start again anyway), in every tenant. */
  async purgeQuiet(now = Date.now(), pace: PurgePace = unpaced()): Promise<number> {
    return purgeInBatches(this.store, 'sign_in_delays', 'key', (eb) => eb('last_failure_ms', '<', now - this.quietPeriodMs), pace);
  }
}
