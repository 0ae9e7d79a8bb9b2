/**
 * The `WWW-Authenticate` header read into challenges (RFC 9110 §11.6.1), and what a Bearer challenge (RFC 6750 §3)
 * means in words. Free of imports: the unit tests load it on its own.
 *
 *   WWW-Authenticate = #challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *   token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 */

export interface Challenge {
  /** As sent ("Bearer"); schemes compare case-insensitively. */
  scheme: string;
  /** Parameter names in lower case (they are case-insensitive); a name sent twice keeps its first value. */
  params: Record<string, string>;
  /** The other form a challenge may take (e.g. `Negotiate abc==`). */
  token68?: string;
}

/** tchar (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*/;
const OWS = /^[ \t]*/;

/** Every challenge of a `WWW-Authenticate` value; a SyntaxError (naming the position) for one that breaks the grammar. */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header;
  const at = () => header.length - rest.length;
  const skip = (pattern: RegExp) => {
    rest = rest.slice(pattern.exec(rest)?.[0].length ?? 0);
  };
  // Empty list elements (", ,") are allowed and ignored (RFC 9110 §5.6.1.2).
  const skipSeparators = () => {
    skip(/^[ \t,]*/);
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`WWW-Authenticate: ${what} at character ${at() + 1}`);
  };
  const quotedString = (): string => {
    let value = '';
    let index = 1; // after the opening DQUOTE
    for (; index < rest.length; index++) {
      const char = rest[index]!;
      if (char === '"') {
        rest = rest.slice(index + 1);
        return value;
      }
      if (char === '\\') {
        index++;
        if (index >= rest.length) break;
        value += rest[index]!;
        continue;
      }
      // qdtext excludes controls other than HTAB, and DEL.
      if ((char < ' ' && char !== '\t') || char === '\x7f') {
        rest = rest.slice(index);
        fail('a control character in a quoted string');
      }
      value += char;
    }
    rest = '';
    return fail('an unterminated quoted string');
  };
  /** True when `rest` starts an auth-param (`name =`), not a new challenge's scheme. */
  const startsParam = () => {
    const name = TOKEN.exec(rest)?.[0];
    return name !== undefined && /^[ \t]*=/.test(rest.slice(name.length));
  };

  skipSeparators();
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0] ?? fail('an authentication scheme expected');
    rest = rest.slice(scheme.length);
    const challenge: Challenge = { scheme, params: {} };
    challenges.push(challenge);
    if (/^[ \t,]*$/.test(rest)) break;
    if (rest[0] === ',') {
      skipSeparators();
      continue;
    }
    if (rest[0] !== ' ') fail('a space expected after the scheme');
    skip(/^ +/);
    const token68 = TOKEN68.exec(rest)?.[0];
    if (token68 !== undefined && /^[ \t]*(,|$)/.test(rest.slice(token68.length))) {
      challenge.token68 = token68;
      rest = rest.slice(token68.length);
      skipSeparators();
      continue;
    }
    // The auth-params, until the list's next element is a scheme rather than a parameter.
    for (;;) {
      const name = TOKEN.exec(rest)?.[0] ?? fail('a parameter name expected');
      rest = rest.slice(name.length);
      skip(OWS);
      if (rest[0] !== '=') fail('"=" expected after a parameter name');
      rest = rest.slice(1);
      skip(OWS);
      let value: string;
      if (rest[0] === '"') value = quotedString();
      else {
        value = TOKEN.exec(rest)?.[0] ?? fail('a parameter value expected');
        rest = rest.slice(value.length);
      }
      const key = name.toLowerCase();
      if (!(key in challenge.params)) challenge.params[key] = value;
      skip(OWS);
      if (rest.length === 0) break;
      if (rest[0] !== ',') fail('"," expected between parameters');
      skipSeparators();
      if (rest.length === 0 || !startsParam()) break;
    }
  }
  return challenges;
}

/** What an API's refusal means, in a sentence: its Bearer challenge's error code (RFC 6750 §3.1), else its schemes. */
export function explainChallenge(challenges: readonly Challenge[]): string {
  const bearer = challenges.find((challenge) => challenge.scheme.toLowerCase() === 'bearer');
  if (!bearer) {
    const schemes = challenges.map((challenge) => challenge.scheme).join(', ');
    return schemes ? `The API asks for ${schemes} authentication, not a bearer token.` : 'The API gave no challenge.';
  }
  const scopes = (bearer.params.scope ?? '').split(' ').filter(Boolean);
  switch (bearer.params.error) {
    case 'insufficient_scope':
      return scopes.length === 0
        ? 'The token lacks a scope that this operation needs.'
        : `The token lacks the scope${scopes.length > 1 ? 's' : ''} ${scopes.join(' ')} that this operation needs.`;
    case 'invalid_token':
      return 'The API refused the token: it is expired, revoked, malformed, or not for this API (its audience).';
    case 'invalid_request':
      return 'The API found the request malformed (for example, a token sent in two ways at once).';
    case undefined:
      // RFC 6750 §3.1: a request without any authentication gets a challenge with no error code.
      return 'The API wants a bearer token: the request carried none.';
    default:
      return `The API refused the request: ${bearer.params.error}.`;
  }
}
