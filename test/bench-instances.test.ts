import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measureInstances, renderInstances, runInstances } from '../bench/scenarios/instances.js';
import { backends } from './helpers/backends.js';

/**
 * The bench's instances scenario (issue 14 item 6), run short against the real `gatehouse serve` twice on one
 * PostgreSQL database: every layout measured with good answers only, both instances taking load in A + B, and every
 * consistency probe made and seen. No time is asserted: the figures are the bench's to report.
 */
for (const backend of backends().filter((b) => b.name === 'postgres')) {
  describe('bench scenario instances: two gatehouse serve processes on one PostgreSQL', () => {
    test('measures A alone and A + B for both workloads and probes every change across them', async () => {
      const result = await measureInstances({
        env: process.env,
        postgresServer: backend.postgresUrl!,
        connections: 4,
        refreshLoops: 2,
        duration: 2,
        warmup: 0,
        rounds: 1,
      });
      assert.equal(result.runs.length, 4);
      for (const workload of ['client_credentials', 'refresh_token'] as const) {
        const one = result.runs.find((run) => run.workload === workload && run.layout === 'A alone')!;
        const both = result.runs.find((run) => run.workload === workload && run.layout === 'A + B')!;
        assert.equal(one.perInstance.length, 1);
        assert.equal(both.perInstance.length, 2);
        assert.ok(one.perSecond > 0 && both.perInstance.every((rate) => rate > 0), `${workload}: every instance of a layout answered`);
        assert.equal(one.bad + both.bad, 0, `${workload}: no bad answers`);
        assert.ok(result.ratios[workload].sumVsOne! > 0);
      }
      // One rotation under client_credentials, one reuse under refresh, revocations around both: all seen across.
      assert.equal(result.rotationJwks.probes, 1);
      assert.equal(result.rotationSigning.probes, 1);
      assert.equal(result.refreshReuse.probes, 1);
      assert.ok(result.revocation.probes >= 1);
      assert.ok(result.newKeyTokens.signed >= 3);
      assert.equal(result.newKeyTokens.missingFromJwksOfB + result.newKeyTokens.inactiveAtB, 0);
      const table = renderInstances(result);
      assert.match(table, /client_credentials\s+A \+ B/);
      assert.match(table, /refresh token reused -> family inactive at both\s+1\s+/);
    });

    test('is skipped with the reason without PostgreSQL, and measures nothing', async () => {
      const lines: string[] = [];
      const report = await runInstances(
        { env: process.env, postgresServer: undefined, connections: 1, refreshLoops: 1, duration: 1, warmup: 0, rounds: 1 },
        20,
        (line) => lines.push(line),
      );
      assert.equal(report.status, 'skipped');
      assert.match(report.reason!, /TEST_DATABASE_URL/);
      assert.equal(report.result, undefined);
      assert.deepEqual(lines, []);
    });
  });
}
