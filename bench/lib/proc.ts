import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every mainstream Linux build (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Resident set sizes of a process in bytes, from /proc/<pid>/status (Linux); undefined where that is unreadable. */
export function readRss(pid: number): { rss: number; peak: number } | undefined {
  const status = read(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const rss = kib('VmRSS');
  if (rss === undefined) return undefined;
  return { rss, peak: Math.max(rss, kib('VmHWM') ?? 0) };
}

/** CPU time (user + system, all threads) a process has used so far, in seconds; undefined off Linux. */
export function readCpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after "(comm) ": state is field 3, utime field 14, stime field 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS : undefined;
}

/** Watches a process: its peak RSS (kernel high-water mark VmHWM, or the largest sample) and the CPU it uses. */
export class ProcessMonitor {
  private peakBytes: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), intervalMs);
    this.timer.unref();
  }

  private sampleRss(): void {
    const reading = readRss(this.pid);
    if (reading) this.peakBytes = Math.max(this.peakBytes ?? 0, reading.peak);
  }

  /** CPU seconds used so far by the process. */
  cpuSeconds(): number | undefined {
    return readCpuSeconds(this.pid);
  }

  /** Takes a last sample and stops; the peak RSS in bytes, or undefined when /proc is not available. */
  stop(): number | undefined {
    clearInterval(this.timer);
    this.sampleRss();
    return this.peakBytes;
  }
}

/** CPU seconds the whole machine has spent busy (everything but idle and iowait) across all CPUs; undefined off Linux. */
export function readMachineBusySeconds(): number | undefined {
  const stat = read('/proc/stat');
  const line = stat?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 5 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return (total - ticks[3]! - ticks[4]!) / CLOCK_TICKS;
}

/**
 * Waits until the machine has been nearly idle (busy below `thresholdPercent` of one core) for a whole second, or
 * until `maxSeconds` have passed. Resolves to whether it became quiet. Used between targets on shared machines.
 */
export async function waitForQuiet(maxSeconds: number, thresholdPercent = 10): Promise<boolean> {
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const before = readMachineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readMachineBusySeconds();
    if (before === undefined || after === undefined) return false;
    if (100 * (after - before) < thresholdPercent) return true;
  }
  return false;
}

function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds used so far by the PostgreSQL server listening on `port` (found by the `-p <port>` on its postmaster's
 * command line, as scripts/with-postgres.sh starts it): the postmaster, its live children (backends, WAL writer,
 * checkpointer…) and the children it has already reaped. Undefined when no such server is found (e.g. a PostgreSQL
 * started without -p, or on another machine).
 */
export function readPostgresCpuSeconds(port: number): number | undefined {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const postmaster = pids.find((pid) => {
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (!cmdline) return false;
    const args = cmdline.split('\0');
    return (
      /(^|\/)postgres$/.test(args[0] ?? '') && args.some((arg, i) => (arg === '-p' && args[i + 1] === String(port)) || arg === `-p${port}`)
    );
  });
  if (postmaster === undefined) return undefined;
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (!fields) continue;
    // ppid is field 4, utime 14, stime 15, cutime 16, cstime 17 (proc(5)); fields[] starts at field 3.
    if (pid === postmaster) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}
