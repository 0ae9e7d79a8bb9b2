import { readFileSync } from 'node:fs';

/**
 * The Node.js flags `npm start` runs Gatehouse with (package.json "start": "node FLAGS dist/…"), so the benchmark
 * measures the server as it is deployed, not as a bare `node` would run it.
 */
export const GATEHOUSE_NODE_FLAGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const flags = /^node((?: --\S+)*) /.exec(pkg.scripts.start)?.[1] ?? '';
  return flags.split(' ').filter(Boolean);
})();
