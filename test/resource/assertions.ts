import assert from 'node:assert/strict';
import { InvalidTokenError } from '@gatehouse/resource';

/** The verification fails as a bad token (RFC 6750 `invalid_token`) with exactly this description. */
export async function assertInvalid(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidTokenError, `expected InvalidTokenError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_token');
    assert.equal(error.message, message);
    return true;
  });
}
