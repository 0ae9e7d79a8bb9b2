import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { counterValue, STATEMENTS_COUNTER } from '../../../bench/lib/server-metrics.js';

describe("reading Gatehouse's statement counter off /metrics (bench)", () => {
  const exposition = [
    `# HELP ${STATEMENTS_COUNTER} Statements sent to the database`,
    `# TYPE ${STATEMENTS_COUNTER} counter`,
    `${STATEMENTS_COUNTER} 1234`,
    `${STATEMENTS_COUNTER}_other 9`,
    'gatehouse_tokens_issued_total{grant_type="client_credentials"} 5',
  ].join('\n');

  test('the value of the unlabelled counter, not of a longer name that starts with it', () => {
    assert.equal(counterValue(exposition, STATEMENTS_COUNTER), 1234);
    assert.equal(counterValue(exposition, `${STATEMENTS_COUNTER}_other`), 9);
  });

  test('undefined when the counter is missing or its value is not a number', () => {
    assert.equal(counterValue(exposition, 'gatehouse_missing_total'), undefined);
    assert.equal(counterValue(`${STATEMENTS_COUNTER} NaN`, STATEMENTS_COUNTER), undefined);
  });
});
