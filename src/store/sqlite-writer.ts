import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { QueryResult } from 'kysely';
import { StoreUnavailableError } from '../ports/storage-errors.js';
import type { Statement, WriterOptions, WriterOutcome, WriterReply, WriterRequest } from './sqlite-writer-protocol.js';

type Success = Extract<WriterOutcome, { ok: true }>;
/** A request before it is given its id; distributes over the union, so each kind keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<WriterRequest>;

interface Pending {
  resolve(outcome: Success): void;
  reject(error: Error): void;
  deadline: number | undefined;
}

// One timer sweeps every pending request this often, rather than one timer per statement (which costs more than the
// statement's own SQLite work); a timed-out caller hears of it at most this much later.
const SWEEP_MS = 25;

const timedOut = () => new StoreUnavailableError('the write did not finish in time');
const stopped = () => new StoreUnavailableError('the database writer stopped');

/**
 * The event loop's side of the SQLite writer thread. Every write waits here, never on the event loop: each gets a
 * deadline (GATEHOUSE_DB_WRITE_TIMEOUT_MS from when it was asked for) and its caller a StoreUnavailableError, hence
 * a 503, once the deadline passes, however the thread is faring. The thread checks the same deadline before it
 * starts a statement and before COMMIT, so work whose caller was already answered is not applied later.
 */
export class SqliteWriter {
  private worker: Worker | undefined;
  /** Counts workers started, so that a transaction opened on a worker that died cannot continue on its successor. */
  private epoch = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly lease = new WriteLease();
  private closing = false;

  constructor(
    private readonly file: string,
    private readonly timeoutMs: number,
  ) {
    this.start();
  }

  /** One statement on its own (autocommit), after any transaction that holds the writer. */
  async run(sql: string, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    return toQueryResult(await this.afterTransactions((deadline) => ({ kind: 'run', sql, parameters, deadline, transaction: 'none' })));
  }

  /** SQL without parameters, run to completion on its own (see the `exec` request), after any transaction. */
  async exec(sql: string): Promise<void> {
    await this.afterTransactions((deadline) => ({ kind: 'exec', sql, deadline }));
  }

  /** Store.compareAndWrite: the whole transaction in one message; true when the guard changed a row and it committed. */
  async compareAndWrite(guard: Statement, writes: readonly Statement[]): Promise<boolean> {
    return (await this.afterTransactions((deadline) => ({ kind: 'batch', guard, writes, deadline }))).changes === 1;
  }

  /** Posts a request of its own (not part of a transaction) once no transaction holds the writer. */
  private async afterTransactions(message: (deadline: number) => Request): Promise<Success> {
    const deadline = Date.now() + this.timeoutMs;
    await this.lease.acquire(deadline);
    let outcome: Promise<Success>;
    try {
      outcome = this.request(message(deadline), deadline);
    } finally {
      // The thread handles requests in order: what is posted next cannot overtake this one.
      this.lease.release();
    }
    return outcome;
  }

  /**
   * A transaction: the writer is its alone until it commits or rolls back, or its deadline passes. BEGIN IMMEDIATE
   * goes with its first statement, which saves a round trip to the thread.
   */
  async begin(): Promise<WriterTransaction> {
    const deadline = Date.now() + this.timeoutMs;
    await this.lease.acquire(deadline);
    return new WriterTransaction(this, this.epoch, deadline, () => this.lease.release());
  }

  /** Finishes what was posted, then ends the thread; gives up waiting after the write timeout (a frozen disk). */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Waiting for it to finish is a reason to stay alive, unlike an idle writer.
    worker.ref();
    worker.postMessage({ id: 0, kind: 'close' } satisfies WriterRequest);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.timeoutMs);
      timer.unref();
    });
    if (await Promise.race([exited.then(() => false), gaveUp])) void worker.terminate();
    clearTimeout(timer);
  }

  /** @internal Posts a request and settles with its reply, or with a timeout at `deadline`. */
  request(message: Request, deadline: number | undefined, epoch = this.epoch): Promise<Success> {
    if (this.closing) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (epoch !== this.epoch) return Promise.reject(stopped());
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Success>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline });
      // Referenced: while an answer is awaited the process stays up (the idle worker itself does not hold it).
      if (deadline !== undefined) this.sweeper ??= setInterval(() => this.expire(), SWEEP_MS);
      worker.postMessage({ ...message, id } as WriterRequest);
    });
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, pending] of this.pending) {
      if (pending.deadline !== undefined && now >= pending.deadline) {
        this.pending.delete(id);
        pending.reject(timedOut());
      }
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private start(): Worker {
    const options: WriterOptions = { file: this.file };
    const worker = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData: options });
    // An idle writer must not keep a CLI command alive.
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.settle(reply));
    // The 'exit' that follows an error rejects what was waiting.
    worker.on('error', () => {});
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.epoch += 1;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(stopped());
      }
    });
    this.worker = worker;
    this.epoch += 1;
    return worker;
  }

  private settle(reply: WriterReply): void {
    const pending = this.pending.get(reply.id);
    // A reply nobody waits for: its caller timed out (and the thread checked the same deadline), or a rollback.
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply);
    else if (reply.expired) pending.reject(timedOut());
    else pending.reject(new BetterSqlite3.SqliteError(reply.message, reply.code ?? 'SQLITE_ERROR'));
  }
}

/** A transaction on the writer thread; every statement and the COMMIT share the deadline set when it began. */
export class WriterTransaction {
  /** Whether BEGIN IMMEDIATE was sent (with the first statement). */
  private begun = false;
  private finished = false;
  /** A statement timed out: whatever the thread does with it, this transaction must not commit. */
  private abandoned = false;

  constructor(
    private readonly writer: SqliteWriter,
    private readonly epoch: number,
    private readonly deadline: number,
    private readonly releaseWriter: () => void,
  ) {}

  async run(sql: string, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    if (this.finished || this.abandoned) throw timedOut();
    // If BEGIN fails, the thread refuses the statements that follow rather than run them outside a transaction.
    const transaction = this.begun ? 'continue' : 'begin';
    this.begun = true;
    try {
      return toQueryResult(
        await this.writer.request({ kind: 'run', sql, parameters, deadline: this.deadline, transaction }, this.deadline, this.epoch),
      );
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.abandoned = true;
      throw error;
    }
  }

  async commit(): Promise<void> {
    if (this.finished || this.abandoned || Date.now() >= this.deadline) {
      this.rollback();
      throw timedOut();
    }
    if (this.begun) {
      try {
        await this.writer.request({ kind: 'commit', deadline: this.deadline }, this.deadline, this.epoch);
      } catch (error) {
        // A failed COMMIT (SQLITE_BUSY, a full disk) may leave the transaction open; a timed-out one rolls back
        // on the thread if it has not committed by then.
        this.rollback();
        throw error;
      }
    }
    this.finished = true;
    this.releaseWriter();
  }

  /** Posted, not awaited: a stuck thread must not hold the caller, and what is posted next runs after it. */
  rollback(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.begun) this.writer.request({ kind: 'rollback' }, undefined, this.epoch).catch(() => {});
    this.releaseWriter();
  }
}

/** First come, first served; a waiter whose deadline passes leaves the queue with a timeout. */
class WriteLease {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  acquire(deadline: number): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(timedOut());
      }, deadline - Date.now());
      this.waiting.push(grant);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

function toQueryResult(outcome: Success): QueryResult<unknown> {
  if (outcome.changes === undefined) return { rows: outcome.rows };
  return {
    rows: outcome.rows,
    numAffectedRows: BigInt(outcome.changes),
    ...(outcome.lastInsertRowid === undefined ? {} : { insertId: BigInt(outcome.lastInsertRowid) }),
  };
}
