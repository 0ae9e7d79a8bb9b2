import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FastifyReply } from 'fastify';
import { packageRoot } from '../pages/package-root.js';

/**
 * What the Vite build in dist/console consists of: its HTML pages in memory (index.html for the console,
 * playground.html for the API playground) and the set of other files that may be served.
 */
export interface Bundle {
  pages: ReadonlyMap<string, Buffer>;
  files: ReadonlySet<string>;
  builtAt: number;
}

/** The console's and the playground's pages, the build's entry points: served by their routes, never as files. */
export const BUNDLE_PAGES = ['index.html', 'playground.html'] as const;
export type BundlePage = (typeof BUNDLE_PAGES)[number];

function listFiles(dir: string, root = dir, into = new Set<string>()): Set<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, root, into);
    else into.add(relative(root, path).split(sep).join('/'));
  }
  return into;
}

const indexMtime = (dir: string): number | undefined => {
  try {
    return statSync(join(dir, 'index.html')).mtimeMs;
  } catch {
    return undefined;
  }
};

function loadBundle(dir: string): Bundle | undefined {
  const builtAt = indexMtime(dir);
  if (builtAt === undefined) return undefined;
  try {
    const files = listFiles(dir);
    const pages = new Map(BUNDLE_PAGES.filter((page) => files.delete(page)).map((page) => [page, readFileSync(join(dir, page))]));
    return { pages, files, builtAt };
  } catch {
    return undefined; // being rebuilt right now
  }
}

/**
 * The build as it is now: read at start, and read again when it was built or rebuilt after the server started (npm
 * run build in another terminal), at the next request.
 */
export class BuiltBundle {
  private bundle: Bundle | undefined;

  constructor(readonly root: string) {
    this.bundle = loadBundle(root);
  }

  current(): Bundle | undefined {
    const builtAt = indexMtime(this.root);
    if (builtAt !== this.bundle?.builtAt) this.bundle = builtAt === undefined ? undefined : loadBundle(this.root);
    return this.bundle;
  }

  page(name: BundlePage): Buffer | undefined {
    return this.current()?.pages.get(name);
  }
}

/** The build's root: dist/console of this package. */
export const consoleBuildRoot = (): string => join(packageRoot(), 'dist', 'console');

/** The answer while the build is missing: it says how to make it. */
export function sendNotBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .header('retry-after', '30')
    .send(
      'The Gatehouse console has not been built. Run "npm run build" (or "npx vite build --config console/vite.config.ts") and reload this page.\n',
    );
}
