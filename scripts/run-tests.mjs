#!/usr/bin/env node
// Runs the compiled test files with node's test runner and says loudly which suites could not run here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// --unit: only the unit tests (test/unit mirrors src/; no server, no database, no browser), so nothing is missing.
const unitOnly = process.argv[2] === '--unit';
const root = unitOnly ? 'dist/test/unit' : 'dist/test';
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
};
walk(root);
const only = process.argv.slice(unitOnly ? 3 : 2);
const selected = only.length ? files.filter((file) => only.some((pattern) => file.includes(pattern))) : files;

const missing = [];
if (!unitOnly) {
  if (!(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL))
    missing.push('PostgreSQL (set TEST_DATABASE_URL, or run: bash scripts/with-postgres.sh npm test)');
  if (!existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium')) missing.push('Chromium (apt-get install chromium)');
}
const banner = () => {
  if (missing.length === 0) return;
  const verdict = process.env.REQUIRE_ALL_SUITES === '1' ? 'FAIL (REQUIRE_ALL_SUITES=1)' : 'SKIPPED';
  for (const what of missing) console.error(`\n!!! ${verdict}: suites that need ${what}\n`);
};
banner();
// A file's whole run counts against --test-timeout: the fault suites take about two minutes on a busy 2-core machine,
// so the bound that catches a hang leaves them room.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=3', '--test-timeout=300000', ...selected], { stdio: 'inherit' });
banner();
process.exit(result.status ?? 1);
