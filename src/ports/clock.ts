/**
 * The time, in whole seconds since the epoch (the unit of every JWT `iat`/`exp` and of every stored timestamp). A port so
 * that a unit test can move time past a code's expiry or a reuse window without waiting.
 */
export interface Clock {
  nowSeconds(): number;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const systemClock: Clock = { nowSeconds };
