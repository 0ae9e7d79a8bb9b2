const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
const precise = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDateTime = (seconds: number) => dateTime.format(new Date(seconds * 1000));
export const formatExact = (seconds: number) => exact.format(new Date(seconds * 1000));
/** With seconds: for the audit log. */
export const formatPrecise = (seconds: number) => precise.format(new Date(seconds * 1000));

/** "JburJNQc9r…YqW4" for long ids in tight places; the full value belongs in a title. */
export const shortId = (id: string, keep = 10) => (id.length > keep + 6 ? `${id.slice(0, keep)}…${id.slice(-4)}` : id);

/** "3 minutes ago", "in 2 days". */
export function formatRelative(seconds: number, now = Date.now() / 1000): string {
  const delta = seconds - now;
  const abs = Math.abs(delta);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['week', 604_800],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return relative.format(Math.round(delta / size), unit);
  }
  return abs < 10 ? 'just now' : relative.format(Math.round(delta), 'second');
}

/** "30 minutes", "1 hour", "90 seconds". */
export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return plural(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const BROWSERS: [RegExp, string][] = [
  [/Edg\/(\d+)/, 'Edge'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/HeadlessChrome\/(\d+)/, 'Headless Chrome'],
  [/(?:Chrome|Chromium)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+).*Safari/, 'Safari'],
  [/^curl\/(\S+)/, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome 124 on Linux" from a User-Agent header; the raw value (shortened) when it is not recognised. */
export function describeUserAgent(agent: string | null): string {
  if (!agent) return 'Unknown';
  for (const [pattern, name] of BROWSERS) {
    const found = pattern.exec(agent);
    if (!found) continue;
    const system = SYSTEMS.find(([test]) => test.test(agent))?.[1];
    return `${name} ${found[1]}${system ? ` on ${system}` : ''}`;
  }
  return agent.length > 60 ? `${agent.slice(0, 57)}…` : agent;
}

/** A client's kind, from its grant types and authentication method. */
export function clientType(client: { grant_types: string[]; token_endpoint_auth_method: string }): string {
  if (client.token_endpoint_auth_method === 'none') return 'Single-page or native app';
  if (client.grant_types.includes('authorization_code'))
    return client.grant_types.includes('client_credentials') ? 'Web app and machine' : 'Web application';
  return 'Machine to machine';
}

export const splitList = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

export const splitLines = (text: string) =>
  text
    .split(/\n/)
    .map((item) => item.trim())
    .filter(Boolean);
