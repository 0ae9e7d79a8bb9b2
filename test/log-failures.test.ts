import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, eventually, isolatedEnv } from './helpers/cli.js';
import { requireScratchDisks, type ScratchDisk, scratchDisk } from './helpers/disk.js';
import { freePort } from './helpers/server.js';

const failedLogWrites = async (url: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^gatehouse_log_write_failures_total\{code="ENOSPC"\} (\d+)$/m.exec(text)?.[1] ?? 0);
};

/**
 * A full log disk (issue 8, item 9). The server's stdout and stderr are a file on a scratch disk that also holds its
 * data, as /var often does. Before: an unhandled ENOSPC from the log destination hung the server and then killed it.
 */
if (await requireScratchDisks()) {
  describe('a full log disk does not stop the server', () => {
    let disk: ScratchDisk;
    let child: ChildProcess;
    let url: string;
    const logFile = () => join(disk.path, 'gatehouse.log');

    before(async () => {
      disk = await scratchDisk(32);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const log = openSync(logFile(), 'a');
      const env = {
        PORT: String(port),
        GATEHOUSE_DATA_DIR: join(disk.path, 'data'),
        GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
      };
      child = spawn(process.execPath, [CLI, 'serve'], { env: isolatedEnv(env), stdio: ['ignore', log, log] });
      closeSync(log);
      const up = await eventually(
        () =>
          fetch(`${url}/health`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        20_000,
      );
      assert.equal(up, 200, 'the server started');
    });
    after(async () => {
      if (child?.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      await disk?.close();
    });

    test('requests that log keep being answered while the disk is full, failed lines are counted, and logging resumes', async () => {
      assert.equal(await failedLogWrites(url), 0);
      assert.match(await readFile(logFile(), 'utf8'), /Gatehouse listening/);
      await disk.fill();
      try {
        // Each failed readiness probe logs an error line, which cannot be written either (once the slack in the
        // log file's last block is used up).
        const logging = async (requests: number) => {
          for (let i = 0; i < requests; i++) {
            const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
            assert.equal(ready.status, 503);
            assert.equal(((await ready.json()) as { status: string }).status, 'unavailable');
          }
        };
        await logging(50);
        const failed = await failedLogWrites(url);
        assert.ok(failed > 0, 'lost lines are counted');
        await logging(5);
        assert.ok((await failedLogWrites(url)) >= failed + 5, 'every lost line is counted');
        const live = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(live.status, 200);
        assert.equal(child.exitCode, null, 'the server is still running');
      } finally {
        await disk.unfill();
      }
      const ready = await fetch(`${url}/health/ready`);
      assert.equal(ready.status, 200);
      // Once there is room, the next line is written: the shutdown notice, and a clean exit.
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      assert.match(await readFile(logFile(), 'utf8'), /shutting down: waiting up to/);
    });
  });
}
