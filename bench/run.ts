/**
 * `npm run bench`: token-endpoint throughput of Gatehouse beside node-oidc-provider and a floor server (plain
 * node:http + one ES256 signature), measured in the same run on the same machine with autocannon.
 *
 * Each server runs in its own child process, one at a time: start, wait for its ready line, check one request is
 * answered correctly (so a run never measures errors), warm up, measure, stop. With --rounds N the targets alternate
 * (A B C, A B C, …) and the median round is reported. The load generator shares the CPU with the server, so absolute
 * numbers say little; the ratios between servers in one run are the result.
 *
 *   node dist/bench/run.js [--duration 10] [--connections 32] [--warmup 2] [--rounds 1] [--only a,b] [--cpu-prof]
 *                          [--wait-quiet S]
 *
 * Besides req/s and latency it reports each server's CPU time per response (steadier than req/s when the machine is
 * shared) and the CPU everything else used meanwhile ("other CPU %"; includes PostgreSQL for gatehouse-postgres), so a
 * noisy run shows itself. --wait-quiet S waits up to S seconds before each target for the machine to be idle.
 * --cpu-prof writes a V8 CPU profile of each server to bench/results/profiles-<timestamp>/.
 *
 * PostgreSQL is measured when TEST_DATABASE_URL or DATABASE_URL names a server (each run gets a fresh database):
 *   bash scripts/with-postgres.sh node dist/bench/run.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ServerProcess, stopAll } from './lib/child.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { ProcessMonitor, readMachineBusySeconds, waitForQuiet } from './lib/proc.js';
import { formatTable, median } from './lib/stats.js';
import { clientCredentials } from './scenarios/client-credentials.js';
import type { Scenario } from './scenarios/scenario.js';

interface Options {
  duration: number;
  connections: number;
  warmup: number;
  rounds: number;
  only: string[] | undefined;
  cpuProf: boolean;
  /** Before each target, wait up to this many seconds for other processes to leave the CPUs alone. */
  waitQuiet: number;
}

interface Target {
  name: string;
  /** Compiled server script, relative to this file. */
  server: 'gatehouse' | 'oidc-provider' | 'floor';
  /** Environment changes for the server process; `undefined` removes a variable. */
  env: Record<string, string | undefined>;
  /** Whether a wrong client secret must be refused (the floor authenticates nobody). */
  authenticates: boolean;
  /** Why the target is not run, when it is not. */
  skip?: string;
}

interface RoundResult {
  round: number;
  requestsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  peakRssBytes: number | undefined;
  /** CPU the server process used during the measured run, as % of one core (user + system, all threads). */
  serverCpuPercent: number | undefined;
  /** Server CPU time per response, in microseconds: less sensitive than req/s to a saturated load generator. */
  serverCpuMicrosPerRequest: number | undefined;
  /** CPU the runner (autocannon) used during the measured run, as % of one core; near 100 means it was the limit. */
  loadGeneratorCpuPercent: number;
  /**
   * CPU used by everything else on the machine during the measured run, as % of one core. It competes with the
   * server and the load generator, so rounds with a high value are noisy; compare it between targets.
   */
  otherCpuPercent: number | undefined;
  warmup: { requestsPerSecond: number; non2xx: number; errors: number };
  verified: string;
}

interface TargetReport {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  rounds: RoundResult[];
  failures: string[];
  median?: {
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    peakRssBytes: number | undefined;
    serverCpuPercent: number | undefined;
    serverCpuMicrosPerRequest: number | undefined;
    loadGeneratorCpuPercent: number;
    otherCpuPercent: number | undefined;
  };
  /** Summed over all rounds, warm-up included. */
  totals: { non2xx: number; errors: number };
}

const GATEHOUSE_PREFIX = 'gatehouse-';
const BASELINE = 'oidc-provider';
const FLOOR = 'floor';
/** DESIGN.md §3. */
const GOALS = { vsOidcProvider: 3, vsFloor: 0.9 };
/** Other processes using more than this % of one core during a measured run make that run suspect. */
const NOISE_THRESHOLD = 20;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'wait-quiet': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/run.js [--duration S] [--connections N] [--warmup S] [--rounds N] [--only t1,t2] [--cpu-prof] [--wait-quiet S]\n',
    );
    process.exit(0);
  }
  const integer = (name: string, raw: string, min: number, max: number) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return Number(raw);
  };
  return {
    duration: integer('duration', values.duration, 1, 3600),
    connections: integer('connections', values.connections, 1, 10_000),
    warmup: integer('warmup', values.warmup, 0, 600),
    rounds: integer('rounds', values.rounds, 1, 100),
    only: values.only?.split(',').map((name) => name.trim()).filter(Boolean),
    cpuProf: values['cpu-prof'],
    waitQuiet: integer('wait-quiet', values['wait-quiet'], 0, 3600),
  };
}

function targets(): Target[] {
  const postgresUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  return [
    { name: 'gatehouse-sqlite', server: 'gatehouse', env: { DATABASE_URL: undefined }, authenticates: true },
    {
      name: 'gatehouse-postgres',
      server: 'gatehouse',
      env: { DATABASE_URL: postgresUrl },
      authenticates: true,
      ...(postgresUrl ? {} : { skip: 'no TEST_DATABASE_URL or DATABASE_URL (run under: bash scripts/with-postgres.sh …)' }),
    },
    { name: BASELINE, server: 'oidc-provider', env: { DATABASE_URL: undefined }, authenticates: true },
    { name: FLOOR, server: 'floor', env: { DATABASE_URL: undefined }, authenticates: false },
  ];
}

function serverEnv(target: Target): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production' };
  delete env.TEST_DATABASE_URL;
  for (const [name, value] of Object.entries(target.env)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

const log = (line: string) => process.stderr.write(line + '\n');

async function runRound(target: Target, round: number, scenario: Scenario, options: Options, profileDir: string): Promise<RoundResult> {
  const script = fileURLToPath(new URL(`./servers/${target.server}.js`, import.meta.url));
  const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${target.name}-round${round}.cpuprofile`] : [];
  const server = await ServerProcess.start({ name: target.name, script, env: serverEnv(target), nodeArgs });
  let monitor: ProcessMonitor | undefined;
  try {
    const verified = await scenario.verify(server.ready, { authenticates: target.authenticates });
    log(`  ${target.name}: pid ${server.pid}, ${server.ready.tokenEndpoint}; verified: ${verified}`);
    const request = scenario.request(server.ready);
    monitor = new ProcessMonitor(server.pid);
    const load = { connections: options.connections };
    const warm = options.warmup > 0 ? await runLoad(request, { ...load, duration: options.warmup }) : undefined;
    if (!server.running) throw new Error('the server exited during the warm-up');
    const cpuBefore = monitor.cpuSeconds();
    const machineBefore = readMachineBusySeconds();
    const ownCpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const result = await runLoad(request, { ...load, duration: options.duration });
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const cpuAfter = monitor.cpuSeconds();
    const machineAfter = readMachineBusySeconds();
    const serverCpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const loadGeneratorCpu = (ownCpu.user + ownCpu.system) / 1e6;
    const machineCpu = machineBefore !== undefined && machineAfter !== undefined ? machineAfter - machineBefore : undefined;
    const peakRssBytes = monitor.stop();
    if (!server.running) throw new Error('the server exited during the run');
    // Still answering correctly after the load, not just answering.
    await scenario.verify(server.ready, { authenticates: target.authenticates });
    return {
      round,
      requestsPerSecond: result.requestsPerSecond,
      latencyMs: result.latencyMs,
      ok: result.ok,
      non2xx: result.non2xx,
      errors: result.errors,
      statusCodes: result.statusCodes,
      peakRssBytes,
      serverCpuPercent: serverCpu === undefined ? undefined : (100 * serverCpu) / wallSeconds,
      serverCpuMicrosPerRequest: serverCpu === undefined || result.requests === 0 ? undefined : (1e6 * serverCpu) / result.requests,
      loadGeneratorCpuPercent: (100 * loadGeneratorCpu) / wallSeconds,
      otherCpuPercent:
        machineCpu === undefined || serverCpu === undefined ? undefined : Math.max(0, (100 * (machineCpu - serverCpu - loadGeneratorCpu)) / wallSeconds),
      warmup: { requestsPerSecond: warm?.requestsPerSecond ?? 0, non2xx: warm?.non2xx ?? 0, errors: warm?.errors ?? 0 },
      verified,
    };
  } finally {
    monitor?.stop();
    await server.stop();
  }
}

function summarise(target: Target, rounds: RoundResult[], failures: string[]): TargetReport {
  if (target.skip) return { name: target.name, status: 'skipped', reason: target.skip, rounds: [], failures: [], totals: { non2xx: 0, errors: 0 } };
  const totals = {
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx + r.warmup.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors + r.warmup.errors, 0),
  };
  const report: TargetReport = { name: target.name, status: failures.length > 0 || rounds.length === 0 ? 'failed' : 'ok', rounds, failures, totals };
  if (rounds.length > 0) {
    const defined = (values: (number | undefined)[]) => values.filter((value): value is number => value !== undefined);
    report.median = {
      requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond))!,
      p50Ms: median(rounds.map((r) => r.latencyMs.p50))!,
      p99Ms: median(rounds.map((r) => r.latencyMs.p99))!,
      peakRssBytes: median(defined(rounds.map((r) => r.peakRssBytes))),
      serverCpuPercent: median(defined(rounds.map((r) => r.serverCpuPercent))),
      serverCpuMicrosPerRequest: median(defined(rounds.map((r) => r.serverCpuMicrosPerRequest))),
      loadGeneratorCpuPercent: median(rounds.map((r) => r.loadGeneratorCpuPercent))!,
      otherCpuPercent: median(defined(rounds.map((r) => r.otherCpuPercent))),
    };
  }
  if (failures.length > 0) report.reason = failures.join('; ');
  return report;
}

function ratio(
  reports: TargetReport[],
  name: string,
  against: string,
  metric: 'requestsPerSecond' | 'serverCpuMicrosPerRequest' = 'requestsPerSecond',
): number | undefined {
  const subject = reports.find((r) => r.name === name)?.median?.[metric];
  const base = reports.find((r) => r.name === against)?.median?.[metric];
  return subject !== undefined && base !== undefined && base > 0 ? subject / base : undefined;
}

const LEGEND = [
  'req/s: mean over the measured run; p50/p99: latency; non-2xx/errors: over all rounds, warm-up included (must be 0).',
  'peak RSS: VmHWM of the server process. server CPU %: user+system of the server process, all threads (GC included),',
  'as % of one core. CPU us/req: server CPU time per response - steadier than req/s when the machine is shared.',
  'loadgen CPU %: autocannon (this process). other CPU %: everything else on the machine during the run; high values',
  'mean a noisy run. vs columns: ratio of req/s to that target.',
].join('\n');

function render(reports: TargetReport[], options: Options): string {
  const number = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));
  const times = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}x`);
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'peak RSS MB', 'server CPU %', 'CPU us/req', 'loadgen CPU %', 'other CPU %', `vs ${BASELINE}`, `vs ${FLOOR}`];
  if (options.rounds > 1) header.push('req/s min-max');
  const rows = reports.map((report) => {
    if (report.status === 'skipped') return [report.name, 'skipped', ...header.slice(2).map(() => '')];
    const m = report.median;
    const row = [
      report.status === 'failed' ? `${report.name} (FAILED)` : report.name,
      number(m?.requestsPerSecond),
      number(m?.p50Ms, 1),
      number(m?.p99Ms, 1),
      String(report.totals.non2xx),
      String(report.totals.errors),
      m?.peakRssBytes === undefined ? '-' : (m.peakRssBytes / 1024 / 1024).toFixed(0),
      number(m?.serverCpuPercent),
      number(m?.serverCpuMicrosPerRequest),
      number(m?.loadGeneratorCpuPercent),
      number(m?.otherCpuPercent),
      report.name === BASELINE ? '' : times(ratio(reports, report.name, BASELINE)),
      report.name === FLOOR ? '' : times(ratio(reports, report.name, FLOOR)),
    ];
    if (options.rounds > 1) {
      const values = report.rounds.map((r) => r.requestsPerSecond);
      row.push(values.length ? `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}` : '-');
    }
    return row;
  });
  return formatTable(header, rows);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scenario = clientCredentials;
  const all = targets();
  if (options.only) {
    const unknown = options.only.filter((name) => !all.some((t) => t.name === name));
    if (unknown.length) throw new Error(`unknown target: ${unknown.join(', ')} (known: ${all.map((t) => t.name).join(', ')})`);
  }
  const selected = all.filter((t) => !options.only || options.only.includes(t.name));
  const active = selected.filter((t) => !t.skip);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  const profileDir = `${resultsDir}profiles-${stamp}`;

  const machine = { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), loadAverage: loadavg() };
  log(`bench: ${scenario.name} — ${scenario.description}`);
  log(`bench: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
  log(`bench: ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per target, ${options.rounds} round(s); the load generator shares the CPUs, so compare ratios, not absolute numbers`);
  for (const target of selected.filter((t) => t.skip)) log(`bench: SKIPPED ${target.name}: ${target.skip}`);
  if (options.cpuProf) log(`bench: --cpu-prof: profiles go to ${profileDir} (profiling slows the servers; these numbers are not comparable)`);

  const rounds = new Map<string, RoundResult[]>(active.map((t) => [t.name, []]));
  const failures = new Map<string, string[]>(active.map((t) => [t.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of active) {
      log(`bench: round ${round}/${options.rounds}: ${target.name}`);
      if (options.waitQuiet > 0 && !(await waitForQuiet(options.waitQuiet))) {
        log(`  the machine did not go quiet within ${options.waitQuiet} s; measuring anyway`);
      }
      try {
        const result = await runRound(target, round, scenario, options, profileDir);
        rounds.get(target.name)!.push(result);
        const bad = result.non2xx + result.errors + result.warmup.non2xx + result.warmup.errors;
        log(
          `  ${target.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
            `server CPU ${result.serverCpuPercent?.toFixed(0) ?? '-'}% (${result.serverCpuMicrosPerRequest?.toFixed(0) ?? '-'} us/req), load generator CPU ${result.loadGeneratorCpuPercent.toFixed(0)}%, ` +
            `everything else ${result.otherCpuPercent?.toFixed(0) ?? '-'}%` +
            (bad ? `, ERRORS: ${result.non2xx + result.warmup.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors + result.warmup.errors} connection errors` : ''),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.get(target.name)!.push(`round ${round}: ${message}`);
        log(`  ${target.name}: FAILED: ${message}`);
      }
    }
  }

  const reports = selected.map((t) => summarise(t, rounds.get(t.name) ?? [], failures.get(t.name) ?? []));
  const table = render(reports, options);
  const verdicts = reports
    .filter((r) => r.name.startsWith(GATEHOUSE_PREFIX) && r.median && (ratio(reports, r.name, BASELINE) ?? ratio(reports, r.name, FLOOR)) !== undefined)
    .map((r) => {
      const vsBaseline = ratio(reports, r.name, BASELINE);
      const vsFloor = ratio(reports, r.name, FLOOR);
      const isNoisy = (name: string) => reports.find((t) => t.name === name)?.rounds.some((round) => (round.otherCpuPercent ?? 0) > NOISE_THRESHOLD);
      const verdict = (value: number | undefined, goal: number, against: string) =>
        value === undefined
          ? 'not measured'
          : `${value >= goal ? 'met' : 'MISSED'}${isNoisy(r.name) || isNoisy(against) ? ', noisy run: unreliable' : ''}`;
      const cpu = (against: string) => ratio(reports, r.name, against, 'serverCpuMicrosPerRequest')?.toFixed(2) ?? '-';
      return (
        `${r.name}: ${vsBaseline?.toFixed(2) ?? '-'}x ${BASELINE} (goal >= ${GOALS.vsOidcProvider}x: ${verdict(vsBaseline, GOALS.vsOidcProvider, BASELINE)}), ` +
        `${vsFloor?.toFixed(2) ?? '-'}x ${FLOOR} (goal >= ${GOALS.vsFloor}x: ${verdict(vsFloor, GOALS.vsFloor, FLOOR)}); ` +
        `CPU per token ${cpu(BASELINE)}x ${BASELINE}'s, ${cpu(FLOOR)}x ${FLOOR}'s`
      );
    });
  const noisy = reports.flatMap((r) =>
    r.rounds.filter((round) => (round.otherCpuPercent ?? 0) > NOISE_THRESHOLD).map((round) => `${r.name} round ${round.round} (${round.otherCpuPercent!.toFixed(0)}%)`),
  );
  const problems = reports.flatMap((r) => [
    ...(r.status === 'failed' ? [`${r.name} failed: ${r.reason ?? 'no rounds completed'}`] : []),
    ...(r.totals.non2xx + r.totals.errors > 0 ? [`${r.name}: ${r.totals.non2xx} non-2xx responses and ${r.totals.errors} connection errors under load — its numbers are not valid`] : []),
  ]);

  const out = process.stdout;
  out.write(`\n${scenario.name}: median of ${options.rounds} round(s), ${options.duration} s each, ${options.connections} connections (node ${machine.node}, ${machine.cpus} CPUs)\n\n`);
  out.write(table + '\n\n' + LEGEND + '\n\n');
  for (const line of verdicts) out.write(line + '\n');
  for (const target of selected.filter((t) => t.skip)) out.write(`skipped ${target.name}: ${target.skip}\n`);
  if (noisy.length > 0) {
    out.write(
      `WARNING: other processes used more than ${NOISE_THRESHOLD}% of a core during: ${noisy.join(', ')}. ` +
        'Those req/s are depressed; trust CPU us/req more, or rerun on a quiet machine with --rounds 3 or more.\n',
    );
  }
  for (const problem of problems) out.write(`ERROR: ${problem}\n`);

  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}${stamp}.json`;
  const ratios = Object.fromEntries(
    reports
      .filter((r) => r.name.startsWith(GATEHOUSE_PREFIX) && r.median)
      .map((r) => [
        r.name,
        {
          vsOidcProvider: ratio(reports, r.name, BASELINE) ?? null,
          vsFloor: ratio(reports, r.name, FLOOR) ?? null,
          cpuPerRequestVsOidcProvider: ratio(reports, r.name, BASELINE, 'serverCpuMicrosPerRequest') ?? null,
          cpuPerRequestVsFloor: ratio(reports, r.name, FLOOR, 'serverCpuMicrosPerRequest') ?? null,
        },
      ]),
  );
  const json = {
    scenario: scenario.name,
    description: scenario.description,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAtEnd: loadavg() },
    options,
    goals: GOALS,
    targets: reports,
    ratios,
    table,
    problems,
    noisyRounds: noisy,
  };
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  out.write(`\nresults: ${file}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`bench: ${signal}: stopping servers`);
    stopAll().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exitCode = 1;
}
