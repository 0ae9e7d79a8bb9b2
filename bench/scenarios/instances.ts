/**
 * The instances scenario (issue 14, item 6): two separate `gatehouse serve` processes on one PostgreSQL database,
 * each on its own port with the same GATEHOUSE_ISSUER and master key, as two machines behind a load balancer run
 * them (not `--workers`: nothing is shared between them but the database). On one throwaway database:
 *
 *   throughput   client_credentials and refresh-token rotation through instance A alone, then through A and B at
 *                once (each given the same load A had alone), the modes alternating round by round; the result is
 *                the median of the per-round ratios of the sum to A alone. In the refresh load through both, every
 *                rotation goes to the other instance than the last, as a round-robin balancer sends them, so each
 *                refresh token is redeemed at the instance that did not issue it.
 *   consistency  while A and B are loaded, probes that a change made through one instance counts at the other:
 *                - an access token revoked at one is inactive in the other's introspection (whose cache of its
 *                  status had just said active), and how long after the revocation answered;
 *                - a signing-key rotation at A: B's JWKS lists the new key, A's next token is signed by it and
 *                  verifies against B's JWKS and in B's introspection, B signs with it too, and a token of the
 *                  retired key still verifies at B;
 *                - a refresh token replayed at the other instance is reuse: invalid_grant, the family revoked, its
 *                  live refresh token refused at both and its access tokens inactive at both.
 *
 * Needs PostgreSQL (SQLite is one file on one machine).
 */

import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { type ScriptProcess, spawnScript, stopScript } from '../lib/child.js';
import { runClosedLoop } from '../lib/closed-loop.js';
import { refreshOnce, runCodeFlow, type UserTokens } from '../lib/code-flow.js';
import { type HttpAnswer, keepAliveAgent, postBasic, send } from '../lib/http.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { freePort } from '../lib/net.js';
import { ProcessMonitor, readMachineBusySeconds, readPostgresCpuSeconds } from '../lib/proc.js';
import { BENCH_REDIRECT_URI, BENCH_SCOPE, BENCH_USER, type CodeFlowSetup, type ReadyLine } from '../lib/protocol.js';
import { runSeed, sleep, throwawayStore } from '../lib/startup.js';
import { formatTable, type LoadRunFigures, loadRunCells, median, medianCell, rateRange, runCpuFigures } from '../lib/stats.js';
import type { SeededInstances } from '../servers/gatehouse-instances-seed.js';
import { tokenRequest } from './client-credentials.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SEED = fileURLToPath(new URL('../servers/gatehouse-instances-seed.js', import.meta.url));
const ADMIN_SCOPE = 'gatehouse:admin';
/** A change not seen at the other instance by then is a failure of the run (the caches' own backstop is 60 s). */
const CONSISTENCY_DEADLINE_MS = 5000;

export type Workload = 'client_credentials' | 'refresh_token';
export type Layout = 'A alone' | 'A + B';
const WORKLOADS: readonly Workload[] = ['client_credentials', 'refresh_token'];
const LAYOUTS: readonly Layout[] = ['A alone', 'A + B'];

export interface InstancesOptions {
  env: NodeJS.ProcessEnv;
  postgresServer: string;
  connections: number;
  refreshLoops: number;
  duration: number;
  warmup: number;
  rounds: number;
}

export interface LayoutRun extends LoadRunFigures {
  workload: Workload;
  layout: Layout;
  /** Of the requests, each instance's (refresh: rotations each one made). */
  perInstance: number[];
}

export interface ProbeTimes {
  probes: number;
  /** Probes whose first check at the other instance, sent right after the change answered, already saw it. */
  seenAtFirstCheck: number;
  /** From the change's answer to the first answer at the other instance that reflected it, in ms. */
  medianMs: number | undefined;
  maxMs: number | undefined;
}

export interface InstancesResult {
  verified: string;
  runs: LayoutRun[];
  /** Medians of the per-round ratios of A + B to A alone: of req/s, and of CPU per request (servers + PostgreSQL). */
  ratios: Record<Workload, { sumVsOne: number | undefined; cpuVsOne: number | undefined }>;
  revocation: ProbeTimes;
  /** B's JWKS listing the key A just rotated to, and B signing with it. */
  rotationJwks: ProbeTimes;
  rotationSigning: ProbeTimes;
  /** The reused family's access token inactive at the instance that did not see the reuse. */
  refreshReuse: ProbeTimes;
  /** Tokens A signed with its new key around a rotation: how many, how many before the rotation had answered, how many B refused at once. */
  newKeyTokens: { signed: number; beforeRotationAnswered: number; missingFromJwksOfB: number; inactiveAtB: number };
}

interface Instance {
  name: 'A' | 'B';
  base: string;
  process: ScriptProcess;
}

interface Clients {
  issuer: string;
  seeded: SeededInstances;
  agent: ReturnType<typeof keepAliveAgent>;
}

/** Runs the whole scenario; throws if any answer is wrong or a change is not seen across instances in time. */
export async function measureInstances(options: InstancesOptions): Promise<InstancesResult> {
  const store = await throwawayStore({ env: options.env, postgresServer: options.postgresServer });
  const { issuer } = store;
  const agent = keepAliveAgent(4);
  const started: Instance[] = [];
  try {
    const seeded = await runSeed<SeededInstances>(SEED, store.env);
    // The same environment (issuer, master key, database), each on its own port: what differs between two machines.
    const portB = await freePort();
    started.push({ name: 'A', base: issuer, process: spawnScript(CLI, ['serve'], store.env) });
    started.push({
      name: 'B',
      base: `http://127.0.0.1:${portB}`,
      process: spawnScript(CLI, ['serve'], { ...store.env, PORT: String(portB) }),
    });
    for (const instance of started) await waitHealthy(instance);
    const [a, b] = started as [Instance, Instance];
    const clients: Clients = { issuer, seeded, agent };
    const verified = await verifyInstances(clients, a, b);

    // Refresh-token families, one per loop, from code flows at A (the flow's own pages follow the issuer's URLs).
    const families: string[] = [];
    for (let i = 0; i < 2 * options.refreshLoops; i++) families.push((await codeFlowAt(clients, a)).refresh_token!);

    const postgresPort = Number(new URL(options.postgresServer).port || 5432);
    const runs: LayoutRun[] = [];
    const probes: Probes = { newKeyTokens: [], revocation: [], rotationJwks: [], rotationSigning: [], refreshReuse: [] };
    for (let round = 1; round <= options.rounds; round++) {
      for (const workload of WORKLOADS) {
        // Odd rounds one order, even rounds the other, so a drift of the machine favours neither layout.
        for (const layout of round % 2 === 1 ? LAYOUTS : [...LAYOUTS].reverse()) {
          const targets = layout === 'A alone' ? [a] : [a, b];
          const load =
            workload === 'client_credentials' ? ccLoad(clients, targets, options) : refreshLoad(clients, targets, families, options);
          const consistency = layout === 'A + B' ? probeWhileLoaded(clients, a, b, workload, probes, round) : undefined;
          runs.push(await measureLayout(load, { round, workload, layout }, started, postgresPort, options, consistency));
          for (const instance of started)
            if (instance.process.child.exitCode !== null) throw new Error(`instance ${instance.name} exited during the ${workload} load`);
        }
      }
    }
    // Still answering correctly after the load, at both.
    await verifyInstances(clients, a, b);
    const ratio = (workload: Workload, metric: (run: LayoutRun) => number | undefined) =>
      median(
        runs
          .filter((run) => run.workload === workload && run.layout === 'A + B')
          .flatMap((run) => {
            const one = runs.find((other) => other.round === run.round && other.workload === workload && other.layout === 'A alone');
            const [value, base] = [metric(run), one && metric(one)];
            return value !== undefined && base ? [value / base] : [];
          }),
      );
    const cpu = (run: LayoutRun) =>
      run.serverCpuMicrosPerRequest === undefined ? undefined : run.serverCpuMicrosPerRequest + (run.databaseCpuMicrosPerRequest ?? 0);
    return {
      verified,
      runs,
      ratios: Object.fromEntries(
        WORKLOADS.map((workload) => [workload, { sumVsOne: ratio(workload, (run) => run.perSecond), cpuVsOne: ratio(workload, cpu) }]),
      ) as InstancesResult['ratios'],
      revocation: times(probes.revocation),
      rotationJwks: times(probes.rotationJwks),
      rotationSigning: times(probes.rotationSigning),
      refreshReuse: times(probes.refreshReuse),
      newKeyTokens: {
        signed: probes.newKeyTokens.length,
        beforeRotationAnswered: probes.newKeyTokens.filter((t) => t.beforeRotationAnswered).length,
        missingFromJwksOfB: probes.newKeyTokens.filter((t) => !t.inJwksOfB).length,
        inactiveAtB: probes.newKeyTokens.filter((t) => !t.activeAtB).length,
      },
    };
  } finally {
    for (const instance of started) await stopScript(instance.process);
    agent.destroy();
    await store.dispose();
  }
}

async function waitHealthy(instance: Instance): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (instance.process.child.exitCode !== null) throw new Error(`instance ${instance.name} exited: ${instance.process.stderr().trim()}`);
    const healthy = await fetch(`${instance.base}/health`).then(
      async (response) => (await response.arrayBuffer(), response.ok),
      () => false,
    );
    if (healthy) return;
    await sleep(50);
  }
  throw new Error(`instance ${instance.name} was not healthy within 30 s: ${instance.process.stderr().trim()}`);
}

// ---- requests -------------------------------------------------------------------------------------------------

const json = <T>(what: string, answer: HttpAnswer, status = 200): T => {
  if (answer.status !== status) throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  return (answer.body ? JSON.parse(answer.body) : null) as T;
};

async function clientToken({ seeded, agent }: Clients, at: Instance, client = seeded.bench, scope = BENCH_SCOPE): Promise<string> {
  const answer = await postBasic(
    new URL(`${at.base}/oauth2/token`),
    client.clientId,
    client.clientSecret,
    { grant_type: 'client_credentials', scope },
    agent,
  );
  return json<{ access_token: string }>(`client_credentials at ${at.name}`, answer).access_token;
}

/** RFC 7662 introspection by the client the token was issued to (§2.1: a client sees its own): whether it is active at `at`. */
async function isActive({ seeded, agent }: Clients, at: Instance, token: string, client = seeded.bench): Promise<boolean> {
  const answer = await postBasic(
    new URL(`${at.base}/oauth2/introspect`),
    client.clientId,
    client.clientSecret,
    { token, token_type_hint: 'access_token' },
    agent,
  );
  const body = json<{ active: boolean }>(`introspection at ${at.name}`, answer);
  if (typeof body.active !== 'boolean') throw new Error(`introspection at ${at.name} answered ${answer.body.slice(0, 200)}`);
  return body.active;
}

async function jwksOf({ agent }: Clients, at: Instance): Promise<JSONWebKeySet> {
  return json<JSONWebKeySet>(
    `the JWKS of ${at.name}`,
    await send(new URL(`${at.base}/.well-known/jwks.json`), { method: 'GET', headers: { accept: 'application/json' }, agent }),
  );
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** An access token is the deployment's when it verifies against `jwks` as RFC 9068 says, naming the shared issuer. */
async function verifyAgainst(clients: Clients, token: string, jwks: JSONWebKeySet, what: string): Promise<void> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      typ: 'at+jwt',
      issuer: clients.issuer,
      audience: `${clients.issuer}/api`,
    });
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function codeFlowSetup({ seeded, issuer }: Clients, at: Instance): { server: ReadyLine; setup: CodeFlowSetup } {
  const setup: CodeFlowSetup = {
    authorizationEndpoint: `${at.base}/oauth2/authorize`,
    clientId: seeded.web.clientId,
    clientSecret: seeded.web.clientSecret,
    redirectUri: BENCH_REDIRECT_URI,
    scope: 'openid offline',
    params: { prompt: 'consent' },
    username: BENCH_USER.username,
    password: BENCH_USER.password,
    audience: `${issuer}/api`,
  };
  const server: ReadyLine = {
    ready: true,
    url: at.base,
    tokenEndpoint: `${at.base}/oauth2/token`,
    jwksUri: `${at.base}/.well-known/jwks.json`,
    issuer,
    clientId: seeded.bench.clientId,
    clientSecret: seeded.bench.clientSecret,
    audience: `${issuer}/api`,
    scope: BENCH_SCOPE,
    codeFlow: setup,
  };
  return { server, setup };
}

async function codeFlowAt(clients: Clients, at: Instance): Promise<UserTokens> {
  const { server, setup } = codeFlowSetup(clients, at);
  const { tokens } = await runCodeFlow(server, setup, clients.agent);
  if (typeof tokens.refresh_token !== 'string') throw new Error(`the code flow at ${at.name} gave no refresh token`);
  return tokens;
}

function refreshAt(clients: Clients, at: Instance, refreshToken: string): Promise<UserTokens> {
  const { server, setup } = codeFlowSetup(clients, at);
  return refreshOnce(server, setup, refreshToken, clients.agent);
}

async function refreshRefused(clients: Clients, at: Instance, refreshToken: string, what: string): Promise<void> {
  const answer = await postBasic(
    new URL(`${at.base}/oauth2/token`),
    clients.seeded.web.clientId,
    clients.seeded.web.clientSecret,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    clients.agent,
  );
  if (answer.status !== 400 || (JSON.parse(answer.body) as { error?: string }).error !== 'invalid_grant')
    throw new Error(`${what} at ${at.name} was answered ${answer.status} ${answer.body.slice(0, 200)}, expected 400 invalid_grant`);
}

/** Asks `check` until it holds; the ms from `since` to the answer that held, and whether the first one did. */
async function until(since: number, check: () => Promise<boolean>, what: string): Promise<{ ms: number; first: boolean }> {
  let first = true;
  while (true) {
    if (await check()) return { ms: performance.now() - since, first };
    if (performance.now() - since > CONSISTENCY_DEADLINE_MS)
      throw new Error(`${what}: not so ${CONSISTENCY_DEADLINE_MS} ms after the change`);
    first = false;
    await sleep(1);
  }
}

/** Both instances issue tokens of the one issuer that verify against either's JWKS; either introspects the other's. */
async function verifyInstances(clients: Clients, a: Instance, b: Instance): Promise<string> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const token = await clientToken(clients, from);
    await verifyAgainst(clients, token, await jwksOf(clients, to), `a token of ${from.name} against the JWKS of ${to.name}`);
    if (!(await isActive(clients, to, token))) throw new Error(`${to.name} does not take a token of ${from.name} as active`);
  }
  return "each instance issues ES256 tokens of the one issuer that verify against the other one's JWKS and are active in its introspection";
}

// ---- load -----------------------------------------------------------------------------------------------------

interface Load {
  /** Drives the load; each entry of `perInstance` is what one target answered. */
  run(duration: number): Promise<{ result: LoadResult; perInstance: number[] }>;
}

/** client_credentials: each target gets `connections` connections of its own, all at once. */
function ccLoad(clients: Clients, targets: Instance[], options: InstancesOptions): Load {
  const requests = targets.map((at) =>
    tokenRequest({ tokenEndpoint: `${at.base}/oauth2/token`, scope: BENCH_SCOPE, ...clients.seeded.bench }),
  );
  return {
    async run(duration) {
      const results = await Promise.all(requests.map((request) => runLoad(request, { connections: options.connections, duration })));
      const sum = (pick: (r: LoadResult) => number) => results.reduce((total, r) => total + pick(r), 0);
      return {
        perInstance: results.map((r) => r.requestsPerSecond),
        result: {
          ...results[0]!,
          requests: sum((r) => r.requests),
          requestsPerSecond: sum((r) => r.requestsPerSecond),
          ok: sum((r) => r.ok),
          non2xx: sum((r) => r.non2xx),
          errors: sum((r) => r.errors),
          // The worse of the instances' percentiles: what a client behind the balancer may see.
          latencyMs: {
            mean: Math.max(...results.map((r) => r.latencyMs.mean)),
            p50: Math.max(...results.map((r) => r.latencyMs.p50)),
            p99: Math.max(...results.map((r) => r.latencyMs.p99)),
            max: Math.max(...results.map((r) => r.latencyMs.max)),
          },
        },
      };
    },
  };
}

/**
 * Refresh rotation: `refreshLoops` loops per target, each holding a family. With two targets every rotation goes
 * to the other instance than the loop's last one, so each refresh token is redeemed where it was not issued.
 */
function refreshLoad(clients: Clients, targets: Instance[], families: string[], options: InstancesOptions): Load {
  const loops = options.refreshLoops * targets.length;
  const turns = new Array<number>(loops).fill(0);
  return {
    async run(duration) {
      const counts = targets.map(() => 0);
      const rotate = async (loop: number) => {
        const target = (loop + turns[loop]!++) % targets.length;
        families[loop] = (await refreshAt(clients, targets[target]!, families[loop]!)).refresh_token!;
        counts[target]! += 1;
        return 1;
      };
      const result = await runClosedLoop(rotate, { loops, duration });
      return { result, perInstance: counts.map((count) => count / result.durationSeconds) };
    },
  };
}

async function measureLayout(
  load: Load,
  what: Pick<LayoutRun, 'round' | 'workload' | 'layout'>,
  instances: Instance[],
  postgresPort: number,
  options: InstancesOptions,
  consistency: ((stop: AbortSignal) => Promise<void>) | undefined,
): Promise<LayoutRun> {
  const warm = options.warmup > 0 ? await load.run(options.warmup) : undefined;
  const monitors = instances.map((instance) => new ProcessMonitor(instance.process.child.pid!));
  const cpu = () =>
    monitors.map((m) => m.cpuSeconds()).reduce<number | undefined>((s, v) => (s === undefined || v === undefined ? undefined : s + v), 0);
  const cpuBefore = cpu();
  const databaseBefore = readPostgresCpuSeconds(postgresPort);
  const machineBefore = readMachineBusySeconds();
  const ownBefore = process.cpuUsage();
  const startedAt = performance.now();
  const stop = new AbortController();
  // Its failure is kept until the load ends (then it fails the run: an inconsistency is a result, not noise).
  const probing = consistency?.(stop.signal).then(
    () => undefined,
    (error: unknown) => error,
  );
  const { result, perInstance } = await load.run(options.duration);
  stop.abort();
  const failure = await probing;
  if (failure !== undefined) throw failure;
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const own = process.cpuUsage(ownBefore);
  const cpuAfter = cpu();
  const databaseAfter = readPostgresCpuSeconds(postgresPort);
  const machineAfter = readMachineBusySeconds();
  for (const monitor of monitors) monitor.stop();
  const cpuFigures = runCpuFigures(
    { server: cpuBefore, database: databaseBefore, machine: machineBefore },
    { server: cpuAfter, database: databaseAfter, machine: machineAfter },
    own,
    wallSeconds,
    result.ok,
  );
  return {
    ...what,
    perSecond: result.requestsPerSecond,
    perInstance,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    bad: result.non2xx + result.errors + (warm ? warm.result.non2xx + warm.result.errors : 0),
    ...cpuFigures,
  };
}

// ---- consistency probes ---------------------------------------------------------------------------------------

interface Probes {
  /** Tokens A signed with its new key around a rotation, each taken to B at once. */
  newKeyTokens: { inJwksOfB: boolean; activeAtB: boolean; beforeRotationAnswered: boolean }[];
  revocation: { ms: number; first: boolean }[];
  rotationJwks: { ms: number; first: boolean }[];
  rotationSigning: { ms: number; first: boolean }[];
  refreshReuse: { ms: number; first: boolean }[];
}

function times(samples: { ms: number; first: boolean }[]): ProbeTimes {
  const ms = samples.map((s) => s.ms);
  return {
    probes: samples.length,
    seenAtFirstCheck: samples.filter((s) => s.first).length,
    medianMs: median(ms),
    maxMs: ms.length ? Math.max(...ms) : undefined,
  };
}

/**
 * The probes of one loaded run of both instances: under client_credentials one key rotation at A, then
 * revocations; under refresh one refresh-token reuse, then revocations; one direction and then the other, until
 * the load ends.
 */
function probeWhileLoaded(clients: Clients, a: Instance, b: Instance, workload: Workload, probes: Probes, round: number) {
  return async (stop: AbortSignal) => {
    // Into the load first, so the probes meet busy instances.
    await sleep(300);
    if (workload === 'client_credentials') await probeRotation(clients, a, b, probes);
    else await probeRefreshReuse(clients, ...((round % 2 === 1 ? [a, b] : [b, a]) as [Instance, Instance]), probes);
    for (let n = 0; !stop.aborted; n++)
      await probeRevocation(clients, ...((n % 2 === 0 ? [a, b] : [b, a]) as [Instance, Instance]), probes);
  };
}

/** An access token active at both, revoked (RFC 7009) at `at`: `other`, which had just said active, says inactive. */
async function probeRevocation(clients: Clients, at: Instance, other: Instance, probes: Probes): Promise<void> {
  const token = await clientToken(clients, at);
  // Both read its status now, so each holds "not revoked" in its cache when the revocation comes.
  if (!(await isActive(clients, other, token)) || !(await isActive(clients, at, token)))
    throw new Error('a fresh access token is not active at both instances');
  json(
    `revocation at ${at.name}`,
    await postBasic(
      new URL(`${at.base}/oauth2/revoke`),
      clients.seeded.bench.clientId,
      clients.seeded.bench.clientSecret,
      { token, token_type_hint: 'access_token' },
      clients.agent,
    ),
  );
  const since = performance.now();
  probes.revocation.push(
    await until(since, async () => !(await isActive(clients, other, token)), `a token revoked at ${at.name} inactive at ${other.name}`),
  );
  if (await isActive(clients, at, token)) throw new Error(`a token revoked at ${at.name} is still active there`);
}

/** A key rotation at A: B publishes the new key, A and B sign with it, B verifies it and still verifies the retired one. */
async function probeRotation(clients: Clients, a: Instance, b: Instance, probes: Probes): Promise<void> {
  const before = await clientToken(clients, a);
  const admin = await clientToken(clients, a, clients.seeded.admin, ADMIN_SCOPE);
  let answered = false;
  const rotating = send(new URL(`${a.base}/admin/keys/rotate`), {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
    agent: clients.agent,
  }).finally(() => {
    answered = true;
  });
  // Meanwhile, every token A signs with a key other than the one it had is taken to B at once, as a client behind
  // the balancer would: B must publish that key and take the token, even while the rotation is still answering.
  const watching = (async () => {
    for (let seen = 0; !answered || seen < 3; ) {
      const token = await clientToken(clients, a);
      if (kidOf(token) === kidOf(before)) continue;
      seen++;
      probes.newKeyTokens.push({
        inJwksOfB: (await jwksOf(clients, b)).keys.some((key) => key.kid === kidOf(token)),
        activeAtB: await isActive(clients, b, token),
        beforeRotationAnswered: !answered,
      });
    }
  })();
  const [answer] = await Promise.all([rotating, watching]);
  const rotated = json<{ rotated: { alg: string; kid: string; retired?: string }[] }>('POST /admin/keys/rotate at A', answer);
  const since = performance.now();
  const es256 = rotated.rotated.find((r) => r.alg === 'ES256');
  if (!es256 || es256.retired !== kidOf(before)) throw new Error(`the rotation at A answered ${JSON.stringify(rotated)}`);
  let jwks: JSONWebKeySet = { keys: [] };
  probes.rotationJwks.push(
    await until(
      since,
      async () => {
        jwks = await jwksOf(clients, b);
        return jwks.keys.some((key) => key.kid === es256.kid);
      },
      `the JWKS of B listing the key rotated to at A`,
    ),
  );
  const after = await clientToken(clients, a);
  if (kidOf(after) !== es256.kid) throw new Error(`A's token after its rotation is signed by ${kidOf(after)}, not ${es256.kid}`);
  await verifyAgainst(clients, after, jwks, "A's token of the new key against B's JWKS");
  await verifyAgainst(clients, before, jwks, "A's token of the retired key against B's JWKS");
  if (!(await isActive(clients, b, after)) || !(await isActive(clients, b, before)))
    throw new Error("B's introspection does not take A's tokens of the new and the retired key as active");
  probes.rotationSigning.push(
    await until(since, async () => kidOf(await clientToken(clients, b)) === es256.kid, 'B signing with the key rotated to at A'),
  );
}

/**
 * A family from a code flow at `at`, rotated once there and once at `other`; its first refresh token replayed at
 * `other` is reuse (RFC 9700 §4.14.2; not a retry, its successor having been used): refused, the family revoked, so
 * its live refresh token is refused at both and its access tokens are inactive at both (each instance having just
 * said active).
 */
async function probeRefreshReuse(clients: Clients, at: Instance, other: Instance, probes: Probes): Promise<void> {
  const { web } = clients.seeded;
  const first = await codeFlowAt(clients, at);
  const second = await refreshAt(clients, at, first.refresh_token!);
  const third = await refreshAt(clients, other, second.refresh_token!);
  const accessTokens = [first.access_token, second.access_token, third.access_token];
  for (const instance of [at, other])
    for (const token of accessTokens)
      if (!(await isActive(clients, instance, token, web)))
        throw new Error(`a live family's access token is not active at ${instance.name}`);
  await refreshRefused(clients, other, first.refresh_token!, 'the replayed refresh token');
  const since = performance.now();
  probes.refreshReuse.push(
    await until(
      since,
      async () => !(await isActive(clients, at, third.access_token, web)),
      `the reused family's access token inactive at ${at.name}, where the reuse was not seen`,
    ),
  );
  for (const instance of [at, other]) {
    for (const token of accessTokens)
      if (await isActive(clients, instance, token, web))
        throw new Error(`the reused family's access tokens are active at ${instance.name}`);
    await refreshRefused(clients, instance, third.refresh_token!, "the reused family's live refresh token");
  }
}

// ---- report ---------------------------------------------------------------------------------------------------

/** The throughput of each layout (median over rounds) and what the probes found. */
export function renderInstances(result: InstancesResult): string {
  const throughput = formatTable(
    [
      'gatehouse-postgres',
      'layout',
      'req/s',
      'A / B req/s',
      'p50 ms',
      'p99 ms',
      'bad+errors',
      'CPU us/req',
      '+ PG us/req',
      'other CPU %',
      'vs A alone',
      'req/s min-max',
    ],
    WORKLOADS.flatMap((workload) =>
      LAYOUTS.map((layout) => {
        const runs = result.runs.filter((run) => run.workload === workload && run.layout === layout);
        const rates = runs.map((run) => run.perSecond);
        const ratio = layout === 'A + B' ? result.ratios[workload].sumVsOne : undefined;
        return [
          workload,
          layout,
          medianCell(rates),
          runs[0]?.perInstance.map((_, i) => medianCell(runs.map((run) => run.perInstance[i]))).join(' / ') ?? '-',
          ...loadRunCells(runs, true),
          ratio === undefined ? '' : `${ratio.toFixed(2)}x`,
          rateRange(rates),
        ];
      }),
    ),
  );
  const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
  const consistency = formatTable(
    ['change at one instance, seen at the other', 'probes', 'seen at 1st check', 'ms p50', 'ms max'],
    (
      [
        ['access token revoked -> inactive in introspection', result.revocation],
        ['key rotated at A -> in the JWKS of B', result.rotationJwks],
        ['key rotated at A -> B signs with it', result.rotationSigning],
        ['refresh token reused -> family inactive at both', result.refreshReuse],
      ] as const
    ).map(([name, t]) => [name, String(t.probes), String(t.seenAtFirstCheck), ms(t.medianMs), ms(t.maxMs)]),
  );
  const k = result.newKeyTokens;
  const signed = `tokens A signed with its new key around the rotations, each taken to B at once: ${k.signed} (${k.beforeRotationAnswered} before the rotation had answered); missing from the JWKS of B: ${k.missingFromJwksOfB}; inactive in B's introspection: ${k.inactiveAtB}`;
  return `${throughput}\n\n${consistency}\n${signed}`;
}

/** One line for throughput and one for consistency. */
export function instancesVerdicts(result: InstancesResult, noiseThreshold: number): string[] {
  const noisy = result.runs.some((run) => (run.otherCpuPercent ?? 0) > noiseThreshold) ? ', noisy run: unreliable' : '';
  const bad = result.runs.reduce((sum, run) => sum + run.bad, 0);
  const probes = [result.revocation, result.rotationJwks, result.rotationSigning, result.refreshReuse];
  const slowest = Math.max(...probes.map((p) => p.maxMs ?? 0));
  const k = result.newKeyTokens;
  const refused = k.missingFromJwksOfB + k.inactiveAtB;
  return [
    ...WORKLOADS.map(
      (workload) =>
        `instances gatehouse-postgres: ${workload} through A + B ${result.ratios[workload].sumVsOne?.toFixed(2) ?? '-'}x A alone (median of per-round ratios${noisy}${bad ? ', errors: invalid' : ''}); CPU per request ${result.ratios[workload].cpuVsOne?.toFixed(2) ?? '-'}x`,
    ),
    `instances gatehouse-postgres: ${probes.reduce((sum, p) => sum + p.probes, 0)} changes made at one instance under load, every one seen at the other within ${slowest.toFixed(1)} ms (${probes.reduce((sum, p) => sum + p.seenAtFirstCheck, 0)} at the first check; a probe not seen within ${CONSISTENCY_DEADLINE_MS} ms fails the run)`,
    `instances gatehouse-postgres: ${k.signed} tokens signed by A's new key around ${result.rotationJwks.probes} rotation(s): ${refused === 0 ? 'every one published by B and active there at once: consistent' : `${k.missingFromJwksOfB} missing from the JWKS of B and ${k.inactiveAtB} inactive at B when first taken there: INCONSISTENT`}`,
  ];
}

export interface InstancesReport {
  name: 'gatehouse-postgres';
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  result?: InstancesResult;
  /** The section of the printed report. */
  text: string;
  verdicts: string[];
  problems: string[];
  noisyRounds: string[];
}

/** The scenario as the runner runs it (bench/run.ts): skipped without PostgreSQL, a failure reported rather than thrown. */
export async function runInstances(
  options: Omit<InstancesOptions, 'postgresServer'> & { postgresServer: string | undefined },
  noiseThreshold: number,
  log: (line: string) => void,
): Promise<InstancesReport> {
  const name = 'gatehouse-postgres';
  const heading =
    `\ninstances: two \`gatehouse serve\` processes (A, B: own ports, one issuer, one master key) on one PostgreSQL database; client_credentials ` +
    `(${options.connections} connections per instance) and refresh rotation (${options.refreshLoops} loops per instance; through A + B each rotation at the ` +
    `other instance than the last) through A alone vs A + B at once, alternating, ${options.rounds} round(s) of ${options.duration} s (ratios: median of ` +
    'per-round ratios); while both are loaded, revocations, a key rotation and a refresh-token reuse made at one instance are probed at the other\n';
  const { postgresServer } = options;
  if (!postgresServer) {
    const reason = 'no TEST_DATABASE_URL or DATABASE_URL (run under: bash scripts/with-postgres.sh …)';
    return { name, status: 'skipped', reason, text: `${heading}\nskipped: ${reason}\n`, verdicts: [], problems: [], noisyRounds: [] };
  }
  log('bench: instances — two gatehouse serve processes on one PostgreSQL database');
  try {
    const result = await measureInstances({ ...options, postgresServer });
    log(`  instances: verified: ${result.verified}`);
    const verdicts = instancesVerdicts(result, noiseThreshold);
    for (const line of verdicts) log(`  ${line}`);
    const bad = result.runs.reduce((sum, run) => sum + run.bad, 0);
    return {
      name,
      status: 'ok',
      result,
      text: `${heading}\n${renderInstances(result)}\n`,
      verdicts,
      problems: bad ? [`instances ${name}: ${bad} bad answers or connection errors under load — its numbers are not valid`] : [],
      noisyRounds: result.runs
        .filter((run) => (run.otherCpuPercent ?? 0) > noiseThreshold)
        .map((run) => `instances ${run.workload} ${run.layout} round ${run.round} (${run.otherCpuPercent!.toFixed(0)}%)`),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  instances: FAILED: ${message}`);
    return {
      name,
      status: 'failed',
      reason: message,
      text: heading,
      verdicts: [],
      problems: [`instances ${name} failed: ${message}`],
      noisyRounds: [],
    };
  }
}
