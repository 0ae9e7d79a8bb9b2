import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goalFor, SCENARIO_GOALS } from '../../../bench/lib/goals.js';
import { formatRatio, judge, MAX_SPREAD, MIN_ROUNDS_FOR_VERDICT, pairedRatios } from '../../../bench/lib/ratios.js';

const rounds = (...values: (number | undefined)[]) => values.map((value, index) => ({ round: index + 1, value }));

describe('per-round ratios of the bench report', () => {
  test("pair each round's runs, not the medians of each target", () => {
    // The subject's median (200) over the baseline's median (100) would be 2; the rounds say 2.5, 1.6 and 3.
    const summary = pairedRatios(rounds(250, 160, 300), rounds(100, 100, 100));
    assert.deepEqual(
      summary.perRound.map((entry) => entry.ratio),
      [2.5, 1.6, 3],
    );
    assert.equal(summary.median, 2.5);
    assert.equal(summary.min, 1.6);
    assert.equal(summary.max, 3);
    assert.equal(summary.spread, 3 / 1.6);
    // Paired by round number, whatever the order the runs are listed in.
    const shuffled = pairedRatios([...rounds(250, 160, 300)].reverse(), rounds(100, 50, 200));
    assert.deepEqual(shuffled.perRound, [
      { round: 3, ratio: 1.5 },
      { round: 2, ratio: 3.2 },
      { round: 1, ratio: 2.5 },
    ]);
    assert.equal(shuffled.median, 2.5);
  });

  test('leave out a round that either side did not measure, and an even count takes the mean of the middle two', () => {
    const summary = pairedRatios(rounds(200, undefined, 300, 240, 220), [...rounds(100, 100, 100, 0), { round: 6, value: 100 }]);
    assert.deepEqual(
      summary.perRound.map((entry) => entry.round),
      [1, 3],
    );
    assert.equal(summary.median, 2.5);
    assert.deepEqual(pairedRatios(rounds(undefined), rounds(100)), {
      perRound: [],
      median: undefined,
      min: undefined,
      max: undefined,
      spread: undefined,
      tooNoisy: false,
    });
  });

  test('a spread wider than MAX_SPREAD is too noisy; at the limit it is not', () => {
    assert.equal(MAX_SPREAD, 1.35);
    assert.equal(pairedRatios(rounds(100, 135), rounds(100, 100)).tooNoisy, false);
    assert.equal(pairedRatios(rounds(100, 136), rounds(100, 100)).tooNoisy, true);
    // The spread is of the ratios: both targets slowed down together in round 2, and the pair stays steady.
    const together = pairedRatios(rounds(200, 100, 210), rounds(100, 50, 100));
    assert.equal(together.tooNoisy, false);
    assert.ok(Math.abs(together.spread! - 1.05) < 1e-9);
  });

  test('judge the median against the goal, unless errors, too few rounds or too wide a spread forbid it', () => {
    const steady = pairedRatios(rounds(260, 250, 270, 255, 265), rounds(100, 100, 100, 100, 100));
    assert.equal(judge(steady, 2.5, false), 'met');
    assert.equal(judge(steady, 2.7, false), 'not met');
    assert.equal(judge(steady, 2.5, true), 'invalid: errors');
    const noisy = pairedRatios(rounds(300, 180, 260), rounds(100, 100, 100));
    assert.equal(judge(noisy, 1, false), 'too noisy to judge', 'even when every round is above the goal');
    const short = pairedRatios(
      rounds(...Array(MIN_ROUNDS_FOR_VERDICT - 1).fill(300)),
      rounds(...Array(MIN_ROUNDS_FOR_VERDICT - 1).fill(100)),
    );
    assert.equal(judge(short, 2.5, false), 'too few rounds to judge');
    assert.equal(judge(pairedRatios([], []), 2.5, false), 'not measured');
  });

  test('print the median with its range', () => {
    assert.equal(formatRatio(pairedRatios(rounds(250, 160, 300), rounds(100, 100, 100))), '2.50x (1.60-3.00)');
    assert.equal(formatRatio(pairedRatios(rounds(207), rounds(100))), '2.07x');
    assert.equal(formatRatio(undefined), '-');
    assert.equal(formatRatio(pairedRatios([], [])), '-');
  });

  test("issue 14's goals, by scenario name, per database where they differ", () => {
    const refresh = SCENARIO_GOALS.refresh_token!.ratios[0]!;
    assert.equal(goalFor(refresh, 'gatehouse-sqlite'), 1.5);
    assert.equal(goalFor(refresh, 'gatehouse-postgres'), 1.0);
    assert.equal(goalFor(refresh, 'gatehouse-other'), undefined);
    const credentials = SCENARIO_GOALS.client_credentials!;
    assert.deepEqual(
      credentials.ratios.map((goal) => [goal.against, goalFor(goal, 'gatehouse-postgres')]),
      [
        ['oidc-provider', 2.5],
        ['floor', 0.95],
      ],
    );
    assert.equal(credentials.zeroErrors, true);
    assert.equal(goalFor(SCENARIO_GOALS.code_flow_returning!.ratios[0]!, 'gatehouse-sqlite'), 2);
    assert.equal(goalFor(SCENARIO_GOALS.code_flow!.ratios[0]!, 'gatehouse-sqlite'), 1);
    assert.equal(goalFor(SCENARIO_GOALS.introspection!.ratios[0]!, 'gatehouse-sqlite'), 1.5);
  });
});
