import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditFilterOf } from '../../../src/admin/audit-query.js';
import { ManagementError } from '../../../src/management/validation.js';

const refused = (query: Parameters<typeof auditFilterOf>[0], message: RegExp) =>
  assert.throws(
    () => auditFilterOf(query),
    (error: unknown) => error instanceof ManagementError && error.kind === 'invalid' && message.test(error.message),
  );

test('an action ending in a dot is a prefix; any other is exact; empty filters are none', () => {
  assert.deepEqual(auditFilterOf({ action: 'client.' }), { actionPrefix: 'client.' });
  assert.deepEqual(auditFilterOf({ action: 'client.created' }), { action: 'client.created' });
  assert.deepEqual(auditFilterOf({ actor: '', action: '', target: '' }), {});
  assert.deepEqual(auditFilterOf({ actor: 'cli:ops', target: 'abc' }), { actor: 'cli:ops', target: 'abc' });
});

test('since and until take ISO 8601 with an offset, a date alone (UTC), or epoch seconds', () => {
  assert.deepEqual(auditFilterOf({ since: '1796374800' }), { since: 1796374800 });
  assert.deepEqual(auditFilterOf({ since: '2026-12-04T10:00:00Z' }), { since: 1796378400 });
  assert.deepEqual(auditFilterOf({ since: '2026-12-04T11:00+01:00' }), { since: 1796378400 });
  assert.deepEqual(auditFilterOf({ until: '2026-12-04' }), { until: 1796342400 });
  // Events are recorded to the second: a fraction takes in the whole second on either side.
  assert.deepEqual(auditFilterOf({ since: '2026-12-04T10:00:00.5Z', until: '2026-12-04T10:00:01.5Z' }), {
    since: 1796378400,
    until: 1796378402,
  });
});

test('anything else is refused with what the field takes', () => {
  for (const since of ['yesterday', '2026-02-29', '2026-13-01', '2026-12-04T10:00', '2026-12-04 10:00Z', '2026-12-04T24:00Z', '-1', '1e9'])
    refused({ since }, /^since must be an ISO 8601 date or date-time with an offset .* or seconds since the epoch$/);
  refused({ until: 'later' }, /^until must be/);
  refused({ since: '2026-12-05', until: '2026-12-04' }, /^since must be before until$/);
  refused({ since: '2026-12-04', until: '2026-12-04' }, /^since must be before until$/);
});
