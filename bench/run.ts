/**
 * `npm run bench`: Gatehouse beside node-oidc-provider (and, for client_credentials, a floor server: plain node:http +
 * one ES256 signature), measured in the same run on the same machine, scenario by scenario:
 *
 *   client_credentials  POST /token, client_secret_basic, ES256 JWT access token           autocannon, req/s
 *   introspection       POST introspection endpoint for a valid access token               autocannon, req/s
 *   code_flow           authorize -> sign-in (argon2id) -> consent -> token, PKCE S256     closed loops, flows/s
 *   code_flow_returning authorize with a remembered session and consent -> token, PKCE     closed loops, flows/s
 *   refresh_token       refresh-token rotation, each loop holding its own token            closed loops, req/s
 *   startup             idle RSS and spawn-to-first-token of `gatehouse serve`             per Gatehouse target
 *   tenants             10,000 tenants: creation time, idle RSS, client_credentials spread     per Gatehouse target
 *                       over 1,000 of them vs the default tenant, paging GET /admin/tenants
 *   instances           two `gatehouse serve` on one PostgreSQL: client_credentials and refresh  gatehouse-postgres
 *                       through A + B vs A alone; revocation, key rotation, refresh reuse seen across
 *
 * Each server runs in its own child process, one at a time, started afresh for every scenario: start, wait for its
 * ready line, check the scenario is answered correctly (so a run never measures errors), warm up, measure, check
 * again, stop. The targets alternate for --rounds N (default 5) within each scenario (A B C, A B C, …). The load
 * generator shares the CPU with the server, so absolute numbers say little (each is reported as its median over the
 * rounds); the result is the ratio between servers, taken round by round: each round's run of a Gatehouse target over
 * that same round's run of oidc-provider (or of the floor), reported as the median of those per-round ratios with
 * their range. A pair whose per-round ratios spread wider than MAX_SPREAD (lib/ratios.ts) is "too noisy to judge"
 * rather than given a verdict against its goal (lib/goals.ts).
 *
 *   node dist/bench/run.js [--scenario a,b] [--duration 10] [--connections 32] [--flow-loops 8] [--refresh-loops 16]
 *                          [--warmup 2] [--rounds 5] [--only t1,t2] [--cpu-prof] [--perf] [--wait-quiet S]
 *                          [--tenants 10000] [--active-tenants 1000]
 *
 * Besides the rate and latency it reports each server's CPU time per unit of work (steadier than the rate when the
 * machine is shared; for gatehouse-postgres also PostgreSQL's, found by the port of TEST_DATABASE_URL) and the CPU
 * everything else used meanwhile ("other CPU %"), so a noisy run shows itself, and for Gatehouse the statements its
 * store sent to the database per unit (gatehouse_database_statements_total on /metrics, read before and after the
 * measured run; on PostgreSQL each is a round trip). --wait-quiet S waits up to S seconds before each target for the
 * machine to be idle. --cpu-prof writes a V8 CPU profile of each server to bench/results/profiles-<timestamp>/
 * (summarise one with `node dist/bench/profile-top.js FILE`); it samples the JavaScript thread by wall clock. --perf
 * records each server with Linux perf during the measured run instead: on-CPU time of every thread (thread pool and
 * kernel included), summarised in <name>.perf.data.txt next to the data.
 *
 * PostgreSQL is measured when TEST_DATABASE_URL or DATABASE_URL names a server (each run gets a fresh database):
 *   bash scripts/with-postgres.sh node dist/bench/run.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import { ServerProcess, stopAll } from './lib/child.js';
import { goalFor, SCENARIO_GOALS } from './lib/goals.js';
import type { LoadResult } from './lib/load.js';
import { GATEHOUSE_NODE_FLAGS } from './lib/node-flags.js';
import { PERF_NODE_ARGS, PerfRecording, perfAvailable, removePerfMap } from './lib/perf.js';
import { ProcessMonitor, readMachineBusySeconds, readPostgresCpuSeconds, waitForQuiet } from './lib/proc.js';
import { ARGON2ID_OPTIONS } from './lib/protocol.js';
import { formatRatio, judge, MAX_SPREAD, MIN_ROUNDS_FOR_VERDICT, pairedRatios, type RatioSummary } from './lib/ratios.js';
import { readStatementCount } from './lib/server-metrics.js';
import { measureStartup, type StartupResult } from './lib/startup.js';
import { formatTable, median } from './lib/stats.js';
import { clientCredentials } from './scenarios/client-credentials.js';
import { codeFlow } from './scenarios/code-flow.js';
import { codeFlowReturning } from './scenarios/code-flow-returning.js';
import { GROWTH, type GrowthResult, growthVerdicts, measureGrowth, renderGrowth } from './scenarios/growth.js';
import { type InstancesReport, runInstances } from './scenarios/instances.js';
import { introspection } from './scenarios/introspection.js';
import { refreshRotation } from './scenarios/refresh.js';
import type { Scenario, ScenarioOptions, ServerKind } from './scenarios/scenario.js';
import {
  measureTenants,
  renderTenants,
  TENANT_GOALS,
  TENANT_IDLE_SECONDS,
  type TenantsResult,
  tenantVerdicts,
} from './scenarios/tenants.js';

interface Options {
  duration: number;
  connections: number;
  flowLoops: number;
  refreshLoops: number;
  warmup: number;
  rounds: number;
  only: string[] | undefined;
  scenarios: string[];
  cpuProf: boolean;
  /** Record the server with Linux perf (on-CPU, all threads) during each measured run. */
  perf: boolean;
  /** Before each target, wait up to this many seconds for other processes to leave the CPUs alone. */
  waitQuiet: number;
  /** Gatehouse serves through `gatehouse serve --workers N` (node:cluster) when N > 1. */
  workers: number;
  /** The tenants scenario: tenants created, and how many of them get a client and take the load (issue 11 item 7). */
  tenants: number;
  activeTenants: number;
  /** The growth scenario's traffic per cycle (issue 14 item 5). */
  growth: { tokens: number; flows: number; refreshes: number; cycles: number };
}

interface Target {
  name: string;
  /** Compiled server script, relative to this file. */
  server: ServerKind;
  /** Environment changes for the server process; `undefined` removes a variable. */
  env: Record<string, string | undefined>;
  /** Whether a wrong client secret must be refused (the floor authenticates nobody). */
  authenticates: boolean;
  /** Why the target is not run, when it is not. */
  skip?: string;
}

interface RoundResult {
  round: number;
  /** Units of work (requests, or whole flows) per second. */
  perSecond: number;
  latencyMs: LoadResult['latencyMs'];
  ok: number;
  /** Answers with a status other than 2xx (3xx within a flow), or with a wrong body. */
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** HTTP requests per second, where a unit is several requests (code flow). */
  httpRequestsPerSecond: number | undefined;
  peakRssBytes: number | undefined;
  /** CPU the server process used during the measured run, as % of one core (user + system, all threads). */
  serverCpuPercent: number | undefined;
  /** Server CPU time per unit of work, in microseconds: less sensitive than the rate to a saturated load generator. */
  serverCpuMicrosPerUnit: number | undefined;
  /** CPU of the PostgreSQL server during the run, as % of one core (gatehouse-postgres only). */
  databaseCpuPercent: number | undefined;
  /** Its CPU time per unit of work, in microseconds: work an in-process store (SQLite, oidc-provider's memory) does in the server. */
  databaseCpuMicrosPerUnit: number | undefined;
  /**
   * Statements Gatehouse's store sent to the database per unit of work (its /metrics counter, before and after the
   * measured run); on PostgreSQL each is a round trip. Undefined for the other servers and with --workers > 1.
   */
  databaseStatementsPerUnit: number | undefined;
  /** CPU the runner (the load generator) used during the measured run, as % of one core; near 100 means it was the limit. */
  loadGeneratorCpuPercent: number;
  /**
   * CPU used by everything else on the machine during the measured run, as % of one core. It competes with the
   * server and the load generator, so rounds with a high value are noisy; compare it between targets.
   */
  otherCpuPercent: number | undefined;
  warmup: { perSecond: number; non2xx: number; errors: number };
  verified: string;
  errorSamples: string[];
}

interface TargetReport {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  /** What this target's numbers measure, where that differs between servers. */
  note?: string;
  concurrency?: string;
  rounds: RoundResult[];
  failures: string[];
  median?: {
    perSecond: number;
    p50Ms: number;
    p99Ms: number;
    httpRequestsPerSecond: number | undefined;
    peakRssBytes: number | undefined;
    serverCpuPercent: number | undefined;
    serverCpuMicrosPerUnit: number | undefined;
    databaseCpuMicrosPerUnit: number | undefined;
    databaseStatementsPerUnit: number | undefined;
    /** Server + PostgreSQL CPU per unit: what the ratios of CPU per unit compare. */
    totalCpuMicrosPerUnit: number | undefined;
    loadGeneratorCpuPercent: number;
    otherCpuPercent: number | undefined;
  };
  /** Summed over all rounds, warm-up included. */
  totals: { non2xx: number; errors: number };
}

interface ScenarioReport {
  /** code_flow: CPU of one argon2id verification with the servers' parameters, measured in the runner. */
  argon2VerifyCpuMs?: number;
  name: string;
  description: string;
  unit: Scenario['unit'];
  targets: TargetReport[];
  /** Per Gatehouse target, per target it is compared with (oidc-provider, floor): the per-round ratios and their spread. */
  ratios: Record<string, Record<string, PairRatios>>;
  table: string;
  verdicts: string[];
}

/** One pair's per-round ratios: of the rate (higher is better), and of CPU per unit, server + PostgreSQL (lower is better). */
interface PairRatios {
  rate: RatioSummary;
  cpuPerUnit: RatioSummary;
}

interface StartupReport {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  rounds: (StartupResult & { round: number })[];
  median?: { idleRssBytes: number | undefined; firstTokenMs: number; otherCpuPercent: number | undefined };
  verdict?: string;
}

interface TenantsReport {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  result?: TenantsResult;
  table?: string;
  verdicts: string[];
}

const GATEHOUSE_PREFIX = 'gatehouse-';
const BASELINE = 'oidc-provider';
const FLOOR = 'floor';
const STARTUP = 'startup';
const TENANTS = 'tenants';
const INSTANCES = 'instances';
const SCENARIOS: Scenario[] = [clientCredentials, introspection, codeFlow, codeFlowReturning, refreshRotation];
/** Issue 14 (the scenarios' ratio goals: lib/goals.ts) and issue 11 (tenants). */
const GOALS = {
  scenarios: SCENARIO_GOALS,
  startup: { idleRssMb: 100, firstTokenMs: 1000 },
  tenants: TENANT_GOALS,
} as const;
/** Other processes using more than this % of one core during a measured run make that run suspect. */
const NOISE_THRESHOLD = 20;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      'flow-loops': { type: 'string', default: '8' },
      'refresh-loops': { type: 'string', default: '16' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      perf: { type: 'boolean', default: false },
      'wait-quiet': { type: 'string', default: '0' },
      workers: { type: 'string', default: '1' },
      tenants: { type: 'string', default: '10000' },
      'active-tenants': { type: 'string', default: '1000' },
      'growth-tokens': { type: 'string', default: '300000' },
      'growth-flows': { type: 'string', default: '20000' },
      'growth-refreshes': { type: 'string', default: '40000' },
      'growth-cycles': { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const known = [...SCENARIOS.map((s) => s.name), STARTUP, TENANTS, INSTANCES, GROWTH];
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/run.js [--scenario a,b] [--duration S] [--connections N] [--flow-loops N] [--refresh-loops N] [--warmup S]\n' +
        '                              [--rounds N] [--only t1,t2] [--cpu-prof] [--perf] [--wait-quiet S] [--workers N]\n' +
        '                              [--tenants N] [--active-tenants N]\n' +
        '                              [--growth-tokens N] [--growth-flows N] [--growth-refreshes N] [--growth-cycles N]\n' +
        `scenarios: ${known.join(', ')} (default: all)\n`,
    );
    process.exit(0);
  }
  const integer = (name: string, raw: string, min: number, max: number) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return Number(raw);
  };
  const scenarios =
    values.scenario === undefined
      ? known
      : values.scenario
          .split(',')
          .map((name) => name.trim().replace(/-/g, '_'))
          .filter(Boolean);
  const unknown = scenarios.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`unknown scenario: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return {
    duration: integer('duration', values.duration, 1, 3600),
    connections: integer('connections', values.connections, 1, 10_000),
    flowLoops: integer('flow-loops', values['flow-loops'], 1, 1000),
    refreshLoops: integer('refresh-loops', values['refresh-loops'], 1, 1000),
    warmup: integer('warmup', values.warmup, 0, 600),
    rounds: integer('rounds', values.rounds, 1, 100),
    only: values.only
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    scenarios,
    cpuProf: values['cpu-prof'],
    perf: values.perf,
    waitQuiet: integer('wait-quiet', values['wait-quiet'], 0, 3600),
    workers: integer('workers', values.workers, 1, 64),
    tenants: integer('tenants', values.tenants, 2, 100_000),
    activeTenants: integer('active-tenants', values['active-tenants'], 2, 10_000),
    growth: {
      tokens: integer('growth-tokens', values['growth-tokens'], 10, 10_000_000),
      flows: integer('growth-flows', values['growth-flows'], 10, 1_000_000),
      refreshes: integer('growth-refreshes', values['growth-refreshes'], 0, 10_000_000),
      cycles: integer('growth-cycles', values['growth-cycles'], 1, 10),
    },
  };
}

const postgresUrl = () => process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;

function targets(): Target[] {
  const postgres = postgresUrl();
  return [
    { name: 'gatehouse-sqlite', server: 'gatehouse', env: { DATABASE_URL: undefined }, authenticates: true },
    {
      name: 'gatehouse-postgres',
      server: 'gatehouse',
      env: { DATABASE_URL: postgres },
      authenticates: true,
      ...(postgres ? {} : { skip: 'no TEST_DATABASE_URL or DATABASE_URL (run under: bash scripts/with-postgres.sh …)' }),
    },
    { name: BASELINE, server: 'oidc-provider', env: { DATABASE_URL: undefined }, authenticates: true },
    { name: FLOOR, server: 'floor', env: { DATABASE_URL: undefined }, authenticates: false },
  ];
}

function serverEnv(target: Target, workers: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'production',
    ...(target.server === 'gatehouse' ? { BENCH_WORKERS: String(workers) } : {}),
  };
  delete env.TEST_DATABASE_URL;
  for (const [name, value] of Object.entries(target.env)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runRound(
  target: Target,
  round: number,
  scenario: Scenario,
  options: Options,
  profileDir: string,
): Promise<RoundResult & { note?: string; concurrency: string }> {
  const script = fileURLToPath(new URL(`./servers/${target.server}.js`, import.meta.url));
  const nodeArgs = [
    ...(target.server.startsWith('gatehouse') ? GATEHOUSE_NODE_FLAGS : []),
    ...(options.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${scenario.name}-${target.name}-round${round}.cpuprofile`]
      : []),
    ...(options.perf ? PERF_NODE_ARGS : []),
  ];
  const server = await ServerProcess.start({ name: target.name, script, env: serverEnv(target, options.workers), nodeArgs });
  let monitor: ProcessMonitor | undefined;
  let dispose: (() => void) | undefined;
  let perf: PerfRecording | undefined;
  try {
    const scenarioOptions: ScenarioOptions = {
      authenticates: target.authenticates,
      connections: options.connections,
      flowLoops: options.flowLoops,
      refreshLoops: options.refreshLoops,
    };
    const load = await scenario.prepare(server.ready, scenarioOptions);
    dispose = load.dispose?.bind(load);
    log(`  ${target.name}: pid ${server.pid}, ${server.ready.url}; verified: ${load.verified}`);
    monitor = new ProcessMonitor(server.pid);
    const warm = options.warmup > 0 ? await load.run(options.warmup) : undefined;
    if (!server.running) throw new Error('the server exited during the warm-up');
    if (options.perf) {
      mkdirSync(profileDir, { recursive: true });
      perf = PerfRecording.start(server.pid, `${profileDir}/${scenario.name}-${target.name}-round${round}.perf.data`);
    }
    const postgresPort = target.env.DATABASE_URL ? Number(new URL(target.env.DATABASE_URL).port || 5432) : undefined;
    // With --workers N, /metrics answers from whichever worker takes the connection: no count of the whole server.
    const countsStatements = target.server === 'gatehouse' && options.workers === 1;
    const statementsBefore = countsStatements ? await readStatementCount(server.ready.url) : undefined;
    const databaseBefore = postgresPort === undefined ? undefined : readPostgresCpuSeconds(postgresPort);
    const cpuBefore = monitor.cpuSeconds();
    const machineBefore = readMachineBusySeconds();
    const ownCpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const result = await load.run(options.duration);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const cpuAfter = monitor.cpuSeconds();
    const machineAfter = readMachineBusySeconds();
    const databaseAfter = postgresPort === undefined ? undefined : readPostgresCpuSeconds(postgresPort);
    const databaseCpu = databaseBefore !== undefined && databaseAfter !== undefined ? databaseAfter - databaseBefore : undefined;
    const serverCpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const loadGeneratorCpu = (ownCpu.user + ownCpu.system) / 1e6;
    const machineCpu = machineBefore !== undefined && machineAfter !== undefined ? machineAfter - machineBefore : undefined;
    const peakRssBytes = monitor.stop();
    const statements = statementsBefore === undefined ? undefined : (await readStatementCount(server.ready.url)) - statementsBefore;
    if (perf)
      log(
        `  ${target.name}: perf: ${(await perf.stop())
          .split('\n')
          .slice(0, 6)
          .map((line) => line.trim())
          .join(' | ')} (${perf.file}.txt)`,
      );
    if (!server.running) throw new Error('the server exited during the run');
    // Still answering correctly after the load, not just answering.
    await load.recheck();
    return {
      round,
      perSecond: result.requestsPerSecond,
      latencyMs: result.latencyMs,
      ok: result.ok,
      non2xx: result.non2xx,
      errors: result.errors,
      statusCodes: result.statusCodes,
      httpRequestsPerSecond: result.httpRequests === undefined ? undefined : result.httpRequests / result.durationSeconds,
      peakRssBytes,
      serverCpuPercent: serverCpu === undefined ? undefined : (100 * serverCpu) / wallSeconds,
      serverCpuMicrosPerUnit: serverCpu === undefined || result.ok === 0 ? undefined : (1e6 * serverCpu) / result.ok,
      databaseCpuPercent: databaseCpu === undefined ? undefined : (100 * databaseCpu) / wallSeconds,
      databaseCpuMicrosPerUnit: databaseCpu === undefined || result.ok === 0 ? undefined : (1e6 * databaseCpu) / result.ok,
      databaseStatementsPerUnit: statements === undefined || result.ok === 0 ? undefined : statements / result.ok,
      loadGeneratorCpuPercent: (100 * loadGeneratorCpu) / wallSeconds,
      otherCpuPercent:
        machineCpu === undefined || serverCpu === undefined
          ? undefined
          : Math.max(0, (100 * (machineCpu - serverCpu - (databaseCpu ?? 0) - loadGeneratorCpu)) / wallSeconds),
      warmup: { perSecond: warm?.requestsPerSecond ?? 0, non2xx: warm?.non2xx ?? 0, errors: warm?.errors ?? 0 },
      verified: load.verified,
      errorSamples: [...(warm?.errorSamples ?? []), ...(result.errorSamples ?? [])].slice(0, 5),
      concurrency: load.concurrency,
      ...(load.note === undefined ? {} : { note: load.note }),
    };
  } finally {
    monitor?.stop();
    dispose?.();
    await server.stop();
    if (options.perf) removePerfMap(server.pid);
  }
}

function summarise(
  target: Target,
  rounds: RoundResult[],
  failures: string[],
  extra: { note?: string; concurrency?: string },
): TargetReport {
  if (target.skip)
    return { name: target.name, status: 'skipped', reason: target.skip, rounds: [], failures: [], totals: { non2xx: 0, errors: 0 } };
  const totals = {
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx + r.warmup.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors + r.warmup.errors, 0),
  };
  const report: TargetReport = {
    name: target.name,
    status: failures.length > 0 || rounds.length === 0 ? 'failed' : 'ok',
    ...extra,
    rounds,
    failures,
    totals,
  };
  if (rounds.length > 0) {
    const defined = (values: (number | undefined)[]) => values.filter((value): value is number => value !== undefined);
    report.median = {
      perSecond: median(rounds.map((r) => r.perSecond))!,
      p50Ms: median(rounds.map((r) => r.latencyMs.p50))!,
      p99Ms: median(rounds.map((r) => r.latencyMs.p99))!,
      httpRequestsPerSecond: median(defined(rounds.map((r) => r.httpRequestsPerSecond))),
      peakRssBytes: median(defined(rounds.map((r) => r.peakRssBytes))),
      serverCpuPercent: median(defined(rounds.map((r) => r.serverCpuPercent))),
      serverCpuMicrosPerUnit: median(defined(rounds.map((r) => r.serverCpuMicrosPerUnit))),
      databaseCpuMicrosPerUnit: median(defined(rounds.map((r) => r.databaseCpuMicrosPerUnit))),
      databaseStatementsPerUnit: median(defined(rounds.map((r) => r.databaseStatementsPerUnit))),
      totalCpuMicrosPerUnit: median(defined(rounds.map(totalCpuMicrosPerUnit))),
      loadGeneratorCpuPercent: median(rounds.map((r) => r.loadGeneratorCpuPercent))!,
      otherCpuPercent: median(defined(rounds.map((r) => r.otherCpuPercent))),
    };
  }
  if (failures.length > 0) report.reason = failures.join('; ');
  return report;
}

/** Server + PostgreSQL CPU time per unit of one round. */
const totalCpuMicrosPerUnit = (round: RoundResult) =>
  round.serverCpuMicrosPerUnit === undefined ? undefined : round.serverCpuMicrosPerUnit + (round.databaseCpuMicrosPerUnit ?? 0);

/** The per-round ratios of `name` to `against`, each round's run over the same round's; undefined unless both ran. */
function pairRatios(reports: TargetReport[], name: string, against: string): PairRatios | undefined {
  const subject = reports.find((r) => r.name === name);
  const base = reports.find((r) => r.name === against);
  if (!subject?.rounds.length || !base?.rounds.length) return undefined;
  const figures = (report: TargetReport, pick: (round: RoundResult) => number | undefined) =>
    report.rounds.map((round) => ({ round: round.round, value: pick(round) }));
  return {
    rate: pairedRatios(
      figures(subject, (round) => round.perSecond),
      figures(base, (round) => round.perSecond),
    ),
    cpuPerUnit: pairedRatios(figures(subject, totalCpuMicrosPerUnit), figures(base, totalCpuMicrosPerUnit)),
  };
}

/** The targets a scenario's Gatehouse targets are compared with. */
const comparedWith = (scenario: Scenario) => [BASELINE, ...(scenario.servers.includes('floor') ? [FLOOR] : [])];

const LEGEND = [
  'req/s (flows/s for code_flow): mean over the measured run; p50/p99: latency of one request (of a whole flow for code_flow).',
  'bad answers: status other than 2xx (3xx inside a flow) or a wrong body; errors: connection errors; both over all rounds,',
  'warm-up included, and must be 0. HTTP req/s: requests of all flow steps. peak RSS: VmHWM of the server process.',
  'server CPU %: user+system of the server process, all threads (GC and argon2 threads included), as % of one core.',
  'CPU us/req (ms/flow): server CPU time per unit of work - steadier than the rate when the machine is shared.',
  "+ PG: CPU time PostgreSQL spent per unit (gatehouse-postgres; SQLite and oidc-provider's memory store work in-process);",
  'the CPU-per-unit ratios below compare server + PostgreSQL. DB stmts/req (/flow): statements Gatehouse sent to its database per unit',
  '(gatehouse_database_statements_total on /metrics); on PostgreSQL each is one round trip, BEGIN and COMMIT included.',
  'loadgen CPU %: the load generator (this process). other CPU %: everything else on the machine (PostgreSQL excluded) during the run; high',
  'values mean a noisy run. The absolute figures are medians over the rounds. vs columns: the median of the per-round ratios of the',
  "rate (each round's run over that round's run of the other target) and their range (min-max); goals are judged on that median, and",
  `not at all when max/min > ${MAX_SPREAD} (too noisy to judge) or with fewer than ${MIN_ROUNDS_FOR_VERDICT} rounds.`,
].join('\n');

function render(scenario: Scenario, reports: TargetReport[], ratios: ScenarioReport['ratios'], options: Options): string {
  const number = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));
  const versus = (name: string, against: string) =>
    name === against ? '' : formatRatio((ratios[name]?.[against] ?? pairRatios(reports, name, against))?.rate);
  const flows = scenario.unit === 'flow';
  const withFloor = scenario.servers.includes('floor');
  const withDatabase = reports.some((r) => r.median?.databaseCpuMicrosPerUnit !== undefined);
  const withStatements = reports.some((r) => r.median?.databaseStatementsPerUnit !== undefined);
  const perUnit = (micros: number | undefined) => (flows ? number(micros === undefined ? undefined : micros / 1000, 1) : number(micros));
  const header = [
    'target',
    flows ? 'flows/s' : 'req/s',
    'p50 ms',
    'p99 ms',
    'bad answers',
    'errors',
    ...(flows ? ['HTTP req/s'] : []),
    'peak RSS MB',
    'server CPU %',
    flows ? 'CPU ms/flow' : 'CPU us/req',
    ...(withDatabase ? [flows ? '+ PG ms/flow' : '+ PG us/req'] : []),
    ...(withStatements ? [flows ? 'DB stmts/flow' : 'DB stmts/req'] : []),
    'loadgen CPU %',
    'other CPU %',
    `vs ${BASELINE}`,
    ...(withFloor ? [`vs ${FLOOR}`] : []),
  ];
  if (options.rounds > 1) header.push(`${flows ? 'flows' : 'req'}/s min-max`);
  const rows = reports.map((report) => {
    if (report.status === 'skipped') return [report.name, 'skipped', ...header.slice(2).map(() => '')];
    const m = report.median;
    const row = [
      report.status === 'failed' ? `${report.name} (FAILED)` : report.name,
      number(m?.perSecond, flows ? 1 : 0),
      number(m?.p50Ms, 1),
      number(m?.p99Ms, 1),
      String(report.totals.non2xx),
      String(report.totals.errors),
      ...(flows ? [number(m?.httpRequestsPerSecond)] : []),
      m?.peakRssBytes === undefined ? '-' : (m.peakRssBytes / 1024 / 1024).toFixed(0),
      number(m?.serverCpuPercent),
      perUnit(m?.serverCpuMicrosPerUnit),
      ...(withDatabase ? [perUnit(m?.databaseCpuMicrosPerUnit)] : []),
      ...(withStatements ? [number(m?.databaseStatementsPerUnit, 2)] : []),
      number(m?.loadGeneratorCpuPercent),
      number(m?.otherCpuPercent),
      versus(report.name, BASELINE),
      ...(withFloor ? [versus(report.name, FLOOR)] : []),
    ];
    if (options.rounds > 1) {
      const values = report.rounds.map((r) => r.perSecond);
      row.push(values.length ? `${Math.min(...values).toFixed(flows ? 1 : 0)}-${Math.max(...values).toFixed(flows ? 1 : 0)}` : '-');
    }
    return row;
  });
  return formatTable(header, rows);
}

/**
 * The goal verdicts of one scenario, one line per Gatehouse target: each ratio as the median of its per-round ratios
 * with their range, judged against the scenario's goal (lib/goals.ts) unless errors, too few rounds or too wide a
 * spread forbid it; then the cost per unit: CPU (server + PostgreSQL) against the others', and database statements.
 */
function verdictsFor(scenario: Scenario, reports: TargetReport[], ratios: ScenarioReport['ratios'], argon2VerifyCpuMs?: number): string[] {
  const goal = SCENARIO_GOALS[scenario.name];
  const unit = scenario.unit === 'flow' ? 'flow' : 'request';
  const bad = (name: string) => {
    const report = reports.find((t) => t.name === name);
    return report ? report.totals.non2xx + report.totals.errors : 0;
  };
  return reports
    .filter((r) => r.name.startsWith(GATEHOUSE_PREFIX) && r.median)
    .map((r) => {
      const pairs = Object.entries(ratios[r.name] ?? {});
      const rates = pairs.map(([against, pair]) => {
        const ratioGoal = goal?.ratios.find((candidate) => candidate.against === against);
        const least = ratioGoal === undefined ? undefined : goalFor(ratioGoal, r.name);
        const verdict = least === undefined ? '' : ` (goal >= ${least}x: ${judge(pair.rate, least, bad(r.name) + bad(against) > 0)})`;
        return `${formatRatio(pair.rate)} ${against}${verdict}`;
      });
      for (const missing of goal?.ratios.filter((candidate) => !pairs.some(([against]) => against === candidate.against)) ?? []) {
        const least = goalFor(missing, r.name);
        if (least !== undefined) rates.push(`${missing.against} not run (goal >= ${least}x: not measured)`);
      }
      if (goal?.zeroErrors) rates.push(`${bad(r.name)} bad answers/errors (goal 0: ${bad(r.name) === 0 ? 'met' : 'not met'})`);
      const {
        serverCpuMicrosPerUnit: server,
        databaseCpuMicrosPerUnit: database,
        databaseStatementsPerUnit: statements,
        peakRssBytes,
      } = r.median!;
      const cpu = (micros: number | undefined) =>
        micros === undefined ? '-' : scenario.unit === 'flow' ? `${(micros / 1000).toFixed(1)} ms` : `${micros.toFixed(0)} us`;
      const cpuRatios = pairs.map(([against, pair]) => `${formatRatio(pair.cpuPerUnit)} ${against}'s`).join(', ');
      const costs = [
        `CPU per ${unit} ${cpu(server)}${database === undefined ? '' : ` + PostgreSQL ${cpu(database)}`}${cpuRatios ? `, ${cpuRatios}` : ''}`,
        ...(statements === undefined ? [] : [`${statements.toFixed(2)} database statements per ${unit}`]),
        `peak RSS ${peakRssBytes === undefined ? '-' : (peakRssBytes / 1048576).toFixed(0)} MB`,
      ];
      let bound = '';
      if (scenario.name === 'code_flow' && argon2VerifyCpuMs) {
        const baselineCpuMs = (reports.find((t) => t.name === BASELINE)?.median?.totalCpuMicrosPerUnit ?? 0) / 1000;
        const ownCpuMs = (r.median?.totalCpuMicrosPerUnit ?? 0) / 1000;
        if (baselineCpuMs)
          bound =
            `; one argon2id verification costs ${argon2VerifyCpuMs.toFixed(1)} ms CPU here, so with the same password hashing even a flow that did ` +
            `nothing else would be at most ${(baselineCpuMs / argon2VerifyCpuMs).toFixed(2)}x cheaper than ${BASELINE}'s ${baselineCpuMs.toFixed(1)} ms; ` +
            `${r.name} spends ${Math.max(0, ownCpuMs - argon2VerifyCpuMs).toFixed(1)} ms per flow besides it, ${BASELINE} ${Math.max(0, baselineCpuMs - argon2VerifyCpuMs).toFixed(1)} ms`;
      }
      const judged = [...rates, ...(goal ? [] : ['no goal set'])].join(', ');
      return `${scenario.name} ${r.name}: ${judged ? `${judged}; ` : ''}${costs.join('; ')}${bound}`;
    });
}

/** CPU time of one argon2id verification (m = 19 MiB, t = 2, p = 1) on this machine: the floor of a sign-in. */
async function measureArgon2(): Promise<number> {
  const hash = await argon2.hash('correct horse battery staple', { ...ARGON2ID_OPTIONS, type: argon2.argon2id });
  await argon2.verify(hash, 'warm-up');
  const count = 20;
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await argon2.verify(hash, 'correct horse battery staple');
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

async function runScenario(scenario: Scenario, all: Target[], options: Options, profileDir: string): Promise<ScenarioReport> {
  const selected = all.filter((t) => scenario.servers.includes(t.server));
  const active = selected.filter((t) => !t.skip);
  const rounds = new Map<string, RoundResult[]>(active.map((t) => [t.name, []]));
  const failures = new Map<string, string[]>(active.map((t) => [t.name, []]));
  const extras = new Map<string, { note?: string; concurrency?: string }>();
  log(`bench: ${scenario.name} — ${scenario.description}`);
  const argon2VerifyCpuMs = scenario.name === 'code_flow' ? await measureArgon2() : undefined;
  if (argon2VerifyCpuMs !== undefined)
    log(`bench: one argon2id verification (m=19456 t=2 p=1) costs ${argon2VerifyCpuMs.toFixed(1)} ms CPU in this process`);
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of active) {
      log(`bench: ${scenario.name} round ${round}/${options.rounds}: ${target.name}`);
      if (options.waitQuiet > 0 && !(await waitForQuiet(options.waitQuiet))) {
        log(`  the machine did not go quiet within ${options.waitQuiet} s; measuring anyway`);
      }
      try {
        const { note, concurrency, ...result } = await runRound(target, round, scenario, options, profileDir);
        rounds.get(target.name)!.push(result);
        extras.set(target.name, { ...(note === undefined ? {} : { note }), concurrency });
        const bad = result.non2xx + result.errors + result.warmup.non2xx + result.warmup.errors;
        const unit = scenario.unit === 'flow' ? 'flows/s' : 'req/s';
        log(
          `  ${target.name}: ${result.perSecond.toFixed(scenario.unit === 'flow' ? 1 : 0)} ${unit} (${concurrency}), p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
            `server CPU ${result.serverCpuPercent?.toFixed(0) ?? '-'}% (${result.serverCpuMicrosPerUnit?.toFixed(0) ?? '-'} us/${scenario.unit}), ` +
            (result.databaseCpuPercent === undefined
              ? ''
              : `PostgreSQL CPU ${result.databaseCpuPercent.toFixed(0)}% (${result.databaseCpuMicrosPerUnit?.toFixed(0) ?? '-'} us/${scenario.unit}), `) +
            `load generator CPU ${result.loadGeneratorCpuPercent.toFixed(0)}%, ` +
            `everything else ${result.otherCpuPercent?.toFixed(0) ?? '-'}%` +
            (bad
              ? `, ERRORS: ${result.non2xx + result.warmup.non2xx} bad answers ${JSON.stringify(result.statusCodes)}, ${result.errors + result.warmup.errors} connection errors; e.g. ${result.errorSamples.join(' | ')}`
              : ''),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.get(target.name)!.push(`round ${round}: ${message}`);
        log(`  ${target.name}: FAILED: ${message}`);
      }
    }
  }
  const reports = selected.map((t) => summarise(t, rounds.get(t.name) ?? [], failures.get(t.name) ?? [], extras.get(t.name) ?? {}));
  const ratios: ScenarioReport['ratios'] = Object.fromEntries(
    reports
      .filter((r) => r.name.startsWith(GATEHOUSE_PREFIX) && r.median)
      .map((r) => [
        r.name,
        Object.fromEntries(
          comparedWith(scenario).flatMap((against) => {
            const pair = pairRatios(reports, r.name, against);
            return pair ? [[against, pair]] : [];
          }),
        ),
      ]),
  );
  return {
    name: scenario.name,
    description: scenario.description,
    unit: scenario.unit,
    targets: reports,
    ratios,
    table: render(scenario, reports, ratios, options),
    verdicts: verdictsFor(scenario, reports, ratios, argon2VerifyCpuMs),
    ...(argon2VerifyCpuMs === undefined ? {} : { argon2VerifyCpuMs }),
  };
}

async function runStartup(all: Target[], options: Options): Promise<StartupReport[]> {
  const gatehouses = all.filter((t) => t.server === 'gatehouse');
  const reports: StartupReport[] = [];
  log(`bench: ${STARTUP} — idle RSS after 3 s and spawn-to-first-token of \`gatehouse serve\` on a prepared store`);
  for (const target of gatehouses) {
    if (target.skip) {
      reports.push({ name: target.name, status: 'skipped', reason: target.skip, rounds: [] });
      continue;
    }
    const rounds: StartupReport['rounds'] = [];
    const failures: string[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      log(`bench: ${STARTUP} round ${round}/${options.rounds}: ${target.name}`);
      try {
        const postgres = target.env.DATABASE_URL;
        const result = await measureStartup({ env: process.env, ...(postgres ? { postgresServer: postgres } : {}) });
        rounds.push({ round, ...result });
        log(
          `  ${target.name}: idle RSS ${result.idleRssBytes === undefined ? '-' : (result.idleRssBytes / 1048576).toFixed(1)} MB, ` +
            `first token ${result.firstTokenMs.toFixed(0)} ms after spawn (${result.attempts} attempts; everything else used ${result.otherCpuPercent?.toFixed(0) ?? '-'}% meanwhile)`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(`round ${round}: ${message}`);
        log(`  ${target.name}: FAILED: ${message}`);
      }
    }
    const report: StartupReport = { name: target.name, status: failures.length || rounds.length === 0 ? 'failed' : 'ok', rounds };
    if (failures.length) report.reason = failures.join('; ');
    if (rounds.length) {
      const idle = median(rounds.flatMap((r) => (r.idleRssBytes === undefined ? [] : [r.idleRssBytes])));
      const first = median(rounds.map((r) => r.firstTokenMs))!;
      const other = median(rounds.flatMap((r) => (r.otherCpuPercent === undefined ? [] : [r.otherCpuPercent])));
      report.median = { idleRssBytes: idle, firstTokenMs: first, otherCpuPercent: other };
      const goal = GOALS.startup;
      const idleMb = idle === undefined ? undefined : idle / 1048576;
      const noisy = rounds.some((r) => (r.otherCpuPercent ?? 0) > NOISE_THRESHOLD) ? ', noisy: unreliable' : '';
      report.verdict =
        `${STARTUP} ${target.name}: idle RSS ${idleMb?.toFixed(1) ?? '-'} MB (goal < ${goal.idleRssMb} MB: ${idleMb === undefined ? 'not measured' : idleMb < goal.idleRssMb ? 'met' : 'not met'}), ` +
        `first token ${first.toFixed(0)} ms after spawn (goal < ${goal.firstTokenMs} ms: ${first < goal.firstTokenMs ? 'met' : 'not met'}${noisy})`;
    }
    reports.push(report);
  }
  return reports;
}

function renderStartup(reports: StartupReport[]): string {
  const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : (bytes / 1048576).toFixed(1));
  const header = ['target', 'idle RSS MB', 'first token ms', 'attempts', 'RSS after 1st token MB', 'other CPU %', 'first token ms min-max'];
  const rows = reports.map((r) => {
    if (r.status === 'skipped') return [r.name, 'skipped', '', '', '', '', ''];
    const m = r.median;
    const firsts = r.rounds.map((x) => x.firstTokenMs);
    return [
      r.status === 'failed' ? `${r.name} (FAILED)` : r.name,
      mb(m?.idleRssBytes),
      m ? m.firstTokenMs.toFixed(0) : '-',
      r.rounds.length ? String(median(r.rounds.map((x) => x.attempts))) : '-',
      mb(median(r.rounds.flatMap((x) => (x.rssAfterFirstTokenBytes === undefined ? [] : [x.rssAfterFirstTokenBytes])))),
      m?.otherCpuPercent === undefined ? '-' : m.otherCpuPercent.toFixed(0),
      firsts.length ? `${Math.min(...firsts).toFixed(0)}-${Math.max(...firsts).toFixed(0)}` : '-',
    ];
  });
  return formatTable(header, rows);
}

/** The tenants scenario on each Gatehouse target: one store, one `gatehouse serve`, every mode alternating within it. */
async function runTenants(all: Target[], options: Options): Promise<TenantsReport[]> {
  log(
    `bench: ${TENANTS} — ${options.tenants} tenants through TenantManagement.create, ${options.activeTenants} of them with a client; ` +
      'idle RSS, client_credentials spread over those vs the default tenant in one server, paging GET /admin/tenants',
  );
  const reports: TenantsReport[] = [];
  for (const target of all.filter((t) => t.server === 'gatehouse')) {
    if (target.skip) {
      reports.push({ name: target.name, status: 'skipped', reason: target.skip, verdicts: [] });
      continue;
    }
    log(`bench: ${TENANTS}: ${target.name}`);
    try {
      const postgres = target.env.DATABASE_URL;
      const result = await measureTenants({
        env: process.env,
        ...(postgres ? { postgresServer: postgres } : {}),
        tenants: options.tenants,
        activeTenants: options.activeTenants,
        connections: options.connections,
        duration: options.duration,
        warmup: options.warmup,
        rounds: options.rounds,
      });
      log(`  ${target.name}: verified: ${result.verified}`);
      const verdicts = tenantVerdicts(target.name, result, NOISE_THRESHOLD);
      for (const line of verdicts) log(`  ${line}`);
      reports.push({ name: target.name, status: 'ok', result, table: renderTenants(target.name, result), verdicts });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`  ${target.name}: FAILED: ${message}`);
      reports.push({ name: target.name, status: 'failed', reason: message, verdicts: [] });
    }
  }
  return reports;
}

/** The growth scenario on each Gatehouse target, one after the other (bench/scenarios/growth.ts). */
async function runGrowth(all: Target[], options: Options): Promise<GrowthResult[]> {
  const results: GrowthResult[] = [];
  for (const target of all.filter((t) => t.server === 'gatehouse' && !t.skip)) {
    log(`bench: ${GROWTH}: ${target.name}`);
    const growthOptions = { ...options.growth, tokenLoops: options.refreshLoops, flowLoops: options.flowLoops, duration: options.duration };
    try {
      results.push(await measureGrowth({ name: target.name, env: serverEnv(target, 1) }, growthOptions));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`  ${target.name}: FAILED: ${message}`);
      results.push({ name: target.name, status: 'failed', reason: message, cycles: [] });
    }
  }
  return results;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const all = targets();
  if (options.only) {
    const unknown = options.only.filter((name) => !all.some((t) => t.name === name));
    if (unknown.length) throw new Error(`unknown target: ${unknown.join(', ')} (known: ${all.map((t) => t.name).join(', ')})`);
  }
  const selected = all.filter((t) => !options.only || options.only.includes(t.name));
  const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  const profileDir = `${resultsDir}profiles-${stamp}`;

  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    loadAverage: loadavg(),
  };
  log(`bench: scenarios ${options.scenarios.join(', ')}; targets ${selected.map((t) => t.name).join(', ')}`);
  log(
    `bench: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(
    `bench: ${options.connections} connections (autocannon scenarios), ${options.flowLoops} flow loops, ${options.refreshLoops} refresh loops, ` +
      `${options.warmup} s warm-up + ${options.duration} s per target, ${options.rounds} round(s); the load generator shares the CPUs, so compare ratios, not absolute numbers`,
  );
  for (const target of selected.filter((t) => t.skip)) log(`bench: SKIPPED ${target.name}: ${target.skip}`);
  if (options.perf && !perfAvailable()) throw new Error('--perf needs Linux perf on the PATH');
  if (options.perf) log(`bench: --perf: perf data and summaries go to ${profileDir}`);
  if (options.cpuProf)
    log(`bench: --cpu-prof: profiles go to ${profileDir} (profiling slows the servers; these numbers are not comparable)`);

  const startup = options.scenarios.includes(STARTUP) ? await runStartup(selected, options) : [];
  const reports: ScenarioReport[] = [];
  for (const scenario of scenarios) reports.push(await runScenario(scenario, selected, options, profileDir));
  const tenants = options.scenarios.includes(TENANTS) ? await runTenants(selected, options) : [];
  const instances: InstancesReport[] =
    options.scenarios.includes(INSTANCES) && (!options.only || options.only.includes('gatehouse-postgres'))
      ? [await runInstances({ ...options, env: process.env, postgresServer: postgresUrl() }, NOISE_THRESHOLD, log)]
      : [];
  const growth = options.scenarios.includes(GROWTH) ? await runGrowth(selected, options) : [];

  const out = process.stdout;
  const problems: string[] = [];
  const noisy: string[] = [];
  for (const report of reports) {
    const concurrency = report.targets.find((t) => t.concurrency)?.concurrency ?? '';
    out.write(
      `\n${report.name}: ${report.description}\n${options.rounds} interleaved round(s), ${options.duration} s each (figures: medians over the rounds; ratios: medians of per-round ratios), ${concurrency} (node ${machine.node}, ${machine.cpus} CPUs)\n\n`,
    );
    out.write(`${report.table}\n`);
    for (const target of report.targets.filter((t) => t.note)) out.write(`  ${target.name}: ${target.note}\n`);
    for (const target of report.targets) {
      if (target.status === 'failed') problems.push(`${report.name} ${target.name} failed: ${target.reason ?? 'no rounds completed'}`);
      if (target.totals.non2xx + target.totals.errors > 0) {
        problems.push(
          `${report.name} ${target.name}: ${target.totals.non2xx} bad answers and ${target.totals.errors} connection errors under load — its numbers are not valid`,
        );
      }
      for (const round of target.rounds.filter((r) => (r.otherCpuPercent ?? 0) > NOISE_THRESHOLD)) {
        noisy.push(`${report.name} ${target.name} round ${round.round} (${round.otherCpuPercent!.toFixed(0)}%)`);
      }
    }
  }
  if (reports.length) out.write(`\n${LEGEND}\n`);

  // Gatehouse / oidc-provider, every scenario at a glance: medians of per-round ratios, with their ranges.
  const gatehouseNames = selected.filter((t) => t.server === 'gatehouse' && !t.skip).map((t) => t.name);
  if (reports.length && gatehouseNames.length) {
    const header = ['Gatehouse / oidc-provider (median of rounds, min-max)', ...reports.map((r) => r.name)];
    const rows = gatehouseNames.map((name) => [
      name,
      ...reports.map((r) => {
        const pair = r.ratios[name]?.[BASELINE];
        return pair?.rate.median === undefined
          ? '-'
          : `${formatRatio(pair.rate)}${pair.rate.tooNoisy ? ' NOISY' : ''}, CPU/unit ${formatRatio(pair.cpuPerUnit)}`;
      }),
    ]);
    out.write(`\n${formatTable(header, rows)}\n`);
  }

  if (startup.length) {
    out.write(
      `\n${STARTUP}: \`gatehouse serve\` (dist/src/cli/main.js) restarted on a prepared store (schema, keys, one client); idle RSS = VmRSS after 3 s with no request; first token = spawn to the first 200 from the token endpoint (client_credentials), polled every 10 ms; median of ${options.rounds} round(s)\n\n`,
    );
    out.write(`${renderStartup(startup)}\n`);
    for (const r of startup) if (r.status === 'failed') problems.push(`${STARTUP} ${r.name} failed: ${r.reason}`);
  }

  if (tenants.length) {
    out.write(
      `\n${TENANTS}: ${options.tenants} tenants created one after another through TenantManagement.create (a seed process), ${options.activeTenants} of them ` +
        `given a role and client through their own management; then one fresh \`gatehouse serve\` on that store: idle RSS ${TENANT_IDLE_SECONDS} s after start with no tenant used; ` +
        `first use = each active tenant's first token, one after another; client_credentials at the default tenant, at one tenant's /t/{id} and round-robin over all ` +
        `${options.activeTenants}, alternating, ${options.rounds} round(s) of ${options.duration} s, ${options.connections} connections (ratios: median of per-round ratios); then GET /admin/tenants\n`,
    );
    for (const r of tenants) {
      if (r.table) out.write(`\n${r.table}\n`);
      if (r.status === 'failed') problems.push(`${TENANTS} ${r.name} failed: ${r.reason}`);
      const bad = r.result?.runs.reduce((sum, run) => sum + run.bad, 0) ?? 0;
      if (bad) problems.push(`${TENANTS} ${r.name}: ${bad} bad answers or connection errors under load — its numbers are not valid`);
      for (const run of r.result?.runs.filter((x) => (x.otherCpuPercent ?? 0) > NOISE_THRESHOLD) ?? [])
        noisy.push(`${TENANTS} ${r.name} ${run.mode} round ${run.round} (${run.otherCpuPercent!.toFixed(0)}%)`);
    }
  }

  for (const r of instances) {
    out.write(r.text);
    problems.push(...r.problems);
    noisy.push(...r.noisyRounds);
  }

  for (const r of growth) {
    out.write(r.status === 'ok' ? `\n${GROWTH}:\n${renderGrowth(r)}\n` : '');
    if (r.status === 'failed') problems.push(`${GROWTH} ${r.name} failed: ${r.reason}`);
    for (const cycle of r.cycles) {
      if (cycle.unbounded.length) problems.push(`${GROWTH} ${r.name}: expired rows left in ${cycle.unbounded.join(', ')}`);
      if (cycle.validDeleted.length) problems.push(`${GROWTH} ${r.name}: valid rows purged in ${cycle.validDeleted.join(', ')}`);
    }
  }

  const verdicts = [
    ...reports.flatMap((r) => r.verdicts),
    ...startup.flatMap((r) => (r.verdict ? [r.verdict] : [])),
    ...tenants.flatMap((r) => r.verdicts),
    ...instances.flatMap((r) => r.verdicts),
    ...growth.flatMap(growthVerdicts),
  ];
  if (verdicts.length) out.write(`\ngoals:\n${verdicts.map((v) => `  ${v}\n`).join('')}`);
  for (const target of selected.filter((t) => t.skip)) out.write(`skipped ${target.name}: ${target.skip}\n`);
  if (noisy.length > 0) {
    out.write(
      `WARNING: other processes used more than ${NOISE_THRESHOLD}% of a core during: ${noisy.join(', ')}. ` +
        'Those rates are depressed; a ratio pairs runs of the same round, which shared that moment of the machine, but trust CPU per unit more, ' +
        'or rerun on a quieter machine (--wait-quiet S, more --rounds).\n',
    );
  }
  for (const problem of problems) out.write(`ERROR: ${problem}\n`);

  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}${stamp}.json`;
  const json = {
    scenarios: reports,
    startup,
    tenants,
    instances: instances.map(({ text: _text, ...report }) => report),
    growth,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAtEnd: loadavg() },
    options,
    goals: GOALS,
    /** How the ratios were judged (lib/ratios.ts). */
    noiseRule: { maxSpread: MAX_SPREAD, minRoundsForVerdict: MIN_ROUNDS_FOR_VERDICT },
    verdicts,
    problems,
    noisyRounds: noisy,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
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
