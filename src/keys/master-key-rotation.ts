import type { SealedKey, SealedKeyStore } from '../ports/keys.js';
import { pageKeyContext } from './page-keys.js';
import { seal, unsealIfOpens } from './sealed-box.js';

/** What the operator is told once keys were re-sealed: the previous secret has done its work. */
export const resealedNotice = (count: number): string =>
  `sealed ${count} keys again under the new GATEHOUSE_SECRET; remove GATEHOUSE_PREVIOUS_SECRET once every instance runs with it`;

const contextOf = (key: SealedKey): string => (key.kind === 'page-key' ? pageKeyContext(key.id) : key.id);

/**
 * GATEHOUSE_PREVIOUS_SECRET: every signing key and page key that opens with the previous master key (and not with the
 * current one) is sealed again under the current one, in one transaction, so the secret changes without losing a key.
 * What opens with neither is left alone; opening it later refuses the start as usual. Returns how many were re-sealed.
 */
export function resealUnderCurrentMasterKey(sealedKeys: SealedKeyStore, previous: Buffer, current: Buffer): Promise<number> {
  const opens = (masterKey: Buffer, key: SealedKey) => unsealIfOpens(masterKey, key.sealed, contextOf(key));
  return sealedKeys.resealAll((key) => {
    if (opens(current, key) !== undefined) return undefined;
    const plaintext = opens(previous, key);
    return plaintext === undefined ? undefined : seal(current, plaintext, contextOf(key));
  });
}
