import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real, small ext4 filesystem on a loop device, for the faults a disk can have: full, frozen (`fsfreeze`, as
 * a stuck or snapshotting volume behaves), read-only. Needs root (CI and the development machines run as root).
 */
export interface ScratchDisk {
  /** Where the filesystem is mounted. */
  path: string;
  /** Fills every free block, so the next write that needs space fails with ENOSPC. */
  fill(): Promise<void>;
  /** Frees what fill() took. */
  unfill(): Promise<void>;
  /** Every write (and fsync) to the filesystem blocks until thaw(); reads of cached data go on. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Remounts read-only (EROFS for every write), or back to read-write. */
  setReadOnly(readOnly: boolean): Promise<void>;
  /** Thaws, unmounts and deletes everything. */
  close(): Promise<void>;
}

let available: Promise<string | undefined> | undefined;

/** Why scratch disks cannot be made here, or undefined when they can. Checked once per process. */
export function scratchDisksUnavailable(): Promise<string | undefined> {
  available ??= (async () => {
    if (process.getuid?.() !== 0) return 'not running as root';
    try {
      const disk = await scratchDisk(8);
      await disk.close();
      return undefined;
    } catch (error) {
      return `cannot mount a loop device: ${(error as Error).message.split('\n')[0]}`;
    }
  })();
  return available;
}

/**
 * Registers a test that fails under REQUIRE_ALL_SUITES=1, or is skipped loudly otherwise, when scratch disks cannot
 * be made; returns whether they can, so a suite can wrap its disk tests in `if`.
 */
export async function requireScratchDisks(): Promise<boolean> {
  const reason = await scratchDisksUnavailable();
  if (reason === undefined) return true;
  if (process.env.REQUIRE_ALL_SUITES === '1') {
    test('disk fault suite', () => {
      throw new Error(`REQUIRE_ALL_SUITES=1 but scratch disks are unavailable: ${reason}`);
    });
  } else {
    test('disk fault suite', { skip: `SKIPPED: scratch disks are unavailable (${reason})` }, () => {});
  }
  return false;
}

/** Makes and mounts a fresh ext4 filesystem of `sizeMiB` (at least 8: smaller ones have no room for a journal). */
export async function scratchDisk(sizeMiB = 16): Promise<ScratchDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-disk-'));
  const image = join(dir, 'disk.img');
  const path = join(dir, 'mnt');
  const filler = join(path, '.filler');
  let frozen = false;
  let mounted = false;
  try {
    await run('truncate', ['-s', `${sizeMiB}M`, image]);
    // -m 0: no blocks reserved for root, since the tests run as root and must still see the disk fill up.
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    await run('mkdir', ['-p', path]);
    await run('mount', ['-o', 'loop', image, path]);
    mounted = true;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const disk: ScratchDisk = {
    path,
    async fill() {
      // fallocate takes blocks without writing them; a few may be left over, so top up with dd until ENOSPC.
      const free = Number((await run('df', ['--output=avail', '-B1', path])).stdout.split('\n')[1]);
      await run('fallocate', ['-l', String(Math.max(free - 4096, 4096)), filler]).catch(() => {});
      await run('dd', ['if=/dev/zero', `of=${filler}.2`, 'bs=4k', 'status=none']).catch(() => {});
      await run('sync', ['-f', path]).catch(() => {});
    },
    async unfill() {
      await rm(filler, { force: true });
      await rm(`${filler}.2`, { force: true });
      await run('sync', ['-f', path]).catch(() => {});
    },
    async freeze() {
      await run('fsfreeze', ['-f', path]);
      frozen = true;
    },
    async thaw() {
      if (!frozen) return;
      await run('fsfreeze', ['-u', path]);
      frozen = false;
    },
    async setReadOnly(readOnly) {
      await run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, path]);
    },
    async close() {
      await disk.thaw().catch(() => {});
      if (mounted) {
        // Lazy: a process killed by a test may still hold a file open for a moment.
        await run('umount', ['-l', path]).catch(() => {});
        mounted = false;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return disk;
}
