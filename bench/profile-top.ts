/**
 * Summarises V8 CPU profiles written by `node dist/bench/run.js --cpu-prof`: where the server's main thread spent
 * its samples, by function (self time, and total time including callees) and by package or source directory.
 *
 *   node dist/bench/profile-top.js [--top 15] [--exclude-idle] FILE.cpuprofile [...]
 *
 * Only the JavaScript thread is sampled: work on libuv's thread pool (argon2 hashing, async crypto, file I/O) and
 * on other processes (PostgreSQL) is not in the profile; the runner's server CPU % and CPU per unit count it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const IDLE = new Set(['(idle)', '(program)']);

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + '/dist/'.length) : path;
}

/** Where a frame's code lives: an npm package, a source directory of ours, node's internals, or V8 itself. */
function area(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = path.indexOf('/dist/');
  if (dist >= 0)
    return path
      .slice(dist + '/dist/'.length)
      .split('/')
      .slice(0, 2)
      .join('/');
  return path;
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const where = shortUrl(frame.url);
  return where ? `${name} ${where}:${frame.lineNumber + 1}` : name;
}

function summarise(file: string, top: number, excludeIdle: boolean): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Time per sample: the delta to the next sample (V8 records the delta before each sample).
  const selfTime = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfTime.set(profile.samples[i]!, (selfTime.get(profile.samples[i]!) ?? 0) + Math.max(0, delta));
  }
  let total = 0;
  for (const [id, time] of selfTime) if (!(excludeIdle && IDLE.has(byId.get(id)!.callFrame.functionName))) total += time;

  const selfByLabel = new Map<string, number>();
  const totalByLabel = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const node = byId.get(id)!;
    if (excludeIdle && IDLE.has(node.callFrame.functionName)) continue;
    const own = label(node.callFrame);
    selfByLabel.set(own, (selfByLabel.get(own) ?? 0) + time);
    byArea.set(area(node.callFrame), (byArea.get(area(node.callFrame)) ?? 0) + time);
    // Total time: every distinct function on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      totalByLabel.set(name, (totalByLabel.get(name) ?? 0) + time);
    }
  }
  const pct = (time: number) => `${((100 * time) / total).toFixed(1).padStart(5)}%`;
  const list = (map: Map<string, number>, n: number, skip: (name: string) => boolean = () => false) =>
    [...map]
      .filter(([name]) => !skip(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, time]) => `  ${pct(time)}  ${name}`)
      .join('\n');
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return [
    `${file}: ${seconds.toFixed(1)} s, ${profile.samples.length} samples${excludeIdle ? ', idle excluded' : ''}; % of ${excludeIdle ? 'busy' : 'all'} samples`,
    'self time by function:',
    list(selfByLabel, top),
    'self time by package / directory:',
    list(byArea, top),
    'total time (with callees) by function:',
    list(totalByLabel, top, (name) => name.startsWith('(root)') || IDLE.has(name)),
  ].join('\n');
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '15' }, 'exclude-idle': { type: 'boolean', default: false } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  process.stderr.write('usage: node dist/bench/profile-top.js [--top N] [--exclude-idle] FILE.cpuprofile [...]\n');
  process.exit(2);
}
for (const file of positionals) process.stdout.write(`${summarise(file, Number(values.top), values['exclude-idle'])}\n\n`);
