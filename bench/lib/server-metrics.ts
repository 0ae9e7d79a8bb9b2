/** Gatehouse's count of the statements its store sent to the database (src/metrics.ts). */
export const STATEMENTS_COUNTER = 'gatehouse_database_statements_total';

/** The value of an unlabelled counter in a Prometheus text exposition; undefined when it is not there. */
export function counterValue(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) return undefined;
  const value = Number(line.slice(name.length + 1).trim());
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The server's statement count, read from its /metrics (served to loopback clients) before and after the measured
 * run: the difference over the units of work done is the round trips per operation. Scraping runs no statement.
 */
export async function readStatementCount(serverUrl: string): Promise<number> {
  const response = await fetch(new URL('/metrics', serverUrl));
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const value = counterValue(await response.text(), STATEMENTS_COUNTER);
  if (value === undefined) throw new Error(`GET /metrics has no ${STATEMENTS_COUNTER}`);
  return value;
}
