import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { track } from './child.js';

/**
 * Linux `perf` on one server process during the measured run (--perf): on-CPU samples of every thread — the event
 * loop, libuv's thread pool (argon2, async signatures) and the kernel work of its system calls. Unlike V8's
 * --cpu-prof, which samples the JavaScript thread by wall clock (so a thread that was preempted after waking
 * another thread, e.g. in writev to PostgreSQL or when queueing a signature, is charged for the wait), this counts
 * only CPU time. The server runs with --perf-basic-prof so JIT-compiled JavaScript has names.
 */
export const PERF_NODE_ARGS = ['--perf-basic-prof', '--interpreted-frames-native-stack'];

export function perfAvailable(): boolean {
  return spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
}

export class PerfRecording {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    readonly file: string,
  ) {}

  static start(pid: number, file: string, frequency = 999): PerfRecording {
    const child = spawn('perf', ['record', '-F', String(frequency), '-g', '-p', String(pid), '-o', file, '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    track(child);
    child.stderr!.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new PerfRecording(child, exited, file);
  }

  /**
   * Stops recording and writes `<file>.txt`: self CPU time (all threads, kernel included) by category, then by
   * symbol. Returns the category lines.
   */
  async stop(): Promise<string> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    await this.exited;
    const text =
      spawnSync('perf', ['report', '-i', this.file, '--no-children', '-g', 'none', '--sort', 'dso,sym', '--stdio'], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      }).stdout ?? '';
    const rows: { percent: number; dso: string; symbol: string }[] = [];
    for (const line of text.split('\n')) {
      // The shared object may contain spaces ("[JIT] tid 123").
      const match = /^\s*([\d.]+)%\s+(.+?)\s+\[[.kj]\]\s+(.*)$/.exec(line);
      if (match) rows.push({ percent: Number(match[1]), dso: match[2]!, symbol: match[3]!.trim() });
    }
    const byCategory = new Map<string, number>();
    for (const row of rows)
      byCategory.set(categorise(row.dso, row.symbol), (byCategory.get(categorise(row.dso, row.symbol)) ?? 0) + row.percent);
    const format = (percent: number) => `${percent.toFixed(1).padStart(5)}%`;
    const categories = [...byCategory].sort((a, b) => b[1] - a[1]).map(([name, percent]) => `${format(percent)}  ${name}`);
    const symbols = rows
      .slice(0, 40)
      .map((row) => `${format(row.percent)}  ${row.symbol.replace(/file:\/\/\S*\/(node_modules|dist)\//g, '')}  [${row.dso}]`);
    writeFileSync(
      `${this.file}.txt`,
      `self CPU time by category (all threads, kernel included; ${rows.length} symbols):\n${categories.join('\n')}\n\nby symbol:\n${symbols.join('\n')}\n`,
    );
    return categories.join('\n');
  }
}

/** The JIT symbol map a server started with PERF_NODE_ARGS wrote; not needed once its report is written. */
export function removePerfMap(pid: number): void {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

/** A coarse kind of CPU work for a perf symbol, so the summary says what the time goes to. */
function categorise(dso: string, symbol: string): string {
  if (dso.includes('argon2')) return 'argon2 (password hashing, thread pool)';
  if (dso.includes('better_sqlite3')) return 'SQLite engine (better-sqlite3)';
  if (dso === '[kernel.kallsyms]' || dso.startsWith('[kernel')) {
    if (/tcp|inet|sock|skb|net|ip_|dev_queue|loopback|napi|sk_|__sys_sendto|__sys_recvfrom|unix_/.test(symbol))
      return 'kernel: sockets / TCP loopback';
    if (
      /ext4|filemap|posix_lock|fcntl|vfs_|generic_perform_write|mark_buffer|mpage|jbd2|folio|page_cache|file|fsync|flock|locks_/.test(
        symbol,
      )
    ) {
      return 'kernel: files (SQLite WAL writes, locks)';
    }
    return 'kernel: scheduling, syscalls, memory';
  }
  if (
    /^(ossl_|bn_|__bn_|BN_|ecp_|__ecp_|sha\d|SHA|EVP_|RSA|rsa_|ec_|ECDSA|p256|aesni|CRYPTO|OPENSSL|x25519|bn_mul|ossl|BIO_|ASN1|OBJ_|EC_|ecdsa|HMAC)/.test(
      symbol,
    )
  ) {
    return 'OpenSSL (RSA/ECDSA signatures, hashes)';
  }
  if (dso.startsWith('libc') || dso.startsWith('libstdc++')) {
    return /malloc|free|_int_|unlink_chunk|consolidate|tcache|realloc|calloc/.test(symbol)
      ? 'malloc/free'
      : 'libc other (memcpy, strings, locks)';
  }
  if (dso.startsWith('[JIT]') || dso.startsWith('perf-') || /^(JS|LazyCompile|Function|Script|InterpretedFunction):/.test(symbol))
    return 'JavaScript (JIT-compiled code)';
  if (
    /Scaveng|MarkCompact|Heap::|GarbageCollect|Sweeper|Marking|Evacuat|MinorM|RecordWrite|CollectGarbage|MemoryAllocator|ConcurrentMark/.test(
      symbol,
    )
  )
    return 'V8 garbage collection';
  if (/compiler::|Turbofan|maglev::|Maglev|Compiler|Parser|Scanner/.test(symbol)) return 'V8 compilers (JIT, background threads)';
  if (/^Builtins_|^v8::|^Builtin_/.test(symbol)) return 'V8 builtins and runtime (property access, promises, JSON, strings)';
  if (/^node::|llhttp|^uv_|napi|^cares/.test(symbol)) return 'Node C++ (HTTP parser, streams, handles, libuv)';
  return `other (${dso})`;
}
