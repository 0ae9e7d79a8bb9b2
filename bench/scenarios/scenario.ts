import type { LoadResult } from '../lib/load.js';
import type { ReadyLine } from '../lib/protocol.js';

/** The compiled server scripts of bench/servers/. */
export type ServerKind = 'gatehouse' | 'oidc-provider' | 'floor';

export interface ScenarioOptions {
  /** Whether the server is expected to refuse a wrong secret (the floor does not check). */
  authenticates: boolean;
  /** autocannon connections, for single-request scenarios. */
  connections: number;
  /** Concurrent flow loops of the code-flow scenario. */
  flowLoops: number;
  /** Concurrent loops of the refresh scenario, each holding its own refresh token. */
  refreshLoops: number;
}

/** A server checked and ready to be loaded with one scenario. */
export interface PreparedLoad {
  /** What the check found, for the log and the JSON. */
  verified: string;
  /** How the load is driven, e.g. "32 connections" or "8 flow loops". */
  concurrency: string;
  /** Drives the load for `duration` seconds; called for the warm-up, then for the measured run. */
  run(duration: number): Promise<LoadResult>;
  /** After the load: throws unless the server still does the work right. */
  recheck(): Promise<void>;
  /** What exactly this server's numbers measure, where that differs between servers. */
  note?: string;
  /** Releases what the load held (connections). */
  dispose?(): void;
}

/** One kind of work the benchmark measures, the same for every server that takes part. */
export interface Scenario {
  name: string;
  description: string;
  /** What one unit of the rate is: one request, or one whole flow of several requests. */
  unit: 'req' | 'flow';
  /** The servers that take part (the floor only does client_credentials). */
  servers: readonly ServerKind[];
  /** Checks the server answers this scenario correctly (so a run never measures errors) and sets up its load. */
  prepare(server: ReadyLine, options: ScenarioOptions): Promise<PreparedLoad>;
}
