// RFC 6749 §5.2 and RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
const NOT_ALLOWED_IN_DESCRIPTION = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
/** A description may name what a request carried (refused scopes); it is cut so a response never reflects much of it. */
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * Text made fit for an `error_description` (and a challenge's quoted attribute): characters the RFCs do not allow
 * become `'`, and anything past 200 characters is cut with `...`.
 *
 * @example
 * safeDescription('the "demo" scope is required'); // "the 'demo' scope is required"
 */
export const safeDescription = (text: string): string => {
  const safe = text.replace(NOT_ALLOWED_IN_DESCRIPTION, "'");
  return safe.length <= MAX_DESCRIPTION_LENGTH ? safe : `${safe.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
};
