import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { PurgeReport } from '../../src/gatehouse.js';
import { schedulePurges } from '../../src/purge-schedule.js';

const report = (complete: boolean): PurgeReport => ({
  deleted: {
    revoked_tokens: 1,
    authorization_codes: 0,
    grant_access_tokens: 0,
    refresh_tokens: 0,
    grants: 0,
    interactions: 0,
    sessions: 0,
    login_throttle: 0,
    sign_in_delays: 0,
    sign_in_devices: 0,
    audit_events: 0,
    invitations: 0,
    setup_codes: 0,
  },
  complete,
});

/** Lets the purge's promise chain (then, finally) run after a timer fired. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('a purge that stopped at its time limit is followed within 5 s, not an interval later; then the interval again', async () => {
  const answers = [false, false, true, true];
  let runs = 0;
  const messages: string[] = [];
  const log = { info: (_: object, message: string) => messages.push(message), warn: () => {} };
  const schedule = schedulePurges(async () => report(answers[runs++]!), 600_000, log);

  mock.timers.tick(60_000); // the first comes within a minute of start
  await settle();
  assert.equal(runs, 1);
  mock.timers.tick(5_000);
  await settle();
  assert.equal(runs, 2, 'a backlog left: the next run 5 s later');
  mock.timers.tick(5_000);
  await settle();
  assert.equal(runs, 3);
  mock.timers.tick(5_000);
  await settle();
  assert.equal(runs, 3, 'the backlog is gone: no run before the interval');
  mock.timers.tick(660_000);
  await settle();
  assert.equal(runs, 4);
  assert.deepEqual(messages, [
    'purged expired records up to the time limit; going on shortly',
    'purged expired records up to the time limit; going on shortly',
    'purged expired records',
    'purged expired records',
  ]);
  mock.timers.reset();
  await schedule.stop();
});
