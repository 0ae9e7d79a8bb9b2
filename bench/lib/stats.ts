/** The median of some numbers (the mean of the middle two for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A plain-text table with a header row; numbers and ratios are right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** The median of the values that are there, with `digits` decimals; '-' for none. */
export function medianCell(values: readonly (number | undefined)[], digits = 0): string {
  const middle = median(values.filter((value): value is number => value !== undefined));
  return middle === undefined ? '-' : middle.toFixed(digits);
}

/** One measured run of a load in the tenants and instances scenarios. */
export interface LoadRunFigures {
  round: number;
  /** Requests per second (through every instance the run loads). */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, and connection errors, warm-up included: must be 0. */
  bad: number;
  /** Gatehouse's CPU time per request, in microseconds (every Gatehouse process of the run). */
  serverCpuMicrosPerRequest: number | undefined;
  /** PostgreSQL's CPU time per request (on PostgreSQL, found by its port as the other scenarios do). */
  databaseCpuMicrosPerRequest: number | undefined;
  /** CPU everything but the servers, PostgreSQL and this runner used meanwhile, as % of one core. */
  otherCpuPercent: number | undefined;
}

/** Table cells of several runs of one load: p50 and p99 ms, bad answers, CPU per request (and PostgreSQL's), other CPU %. */
export function loadRunCells(runs: readonly LoadRunFigures[], withDatabase: boolean): string[] {
  return [
    medianCell(
      runs.map((run) => run.p50Ms),
      1,
    ),
    medianCell(
      runs.map((run) => run.p99Ms),
      1,
    ),
    String(runs.reduce((sum, run) => sum + run.bad, 0)),
    medianCell(runs.map((run) => run.serverCpuMicrosPerRequest)),
    ...(withDatabase ? [medianCell(runs.map((run) => run.databaseCpuMicrosPerRequest))] : []),
    medianCell(runs.map((run) => run.otherCpuPercent)),
  ];
}

/** The lowest and highest rate of the runs, "1200-1450"; '-' for none. */
export const rateRange = (rates: readonly number[]): string =>
  rates.length ? `${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}` : '-';

/** CPU seconds read before or after a run: of the servers, of PostgreSQL, of the whole machine; undefined if unknown. */
export interface CpuReadings {
  server: number | undefined;
  database: number | undefined;
  machine: number | undefined;
}

/**
 * A run's CPU per request (servers, PostgreSQL) and what everything else used meanwhile (the machine's busy time less
 * the servers', PostgreSQL's and this runner's own), from readings taken around it.
 */
export function runCpuFigures(
  before: CpuReadings,
  after: CpuReadings,
  runner: NodeJS.CpuUsage,
  wallSeconds: number,
  requests: number,
): Pick<LoadRunFigures, 'serverCpuMicrosPerRequest' | 'databaseCpuMicrosPerRequest' | 'otherCpuPercent'> {
  const spent = (from: number | undefined, to: number | undefined) => (from !== undefined && to !== undefined ? to - from : undefined);
  const serverCpu = spent(before.server, after.server);
  const databaseCpu = spent(before.database, after.database);
  const machine = spent(before.machine, after.machine);
  const perRequest = (seconds: number | undefined) => (seconds === undefined || requests === 0 ? undefined : (1e6 * seconds) / requests);
  return {
    serverCpuMicrosPerRequest: perRequest(serverCpu),
    databaseCpuMicrosPerRequest: perRequest(databaseCpu),
    otherCpuPercent:
      serverCpu !== undefined && machine !== undefined
        ? Math.max(0, (100 * (machine - serverCpu - (databaseCpu ?? 0) - (runner.user + runner.system) / 1e6)) / wallSeconds)
        : undefined,
  };
}
