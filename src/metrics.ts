import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { OAuthError } from './oauth/errors.js';

/**
 * Prometheus metrics: the process's own (CPU, memory, event-loop lag, GC) plus what an operator of an
 * authorization server watches — tokens issued by grant, OAuth errors by endpoint and code, and every error
 * response by route and status, and the statements sent to the database. Counters only:
 * an increment costs nanoseconds on the token endpoint's hot path.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly tokens = new Counter({
    name: 'gatehouse_tokens_issued_total',
    help: 'Token responses issued, by grant type',
    labelNames: ['grant_type'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'gatehouse_oauth_errors_total',
    help: 'OAuth error responses, by endpoint and error code',
    labelNames: ['endpoint', 'error'],
    registers: [this.registry],
  });
  private readonly httpErrors = new Counter({
    name: 'gatehouse_http_errors_total',
    help: 'Error responses of the one error handler, by route pattern and HTTP status',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  });
  private readonly logWriteFailures = new Counter({
    name: 'gatehouse_log_write_failures_total',
    help: 'Log lines that could not be written (full disk, closed pipe), by error code; the server goes on without them',
    labelNames: ['code'],
    registers: [this.registry],
  });

  private readonly databaseStatements = new Counter({
    name: 'gatehouse_database_statements_total',
    help: 'Statements sent to the database: on PostgreSQL each is one round trip (BEGIN and COMMIT included); on SQLite each is one statement the engine runs',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  tokenIssued(grantType: string): void {
    this.tokens.inc({ grant_type: grantType });
  }

  /** Given to the store (StoreOptions.countStatements), so round trips per operation can be read off /metrics. */
  readonly statementsSent = (count: number): void => {
    this.databaseStatements.inc(count);
  };

  logWriteFailed(code: string): void {
    this.logWriteFailures.inc({ code });
  }

  /** `route` is the route's pattern (not the URL, which would make a label per client-chosen path). */
  httpError(route: string, status: number): void {
    this.httpErrors.inc({ route, status: String(status) });
  }

  oauthError(endpoint: string, error: unknown): void {
    if (error instanceof OAuthError) this.errors.inc({ endpoint, error: error.code });
  }
}
