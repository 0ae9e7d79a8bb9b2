/**
 * Bounded growth (issue 14 item 5): what a Gatehouse store keeps after a lot of traffic once time has passed and the
 * purge has run, on SQLite and PostgreSQL. Per cycle, against one `gatehouse serve` (bench/servers/gatehouse.ts with
 * its growth control port, purging only when asked):
 *
 *   1. traffic: client_credentials access tokens, every tenth revoked (RFC 7009); code flows (PKCE) by a browser
 *      that keeps its session (every 20th flow a new browser signs in with the password: a new session, device and
 *      audit event), each followed by refresh rotations; every fourth flow's refresh token and every fourth's access
 *      token revoked;
 *   2. the clock moves 400 days (the stored times move back: growth-control.ts), past every lifetime and retention;
 *   3. a tenth of that traffic again: what is still valid when the purge runs;
 *   4. token endpoint latency (client_credentials and refresh loops) without a purge, then while the purge runs (the
 *      server's own purgeExpired, with its batches, pauses and time limit; run again while it reports a backlog, as
 *      the schedule does);
 *   5. rows and bytes per table before and after (SQLite: the file after its incremental vacuum and a WAL
 *      checkpoint; PostgreSQL: pg_total_relation_size after VACUUM, which makes the space reusable but does not give
 *      it back: a second cycle shows it is reused, not grown).
 *
 * The table holds, for each table, the rows written before the clock moved (old: all expired), those written since
 * (new: valid), what the purge deleted and what is left. Bounded means no old row is left and no more rows were
 * deleted than were old.
 */
import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../lib/child.js';
import { runClosedLoop } from '../lib/closed-loop.js';
import { refreshOnce, runCodeFlow, tokenAnswer } from '../lib/code-flow.js';
import type { Census, EventLoopDelay, TimedPurge } from '../lib/growth-control.js';
import { STORE_TABLES } from '../lib/growth-control.js';
import { Browser, keepAliveAgent, postBasic, StepError, send } from '../lib/http.js';
import type { LoadResult } from '../lib/load.js';
import { GATEHOUSE_NODE_FLAGS } from '../lib/node-flags.js';
import { readCpuSeconds, readMachineBusySeconds, readPostgresCpuSeconds } from '../lib/proc.js';
import type { CodeFlowSetup, ReadyLine } from '../lib/protocol.js';
import { formatTable } from '../lib/stats.js';

export const GROWTH = 'growth';
/** Past every lifetime and retention: refresh families (90 days), audit (90), device cookies (365), invitations. */
const AGE_DAYS = 400;
/** The census counts as old the rows dated more than half that far back: only rows the clock moved are. */
const CENSUS = `/census?days=${AGE_DAYS / 2}`;
const REVOKE_ACCESS_TOKEN_EVERY = 10;
const NEW_BROWSER_EVERY = 20;
/** The traffic after the clock moved, as a share of the traffic before: what is still valid at the purge. */
const LIVE_SHARE = 0.1;
/** Loops of each kind driving the token endpoint while latency is measured. */
const LATENCY_LOOPS = 4;

export interface GrowthOptions {
  tokens: number;
  flows: number;
  refreshes: number;
  cycles: number;
  /** Loops issuing client_credentials tokens, and loops running code flows. */
  tokenLoops: number;
  flowLoops: number;
  /** Seconds of latency measurement without a purge. */
  duration: number;
}

export interface GrowthTarget {
  name: string;
  env: Record<string, string | undefined>;
}

interface Latency {
  clientCredentials: LoadResult['latencyMs'] & { requests: number; bad: number };
  refresh: LoadResult['latencyMs'] & { requests: number; bad: number };
  /** CPU everything but the server, the runner and PostgreSQL used meanwhile, as % of one core: how noisy it was. */
  otherCpuPercent: number | undefined;
}

export interface GrowthCycle {
  cycle: number;
  traffic: { tokens: number; revokedAccessTokens: number; flows: number; signIns: number; refreshes: number; revokedGrants: number };
  trafficSeconds: number;
  /** Rows whose times moved back, per table (a row written again since, as a sign-in counter is, counts here too). */
  aged: Record<string, number>;
  before: Census;
  purges: TimedPurge[];
  after: Census;
  latency: { withoutPurge: Latency; duringPurge: Latency; purgeSeconds: number; eventLoopDelayWithoutPurgeMs: EventLoopDelay };
  /** Tables where rows the clock moved past (and nothing wrote since) outlived the purge. */
  unbounded: string[];
  /** Tables where the purge deleted more rows than were old: valid ones. */
  validDeleted: string[];
}

export interface GrowthResult {
  name: string;
  status: 'ok' | 'failed';
  reason?: string;
  start?: Census;
  cycles: GrowthCycle[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function control<T>(server: ReadyLine, method: 'GET' | 'POST', path: string, agent: Agent): Promise<T> {
  const answer = await send(new URL(path, server.control), { method, agent, timeoutMs: 30 * 60_000 });
  if (answer.status !== 200) throw new Error(`control ${method} ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return JSON.parse(answer.body) as T;
}

/** RFC 7009 §2.2: 200 whatever the token was. */
async function revoke(endpoint: URL, clientId: string, secret: string, token: string, hint: string, agent: Agent): Promise<void> {
  const answer = await postBasic(endpoint, clientId, secret, { token, token_type_hint: hint }, agent);
  if (answer.status !== 200) throw new StepError(`POST revoke ${hint}`, answer.status, answer.body.slice(0, 200));
}

interface Traffic {
  server: ReadyLine;
  serverPid: number;
  postgresPort: number | undefined;
  setup: CodeFlowSetup;
  revocation: URL;
  counts: GrowthCycle['traffic'];
}

/** `tokens` client_credentials tokens from `loops` loops; every REVOKE_ACCESS_TOKEN_EVERY-th revoked. */
async function issueTokens(traffic: Traffic, tokens: number, loops: number): Promise<LoadResult> {
  const { server, counts } = traffic;
  const agents = Array.from({ length: loops }, () => keepAliveAgent());
  let started = 0;
  const tokenUrl = new URL(server.tokenEndpoint);
  try {
    return await runClosedLoop(
      async (loop) => {
        const n = started++;
        const agent = agents[loop]!;
        const issued = tokenAnswer(
          'POST token client_credentials',
          await postBasic(tokenUrl, server.clientId, server.clientSecret, { grant_type: 'client_credentials', scope: server.scope }, agent),
        );
        counts.tokens++;
        if (n % REVOKE_ACCESS_TOKEN_EVERY !== 0) return 1;
        await revoke(traffic.revocation, server.clientId, server.clientSecret, issued.access_token, 'access_token', agent);
        counts.revokedAccessTokens++;
        return 2;
      },
      { loops, duration: 24 * 3600, until: () => started >= tokens },
    );
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

/** `flows` code flows from `loops` loops, `refreshes` rotations spread over them, a quarter of each kind revoked. */
async function runFlows(traffic: Traffic, flows: number, refreshes: number, loops: number): Promise<LoadResult> {
  const { server, setup, counts } = traffic;
  const agents = Array.from({ length: loops }, () => keepAliveAgent());
  const browsers: (Browser | undefined)[] = Array.from({ length: loops }, () => undefined);
  let started = 0;
  try {
    return await runClosedLoop(
      async (loop) => {
        const n = started++;
        const agent = agents[loop]!;
        if (browsers[loop] === undefined || n % NEW_BROWSER_EVERY === 0) browsers[loop] = new Browser(agent);
        const flow = await runCodeFlow(server, setup, agent, browsers[loop]);
        if (flow.sawLogin) counts.signIns++;
        counts.flows++;
        let requests = flow.requests;
        let tokens = flow.tokens;
        // This flow's share of the rotations: refreshes * (n + 1) / flows, less what earlier flows took.
        const rotations = Math.floor((refreshes * (n + 1)) / flows) - Math.floor((refreshes * n) / flows);
        for (let i = 0; i < rotations; i++) {
          tokens = await refreshOnce(server, setup, tokens.refresh_token!, agent);
          counts.refreshes++;
          requests++;
        }
        if (n % 4 === 1) {
          // Revoking a refresh token revokes its grant (RFC 7009 §2.1), with every token issued from it.
          await revoke(traffic.revocation, setup.clientId, setup.clientSecret, tokens.refresh_token!, 'refresh_token', agent);
          counts.revokedGrants++;
          requests++;
        } else if (n % 4 === 2) {
          await revoke(traffic.revocation, setup.clientId, setup.clientSecret, tokens.access_token, 'access_token', agent);
          counts.revokedAccessTokens++;
          requests++;
        }
        return requests;
      },
      { loops, duration: 24 * 3600, until: () => started >= flows },
    );
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

function badAnswers(result: LoadResult, what: string): void {
  if (result.non2xx + result.errors > 0)
    throw new Error(`${what}: ${result.non2xx} bad answers, ${result.errors} connection errors: ${(result.errorSamples ?? []).join('; ')}`);
}

/**
 * client_credentials loops and refresh loops at once (each refresh loop holding a token from its own code flow, got
 * beforehand), started by `run` and ending when `stop` says so or `duration` seconds have passed.
 */
async function tokenEndpointLoad(traffic: Traffic): Promise<{ run: (duration: number, stop?: () => boolean) => Promise<Latency> }> {
  const { server, setup } = traffic;
  const agents = Array.from({ length: 2 * LATENCY_LOOPS }, () => keepAliveAgent());
  const refreshTokens: string[] = [];
  for (let i = 0; i < LATENCY_LOOPS; i++) refreshTokens.push((await runCodeFlow(server, setup, agents[i]!)).tokens.refresh_token!);
  const tokenUrl = new URL(server.tokenEndpoint);
  const summary = (r: LoadResult) => ({ ...r.latencyMs, requests: r.requests, bad: r.non2xx + r.errors });
  return {
    run: async (duration, stop) => {
      const options = { loops: LATENCY_LOOPS, duration, ...(stop ? { until: stop } : {}) };
      const others = otherCpu(traffic);
      try {
        const [cc, refresh] = await Promise.all([
          runClosedLoop(async (loop) => {
            tokenAnswer(
              'POST token client_credentials',
              await postBasic(
                tokenUrl,
                server.clientId,
                server.clientSecret,
                { grant_type: 'client_credentials', scope: server.scope },
                agents[LATENCY_LOOPS + loop]!,
              ),
            );
            return 1;
          }, options),
          runClosedLoop(async (loop) => {
            refreshTokens[loop] = (await refreshOnce(server, setup, refreshTokens[loop]!, agents[loop]!)).refresh_token!;
            return 1;
          }, options),
        ]);
        return { clientCredentials: summary(cc), refresh: summary(refresh), otherCpuPercent: others() };
      } finally {
        for (const agent of agents) agent.destroy();
      }
    },
  };
}

/** Starts counting the CPU of everything else; the function returns it as % of one core since then. */
function otherCpu({ serverPid, postgresPort }: Traffic): () => number | undefined {
  const sample = () => ({
    at: performance.now(),
    machine: readMachineBusySeconds(),
    server: readCpuSeconds(serverPid),
    runner: process.cpuUsage(),
    postgres: postgresPort === undefined ? 0 : readPostgresCpuSeconds(postgresPort),
  });
  const start = sample();
  return () => {
    const end = sample();
    if ([start.machine, end.machine, start.server, end.server, start.postgres, end.postgres].includes(undefined)) return undefined;
    const runner = process.cpuUsage(start.runner);
    const ours = end.server! - start.server! + (end.postgres! - start.postgres!) + (runner.user + runner.system) / 1e6;
    return Math.max(0, (100 * (end.machine! - start.machine! - ours)) / ((end.at - start.at) / 1000));
  };
}

/** Rows deleted by every purge run of a cycle, per table. */
function deletedOf(purges: readonly TimedPurge[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const { report } of purges) for (const [table, count] of Object.entries(report.deleted)) sum[table] = (sum[table] ?? 0) + count;
  return sum;
}

async function runCycle(traffic: Traffic, options: GrowthOptions, cycle: number, agent: Agent): Promise<GrowthCycle> {
  const { server } = traffic;
  traffic.counts = { tokens: 0, revokedAccessTokens: 0, flows: 0, signIns: 0, refreshes: 0, revokedGrants: 0 };
  const began = performance.now();
  log(`  cycle ${cycle}: ${options.tokens} client_credentials tokens, ${options.flows} code flows, ${options.refreshes} refreshes`);
  const [tokens, flows] = await Promise.all([
    issueTokens(traffic, options.tokens, options.tokenLoops),
    runFlows(traffic, options.flows, options.refreshes, options.flowLoops),
  ]);
  badAnswers(tokens, 'client_credentials traffic');
  badAnswers(flows, 'code-flow traffic');
  const trafficSeconds = (performance.now() - began) / 1000;
  log(`  cycle ${cycle}: traffic took ${trafficSeconds.toFixed(0)} s; the clock moves ${AGE_DAYS} days`);
  const aged = await control<Record<string, number>>(server, 'POST', `/age?days=${AGE_DAYS}`, agent);
  const [liveTokens, liveFlows] = await Promise.all([
    issueTokens(traffic, Math.round(options.tokens * LIVE_SHARE), options.tokenLoops),
    runFlows(traffic, Math.round(options.flows * LIVE_SHARE), Math.round(options.refreshes * LIVE_SHARE), options.flowLoops),
  ]);
  badAnswers(liveTokens, 'client_credentials traffic after the clock moved');
  badAnswers(liveFlows, 'code-flow traffic after the clock moved');

  log(`  cycle ${cycle}: token endpoint latency without a purge (${options.duration} s)`);
  const quiet = await tokenEndpointLoad(traffic);
  const [withoutPurge, eventLoopDelayWithoutPurgeMs] = await Promise.all([
    quiet.run(options.duration),
    control<EventLoopDelay>(server, 'POST', `/delay?ms=${options.duration * 1000}`, agent),
  ]);
  const load = await tokenEndpointLoad(traffic);
  const before = await control<Census>(server, 'GET', CENSUS, agent);
  log(`  cycle ${cycle}: purging, the token endpoint under the same load`);
  const purges: TimedPurge[] = [];
  let purging = true;
  const purgeStarted = performance.now();
  const purged = (async () => {
    try {
      // As the schedule does: a run that stopped at its time limit is followed by another.
      do purges.push(await control<TimedPurge>(server, 'POST', '/purge', agent));
      while (!purges.at(-1)!.report.complete);
    } finally {
      purging = false;
    }
  })();
  const duringPurge = await load.run(24 * 3600, () => !purging);
  await purged;
  const purgeSeconds = (performance.now() - purgeStarted) / 1000;
  await control(server, 'POST', '/vacuum', agent);
  const after = await control<Census>(server, 'GET', CENSUS, agent);
  const unbounded = STORE_TABLES.filter((table) => (after.tables[table].old ?? 0) > 0);
  const deleted = deletedOf(purges);
  const validDeleted = STORE_TABLES.filter((table) => (deleted[table] ?? 0) > (before.tables[table].old ?? 0));
  log(
    `  cycle ${cycle}: purge ${purgeSeconds.toFixed(1)} s in ${purges.length} run(s); database ${mb(before.databaseBytes)} -> ${mb(after.databaseBytes)} MB` +
      (unbounded.length ? `; NOT every expired row deleted in ${unbounded.join(', ')}` : '') +
      (validDeleted.length ? `; valid rows deleted in ${validDeleted.join(', ')}` : ''),
  );
  return {
    cycle,
    traffic: { ...traffic.counts },
    trafficSeconds,
    aged,
    before,
    purges,
    after,
    latency: { withoutPurge, duringPurge, purgeSeconds, eventLoopDelayWithoutPurgeMs },
    unbounded,
    validDeleted,
  };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

async function discoverRevocation(server: ReadyLine, agent: Agent): Promise<URL> {
  const answer = await send(new URL('/.well-known/openid-configuration', server.url), { method: 'GET', agent });
  const endpoint = (JSON.parse(answer.body) as { revocation_endpoint?: string }).revocation_endpoint;
  if (!endpoint) throw new Error('discovery names no revocation_endpoint');
  return new URL(endpoint);
}

/** The growth scenario on one Gatehouse target (its env as the runner gives it to every server). */
export async function measureGrowth(target: GrowthTarget, options: GrowthOptions): Promise<GrowthResult> {
  const script = fileURLToPath(new URL('../servers/gatehouse.js', import.meta.url));
  const server = await ServerProcess.start({
    name: target.name,
    script,
    env: { ...target.env, BENCH_GROWTH_CONTROL: 'on', BENCH_WORKERS: '1' },
    nodeArgs: GATEHOUSE_NODE_FLAGS,
  });
  const agent = keepAliveAgent(1);
  try {
    const ready = server.ready;
    if (!ready.control || !ready.codeFlow) throw new Error('the server announced no growth control port or code flow');
    const traffic: Traffic = {
      server: ready,
      serverPid: server.pid,
      postgresPort: target.env.DATABASE_URL ? Number(new URL(target.env.DATABASE_URL).port || 5432) : undefined,
      setup: ready.codeFlow,
      revocation: await discoverRevocation(ready, agent),
      counts: { tokens: 0, revokedAccessTokens: 0, flows: 0, signIns: 0, refreshes: 0, revokedGrants: 0 },
    };
    const start = await control<Census>(ready, 'GET', CENSUS, agent);
    const cycles: GrowthCycle[] = [];
    for (let cycle = 1; cycle <= options.cycles; cycle++) cycles.push(await runCycle(traffic, options, cycle, agent));
    return { name: target.name, status: 'ok', start, cycles };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** Per cycle: rows and bytes of every table that changed, then the latency of the token endpoint. */
export function renderGrowth(result: GrowthResult): string {
  const parts: string[] = [];
  const kb = (bytes: number) => (bytes / 1024).toFixed(0);
  for (const cycle of result.cycles) {
    const deleted = deletedOf(cycle.purges);
    const t = cycle.traffic;
    parts.push(
      `${result.name}, cycle ${cycle.cycle}: ${t.tokens} client_credentials tokens, ${t.flows} code flows (${t.signIns} with a password), ` +
        `${t.refreshes} refreshes, ${t.revokedAccessTokens} access tokens and ${t.revokedGrants} refresh tokens revoked, in ${cycle.trafficSeconds.toFixed(0)} s; ` +
        `purge ${cycle.latency.purgeSeconds.toFixed(1)} s in ${cycle.purges.length} run(s); the server's event-loop delay p99/max ` +
        `${cycle.latency.eventLoopDelayWithoutPurgeMs.p99}/${cycle.latency.eventLoopDelayWithoutPurgeMs.max} ms under the same load without a purge, ` +
        cycle.purges.map(({ eventLoopDelayMs: d }) => `${d.p99}/${d.max} ms`).join(', ') +
        ' during it',
    );
    const changed = STORE_TABLES.filter(
      (table) =>
        cycle.before.tables[table].old !== undefined || cycle.before.tables[table].rows !== (result.start?.tables[table].rows ?? 0),
    );
    const rows = changed.map((table) => {
      const before = cycle.before.tables[table];
      const after = cycle.after.tables[table];
      return [
        table,
        before.old === undefined ? '-' : String(before.old),
        before.old === undefined ? '-' : String(before.rows - before.old),
        String(deleted[table] ?? 0),
        String(after.rows),
        after.old === undefined ? '-' : String(after.old),
        kb(before.bytes),
        kb(after.bytes),
      ];
    });
    rows.push(['database', '', '', '', '', '', kb(cycle.before.databaseBytes), kb(cycle.after.databaseBytes)]);
    parts.push(formatTable(['table', 'old rows', 'new rows', 'deleted', 'rows after', 'old left', 'KiB before', 'KiB after'], rows));
    const { withoutPurge, duringPurge } = cycle.latency;
    const line = (name: string, l: Latency['refresh'], other: number | undefined) => [
      name,
      String(l.requests),
      l.p50.toFixed(1),
      l.p99.toFixed(1),
      l.max.toFixed(1),
      String(l.bad),
      other === undefined ? '-' : other.toFixed(0),
    ];
    parts.push(
      formatTable(
        ['token endpoint', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'bad', 'other CPU %'],
        [
          line('client_credentials, no purge', withoutPurge.clientCredentials, withoutPurge.otherCpuPercent),
          line('client_credentials, purging', duringPurge.clientCredentials, duringPurge.otherCpuPercent),
          line('refresh_token, no purge', withoutPurge.refresh, withoutPurge.otherCpuPercent),
          line('refresh_token, purging', duringPurge.refresh, duringPurge.otherCpuPercent),
        ],
      ),
    );
  }
  return parts.join('\n\n');
}

export function growthVerdicts(result: GrowthResult): string[] {
  if (result.status !== 'ok') return [];
  return result.cycles.map((cycle) => {
    const { withoutPurge: quiet, duringPurge: busy } = cycle.latency;
    const bounded = cycle.unbounded.length
      ? `NOT bounded: the purge left expired rows in ${cycle.unbounded.join(', ')}`
      : cycle.validDeleted.length
        ? `WRONG: the purge deleted valid rows in ${cycle.validDeleted.join(', ')}`
        : 'bounded: the purge deleted every expired row and no valid one';
    return (
      `${GROWTH} ${result.name} cycle ${cycle.cycle}: ${bounded}; database ${mb(cycle.before.databaseBytes)} -> ${mb(cycle.after.databaseBytes)} MB; ` +
      `token endpoint p99 client_credentials ${quiet.clientCredentials.p99.toFixed(1)} -> ${busy.clientCredentials.p99.toFixed(1)} ms, ` +
      `refresh ${quiet.refresh.p99.toFixed(1)} -> ${busy.refresh.p99.toFixed(1)} ms during the purge`
    );
  });
}
