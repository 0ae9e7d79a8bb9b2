/**
 * The tenants scenario (issue 11, item 7): many tenants on one deployment, Gatehouse alone (no other server has
 * tenants). On a throwaway store, a seed process creates the tenants through TenantManagement.create and gives the
 * first of them a client through each tenant's own management (bench/servers/gatehouse-tenants-seed.ts, timed). Then
 * the real `gatehouse serve` starts fresh on that store, and in that one process:
 *
 *   idle RSS        VmRSS 3 s after it is up, before any tenant is used
 *   first use       one token from each active tenant in turn (each tenant's services built then), checked
 *   throughput      client_credentials, the default tenant alone vs round-robin over every active tenant at
 *                   /t/{id}/oauth2/token (and one tenant at its /t/ path, to tell routing from spreading), the modes
 *                   alternating round by round; the result is the median of the per-round ratios
 *   RSS after load  VmRSS after the rounds: what the bounded caches hold with the active tenants in use
 *   paging          GET /admin/tenants through every tenant (limit 100, following `next`) and with `search`,
 *                   each page's latency, each answer checked against the full list
 */

import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { type ScriptProcess, spawnScript, stopScript } from '../lib/child.js';
import { keepAliveAgent, postBasic, send } from '../lib/http.js';
import { type HttpRequest, runLoad } from '../lib/load.js';
import { ProcessMonitor, readMachineBusySeconds, readPostgresCpuSeconds, readRss } from '../lib/proc.js';
import { BENCH_SCOPE } from '../lib/protocol.js';
import { formatRatio, judge, pairedRatios, type RatioSummary } from '../lib/ratios.js';
import { runSeed, sleep, throwawayStore } from '../lib/startup.js';
import { formatTable, type LoadRunFigures, loadRunCells, median, medianCell, rateRange, runCpuFigures } from '../lib/stats.js';
import type { SeededTenants } from '../servers/gatehouse-tenants-seed.js';
import { tokenRequest } from './client-credentials.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SEED = fileURLToPath(new URL('../servers/gatehouse-tenants-seed.js', import.meta.url));
const ADMIN_SCOPE = 'gatehouse:admin';
/** How long the server idles after start before its RSS is read. */
export const TENANT_IDLE_SECONDS = 3;
const PAGE_SIZE = 100;

/** Issue 11, item 7. */
export const TENANT_GOALS = { createSeconds: 60, spreadVsSingle: 0.85, idleRssMb: 150, pageMs: 100 } as const;

export type LoadMode = 'default tenant' | 'one tenant' | 'spread';
const MODES: readonly LoadMode[] = ['default tenant', 'one tenant', 'spread'];

export interface TenantsOptions {
  env: NodeJS.ProcessEnv;
  postgresServer?: string;
  tenants: number;
  activeTenants: number;
  connections: number;
  duration: number;
  warmup: number;
  rounds: number;
}

export interface ModeRun extends LoadRunFigures {
  mode: LoadMode;
}

export interface PagingRun {
  name: string;
  search: string | undefined;
  pages: number;
  found: number;
  medianMs: number;
  maxMs: number;
}

export interface TenantsResult {
  tenants: number;
  activeTenants: number;
  createSeconds: number;
  clientsSeconds: number;
  idleRssBytes: number | undefined;
  rssAfterLoadBytes: number | undefined;
  peakRssBytes: number | undefined;
  /** The first token of each active tenant, one after another: the cost of building a tenant's services. */
  firstUse: { medianMs: number; maxMs: number };
  verified: string;
  runs: ModeRun[];
  /**
   * Medians of the per-round ratios to the default tenant's: of req/s, and of CPU per token (server + PostgreSQL),
   * which a busy machine disturbs less than the rate.
   */
  ratios: { spreadVsSingle: RatioSummary; oneVsSingle: RatioSummary; spreadCpuVsSingle: RatioSummary };
  paging: PagingRun[];
}

/** Runs the whole scenario on one throwaway store; throws if any answer is wrong. */
export async function measureTenants(options: TenantsOptions): Promise<TenantsResult> {
  const store = await throwawayStore({ env: options.env, ...(options.postgresServer ? { postgresServer: options.postgresServer } : {}) });
  const env = { ...store.env, BENCH_TENANTS: String(options.tenants), BENCH_ACTIVE_TENANTS: String(options.activeTenants) };
  const { issuer } = store;
  const agent = keepAliveAgent(1);
  try {
    const seeded = await runSeed<SeededTenants>(SEED, env);
    const server = spawnScript(CLI, ['serve'], env);
    try {
      await waitHealthy(issuer, server);
      // Up and idle: nothing but /health has been asked of it.
      await sleep(TENANT_IDLE_SECONDS * 1000);
      const pid = server.child.pid!;
      const idleRssBytes = readRss(pid)?.rss;

      const { verified, firstUseMs } = await verifyTokens(issuer, seeded, agent);
      const loads = loadsOf(issuer, seeded);
      const monitor = new ProcessMonitor(pid);
      const postgresPort = options.postgresServer ? Number(new URL(options.postgresServer).port || 5432) : undefined;
      const runs: ModeRun[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        // Odd rounds in one order, even rounds in the other, so a drift of the machine favours no mode.
        for (const mode of round % 2 === 1 ? MODES : [...MODES].reverse()) {
          runs.push(await measureMode(loads[mode], mode, round, pid, postgresPort, options));
          if (server.child.exitCode !== null) throw new Error(`gatehouse serve exited during the ${mode} load`);
        }
      }
      const rssAfterLoadBytes = readRss(pid)?.rss;
      const peakRssBytes = monitor.stop();
      // Still answering correctly after the load, not just answering.
      await verifyTokens(issuer, seeded, agent);
      const paging = await pageTenants(issuer, seeded, agent);
      const cpuPerToken = (run: ModeRun) =>
        run.serverCpuMicrosPerRequest === undefined ? undefined : run.serverCpuMicrosPerRequest + (run.databaseCpuMicrosPerRequest ?? 0);
      const figures = (mode: LoadMode, metric: (run: ModeRun) => number | undefined) =>
        runs.filter((run) => run.mode === mode).map((run) => ({ round: run.round, value: metric(run) }));
      const perRound = (mode: LoadMode, metric: (run: ModeRun) => number | undefined = (run) => run.perSecond) =>
        pairedRatios(figures(mode, metric), figures('default tenant', metric));
      return {
        tenants: seeded.tenants,
        activeTenants: seeded.active.length,
        createSeconds: seeded.createMs / 1000,
        clientsSeconds: seeded.clientsMs / 1000,
        idleRssBytes,
        rssAfterLoadBytes,
        peakRssBytes,
        firstUse: { medianMs: median(firstUseMs)!, maxMs: Math.max(...firstUseMs) },
        verified,
        runs,
        ratios: {
          spreadVsSingle: perRound('spread'),
          oneVsSingle: perRound('one tenant'),
          spreadCpuVsSingle: perRound('spread', cpuPerToken),
        },
        paging,
      };
    } finally {
      await stopScript(server);
    }
  } finally {
    agent.destroy();
    await store.dispose();
  }
}

async function waitHealthy(issuer: string, server: ScriptProcess): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`gatehouse serve exited: ${server.stderr().trim()}`);
    const healthy = await fetch(`${issuer}/health`).then(
      async (response) => (await response.arrayBuffer(), response.ok),
      () => false,
    );
    if (healthy) return;
    await sleep(50);
  }
  throw new Error(`gatehouse serve was not healthy within 30 s: ${server.stderr().trim()}`);
}

const tokenEndpointOf = (issuer: string, tenant: string) => `${issuer}/t/${tenant}/oauth2/token`;

function loadsOf(issuer: string, seeded: SeededTenants): Record<LoadMode, HttpRequest[]> {
  const request = (tokenEndpoint: string, client: { clientId: string; clientSecret: string }) =>
    tokenRequest({ tokenEndpoint, scope: BENCH_SCOPE, ...client });
  const first = seeded.active[0]!;
  return {
    'default tenant': [request(`${issuer}/oauth2/token`, seeded.single)],
    'one tenant': [request(tokenEndpointOf(issuer, first.tenant), first)],
    spread: seeded.active.map((active) => request(tokenEndpointOf(issuer, active.tenant), active)),
  };
}

async function measureMode(
  load: HttpRequest[],
  mode: LoadMode,
  round: number,
  pid: number,
  postgresPort: number | undefined,
  options: TenantsOptions,
): Promise<ModeRun> {
  const connections = { connections: options.connections };
  const warm = options.warmup > 0 ? await runLoad(load, { ...connections, duration: options.warmup }) : undefined;
  const monitor = new ProcessMonitor(pid);
  const cpuBefore = monitor.cpuSeconds();
  const databaseBefore = postgresPort === undefined ? undefined : readPostgresCpuSeconds(postgresPort);
  const machineBefore = readMachineBusySeconds();
  const ownBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await runLoad(load, { ...connections, duration: options.duration });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const own = process.cpuUsage(ownBefore);
  const cpuAfter = monitor.cpuSeconds();
  const databaseAfter = postgresPort === undefined ? undefined : readPostgresCpuSeconds(postgresPort);
  const machineAfter = readMachineBusySeconds();
  monitor.stop();
  const cpuFigures = runCpuFigures(
    { server: cpuBefore, database: databaseBefore, machine: machineBefore },
    { server: cpuAfter, database: databaseAfter, machine: machineAfter },
    own,
    wallSeconds,
    result.ok,
  );
  return {
    round,
    mode,
    perSecond: result.requestsPerSecond,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    bad: result.non2xx + result.errors + (warm ? warm.non2xx + warm.errors : 0),
    ...cpuFigures,
  };
}

/**
 * One token from every active tenant, one after another, each checked to be that tenant's (RFC 9068 claims and the
 * tenant claim; the signature against the tenant's own JWKS for the first, a middle and the last), and the default
 * tenant's; a client of one tenant refused at another's token endpoint (RFC 6749 §5.2 invalid_client).
 */
async function verifyTokens(
  issuer: string,
  seeded: SeededTenants,
  agent: ReturnType<typeof keepAliveAgent>,
): Promise<{ verified: string; firstUseMs: number[] }> {
  const token = async (tokenEndpoint: string, client: { clientId: string; clientSecret: string }) => {
    const answer = await postBasic(
      new URL(tokenEndpoint),
      client.clientId,
      client.clientSecret,
      { grant_type: 'client_credentials', scope: BENCH_SCOPE },
      agent,
    );
    if (answer.status !== 200) throw new Error(`${tokenEndpoint} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    return (JSON.parse(answer.body) as { access_token: string }).access_token;
  };
  const firstUseMs: number[] = [];
  const signatureChecked = new Set([0, Math.floor(seeded.active.length / 2), seeded.active.length - 1]);
  for (const [index, active] of seeded.active.entries()) {
    const tenantIssuer = `${issuer}/t/${active.tenant}`;
    const startedAt = performance.now();
    const accessToken = await token(tokenEndpointOf(issuer, active.tenant), active);
    firstUseMs.push(performance.now() - startedAt);
    const claims = signatureChecked.has(index)
      ? (
          await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${tenantIssuer}/.well-known/jwks.json`)), {
            algorithms: ['ES256'],
            typ: 'at+jwt',
            issuer: tenantIssuer,
            audience: `${tenantIssuer}/api`,
          })
        ).payload
      : decodeJwt(accessToken);
    if (
      claims.iss !== tenantIssuer ||
      claims.tenant !== active.tenant ||
      claims.client_id !== active.clientId ||
      claims.scope !== BENCH_SCOPE
    )
      throw new Error(`${active.tenant}'s token is not its own: ${JSON.stringify(claims)}`);
  }
  const root = decodeJwt(await token(`${issuer}/oauth2/token`, seeded.single));
  if (root.iss !== issuer || root.tenant !== 'default')
    throw new Error(`the default tenant's token names ${String(root.iss)} / ${String(root.tenant)}`);
  const [a, b] = seeded.active;
  if (a && b) {
    const refused = await postBasic(
      new URL(tokenEndpointOf(issuer, b.tenant)),
      a.clientId,
      a.clientSecret,
      { grant_type: 'client_credentials' },
      agent,
    );
    if (refused.status !== 401 || (JSON.parse(refused.body) as { error?: string }).error !== 'invalid_client')
      throw new Error(`${a.tenant}'s client at ${b.tenant}'s token endpoint was answered ${refused.status} ${refused.body.slice(0, 200)}`);
  }
  return {
    verified: `a token from each of ${seeded.active.length} tenants and the default tenant, each naming its issuer and tenant (3 signatures checked against their tenant's JWKS); another tenant's client refused with 401 invalid_client`,
    firstUseMs,
  };
}

interface TenantRow {
  id: string;
  name: string;
}

/**
 * GET /admin/tenants page by page, following `next` (as the console's list will): once through all of them, then
 * with searches a console user would type. Every answer is checked against the full list: the server's rule is an id
 * that starts with the search or a name that contains it, case-insensitively, in id order.
 */
async function pageTenants(issuer: string, seeded: SeededTenants, agent: ReturnType<typeof keepAliveAgent>): Promise<PagingRun[]> {
  const issued = await postBasic(
    new URL(`${issuer}/oauth2/token`),
    seeded.admin.clientId,
    seeded.admin.clientSecret,
    { grant_type: 'client_credentials', scope: ADMIN_SCOPE },
    agent,
  );
  if (issued.status !== 200) throw new Error(`the admin token was refused: ${issued.status} ${issued.body.slice(0, 200)}`);
  const headers = {
    authorization: `Bearer ${(JSON.parse(issued.body) as { access_token: string }).access_token}`,
    accept: 'application/json',
  };
  const pageThrough = async (name: string, search: string | undefined): Promise<{ run: PagingRun; rows: TenantRow[] }> => {
    const rows: TenantRow[] = [];
    const latencies: number[] = [];
    let after: string | undefined;
    do {
      const query = new URLSearchParams({
        limit: String(PAGE_SIZE),
        ...(search === undefined ? {} : { search }),
        ...(after ? { after } : {}),
      });
      const startedAt = performance.now();
      const answer = await send(new URL(`${issuer}/admin/tenants?${query}`), { method: 'GET', headers, agent });
      latencies.push(performance.now() - startedAt);
      if (answer.status !== 200) throw new Error(`GET /admin/tenants?${query} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      const page = JSON.parse(answer.body) as { tenants: TenantRow[]; next: string | null };
      if (page.tenants.length > PAGE_SIZE) throw new Error(`a page of limit ${PAGE_SIZE} had ${page.tenants.length} tenants`);
      rows.push(...page.tenants.map(({ id, name }) => ({ id, name })));
      after = page.next ?? undefined;
    } while (after !== undefined);
    return {
      rows,
      run: { name, search, pages: latencies.length, found: rows.length, medianMs: median(latencies)!, maxMs: Math.max(...latencies) },
    };
  };
  const all = await pageThrough('every tenant', undefined);
  const ids = all.rows.map((row) => row.id);
  if (new Set(ids).size !== ids.length || ids.some((id, i) => i > 0 && ids[i - 1]! >= id))
    throw new Error('the pages of /admin/tenants repeat or disorder tenants');
  if (ids.length !== seeded.tenants + 1) throw new Error(`/admin/tenants paged through ${ids.length} tenants, not ${seeded.tenants + 1}`);
  const runs = [all.run];
  for (const [name, search] of [
    ['id prefix, 100 found', 'acct-012'],
    ['name contains, 1 in 10 found', '5 ltd'],
    ['name contains, none found', 'no such account'],
  ] as const) {
    const searched = await pageThrough(name, search);
    const expected = all.rows.filter((row) => row.id.startsWith(search) || row.name.toLowerCase().includes(search)).map((row) => row.id);
    if (JSON.stringify(searched.rows.map((row) => row.id)) !== JSON.stringify(expected))
      throw new Error(`search "${search}" found ${searched.rows.length} tenants, expected ${expected.length}`);
    runs.push(searched.run);
  }
  return runs;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : (bytes / 1048576).toFixed(1));

/** The scenario's tables: seeding and memory, the throughput of each mode (median over rounds), and the paging. */
export function renderTenants(name: string, result: TenantsResult): string {
  const summary = formatTable(
    ['target', 'tenants', 'create s', 'active', 'clients s', 'idle RSS MB', 'RSS after load MB', 'peak RSS MB', 'first use ms p50/max'],
    [
      [
        name,
        String(result.tenants),
        result.createSeconds.toFixed(1),
        String(result.activeTenants),
        result.clientsSeconds.toFixed(1),
        mb(result.idleRssBytes),
        mb(result.rssAfterLoadBytes),
        mb(result.peakRssBytes),
        `${result.firstUse.medianMs.toFixed(1)}/${result.firstUse.maxMs.toFixed(1)}`,
      ],
    ],
  );
  const withDatabase = result.runs.some((run) => run.databaseCpuMicrosPerRequest !== undefined);
  const throughput = formatTable(
    [
      'client_credentials',
      'req/s',
      'p50 ms',
      'p99 ms',
      'bad answers+errors',
      'CPU us/req',
      ...(withDatabase ? ['+ PG us/req'] : []),
      'other CPU %',
      'vs default tenant',
      'req/s min-max',
    ],
    MODES.map((mode) => {
      const runs = result.runs.filter((run) => run.mode === mode);
      const rates = runs.map((run) => run.perSecond);
      const ratio = mode === 'spread' ? result.ratios.spreadVsSingle : mode === 'one tenant' ? result.ratios.oneVsSingle : undefined;
      return [
        mode === 'spread'
          ? `spread over ${result.activeTenants} tenants`
          : mode === 'one tenant'
            ? 'one tenant at /t/{id}'
            : 'default tenant',
        medianCell(rates),
        ...loadRunCells(runs, withDatabase),
        ratio === undefined ? '' : formatRatio(ratio),
        rateRange(rates),
      ];
    }),
  );
  const paging = formatTable(
    ['GET /admin/tenants (limit 100)', 'search', 'pages', 'found', 'page ms p50', 'page ms max'],
    result.paging.map((run) => [
      run.name,
      run.search ?? '',
      String(run.pages),
      String(run.found),
      run.medianMs.toFixed(1),
      run.maxMs.toFixed(1),
    ]),
  );
  return `${summary}\n\n${throughput}\n\n${paging}`;
}

/** One line per goal of issue 11 item 7, met or MISSED; the ratio is judged as the other scenarios' are (lib/ratios.ts). */
export function tenantVerdicts(name: string, result: TenantsResult, noiseThreshold: number): string[] {
  const goal = TENANT_GOALS;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const bad = result.runs.reduce((sum, run) => sum + run.bad, 0);
  const noisy = result.runs.some((run) => (run.otherCpuPercent ?? 0) > noiseThreshold) ? ', noisy run: unreliable' : '';
  const idleMb = result.idleRssBytes === undefined ? undefined : result.idleRssBytes / 1048576;
  const spread = result.ratios.spreadVsSingle;
  const spreadVerdict = judge(spread, goal.spreadVsSingle, bad > 0);
  const slowest = Math.max(...result.paging.map((run) => run.maxMs));
  const pages = result.paging.reduce((sum, run) => sum + run.pages, 0);
  return [
    `tenants ${name}: ${result.tenants} tenants created in ${result.createSeconds.toFixed(1)} s (goal < ${goal.createSeconds} s: ${met(result.createSeconds < goal.createSeconds)})`,
    `tenants ${name}: idle RSS with ${result.tenants} tenants ${idleMb?.toFixed(1) ?? '-'} MB (goal < ${goal.idleRssMb} MB: ${idleMb === undefined ? 'not measured' : met(idleMb < goal.idleRssMb)}); ${mb(result.rssAfterLoadBytes)} MB after the load over ${result.activeTenants}`,
    `tenants ${name}: client_credentials spread over ${result.activeTenants} tenants ${formatRatio(spread)} the default tenant's req/s (goal >= ${goal.spreadVsSingle}x: ${spreadVerdict === 'met' || spreadVerdict === 'not met' ? `${spreadVerdict}${noisy}` : spreadVerdict}); CPU per token ${formatRatio(result.ratios.spreadCpuVsSingle)} the default tenant's`,
    `tenants ${name}: slowest of ${pages} pages of GET /admin/tenants ${slowest.toFixed(1)} ms (goal < ${goal.pageMs} ms: ${met(slowest < goal.pageMs)}); the console's Tenants page reads these same pages`,
  ];
}
