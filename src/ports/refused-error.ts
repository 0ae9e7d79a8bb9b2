/**
 * A request the core cannot carry out as asked, through the asker's fault: the message says what to change. `kind`
 * says how it failed, so that every edge answers alike (400, 403, 404 or 409 over HTTP; one line from the CLI).
 */
export class RefusedError extends Error {
  override name = 'RefusedError';

  constructor(
    message: string,
    readonly kind: 'invalid' | 'not_found' | 'conflict' | 'forbidden' = 'invalid',
  ) {
    super(message);
  }
}
