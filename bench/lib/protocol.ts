import type { Server } from 'node:http';

/**
 * The contract between the benchmark runner and a benchmark server (bench/servers/*.ts): the server prints exactly
 * one line of JSON on stdout when it is listening, and exits cleanly on SIGTERM or when its stdin closes (so a
 * server never outlives a runner that died without cleaning up).
 */
export interface ReadyLine {
  ready: true;
  /** Base URL of the server. */
  url: string;
  /** Full URL of its token endpoint. */
  tokenEndpoint: string;
  /** Full URL of a JWKS that verifies the access tokens it issues. */
  jwksUri: string;
  /** The issuer (`iss`) of the access tokens it issues. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The `aud` its access tokens carry. */
  audience: string;
  /** Scopes the client may ask for, space-separated. */
  scope: string;
  /** Token introspection (RFC 7662), for servers that take part in the introspection scenario. */
  introspection?: IntrospectionSetup;
  /** The authorization code flow, for servers that take part in the code-flow and refresh scenarios. */
  codeFlow?: CodeFlowSetup;
  /** The growth scenario's control port (bench/lib/growth-control.ts), when BENCH_GROWTH_CONTROL=on. */
  control?: string;
}

export interface IntrospectionSetup {
  endpoint: string;
  /**
   * Extra parameters of the client_credentials request (by the client above, with `scope`) that issues the token the
   * scenario introspects, e.g. a `resource` whose access tokens are opaque.
   */
  tokenParams: Record<string, string>;
  /** What that token is. */
  tokenFormat: 'jwt' | 'opaque';
  /** Why, when it is not the JWT access token the other scenarios issue; printed with the results. */
  note?: string;
}

export interface CodeFlowSetup {
  authorizationEndpoint: string;
  /** A confidential client allowed authorization_code and refresh_token, authenticating with HTTP Basic. */
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The scope the flow asks for (sign-in and offline access, in the server's spelling). */
  scope: string;
  /** More authorization request parameters, e.g. prompt=consent. */
  params: Record<string, string>;
  /** A user who signs in with a password. */
  username: string;
  password: string;
  /** The `aud` of the access tokens the flow yields. */
  audience: string;
}

/** The user, password and redirect URI every server's code flow uses. */
export const BENCH_USER = { username: 'alice', password: 'correct horse battery staple' } as const;
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9999/cb';
/** DESIGN/Gatehouse's argon2id parameters (OWASP): m = 19 MiB, t = 2, p = 1. */
export const ARGON2ID_OPTIONS = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

/** The client, scopes and audience every benchmark server is configured with, so they all do the same work. */
export const BENCH_SCOPE = 'bench:read bench:write';

export function isReadyLine(value: unknown): value is ReadyLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  return (
    line.ready === true &&
    ['url', 'tokenEndpoint', 'jwksUri', 'issuer', 'clientId', 'clientSecret', 'audience', 'scope'].every(
      (key) => typeof line[key] === 'string',
    )
  );
}

export function announceReady(line: ReadyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `cleanup` once, then exits, on SIGTERM, SIGINT or the end of stdin. Errors during cleanup are reported on
 * stderr and make the exit code non-zero. A second signal during cleanup exits at once.
 */
export function exitOnShutdown(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (reason: string, force: boolean) => {
    if (stopping) {
      if (force) process.exit(1);
      return;
    }
    stopping = true;
    cleanup().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`cleanup after ${reason} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', true));
  process.on('SIGINT', () => stop('SIGINT', true));
  process.stdin.on('end', () => stop('end of stdin', false));
  process.stdin.on('error', () => stop('stdin error', false));
  process.stdin.resume();
}

/** Reports a failed start on stderr and exits non-zero. */
export function failStart(error: unknown): never {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}

/** Listens on 127.0.0.1 (a free port unless given) and closes the server on shutdown; resolves to its base URL. */
export async function listenHttp(server: Server, port = 0): Promise<string> {
  exitOnShutdown(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the server has no address');
  return `http://127.0.0.1:${address.port}`;
}
