import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The protocol core depends only on interfaces it owns (src/ports), never on the store, the HTTP edge, the admin
 * layer or their libraries (issue 10, item 1). Most of it by hand, which prints nothing when it holds:
 *
 *   grep -rnE -e "from '(\.\./)+(store|admin|http|pages|console|cli|playground)/" -e "from '(\.\./)+(config|gatehouse|serve)\.js'" \
 *     -e "from '(fastify|@fastify/|kysely|pg|better-sqlite3)" src/oauth src/oidc src/accounts src/tokens src/keys src/ports src/memory
 *
 * This test also sees dynamic import(), `export ... from`, src/tokens importing src/oauth, and src/ports importing
 * anything outside itself.
 */

const repository = fileURLToPath(new URL('../..', import.meta.url));

const CORE = ['oauth', 'oidc', 'accounts', 'tokens', 'keys', 'ports'].map((name) => `src/${name}/`);
/** The edges and the store: the core is what they are built around, so it never reaches for them. */
const OUTSIDE_CORE = ['store', 'admin', 'http', 'pages', 'console', 'cli', 'playground'].map((name) => `src/${name}/`);
/** The wiring and the configuration: the core is handed what it needs as arguments. */
const WIRING = ['src/config.ts', 'src/gatehouse.ts', 'src/serve.ts', 'src/index.ts'];
/**
 * The in-memory ports (src/memory) stand where the store stands, for unit tests: they implement the ports and may use
 * the core's pure helpers, but nothing the core may not, and no package but node's own.
 */
const MEMORY = 'src/memory/';
/** Storage and HTTP libraries, by package name. */
const FORBIDDEN_PACKAGE = /^(fastify(-.*)?|@fastify\/.*|kysely(-.*)?|pg(-.*)?|better-sqlite3)$/;

/** Every module specifier in `source`: static imports, `export ... from`, `import type`, and import() with a literal. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** The repository-relative path a relative specifier of `file` names (`./x.js` is the source file `./x.ts`). */
function resolveRelative(file: string, specifier: string): string {
  return posix.join(posix.dirname(file), specifier).replace(/\.js$/, '.ts');
}

/** Why `file` may not import `specifier`, or undefined when it may. */
function violation(file: string, specifier: string): string | undefined {
  const relative = specifier.startsWith('.');
  const target = relative ? resolveRelative(file, specifier) : specifier;
  if (file.startsWith('src/ports/')) {
    return relative && target.startsWith('src/ports/') ? undefined : `src/ports may import only src/ports, not ${target}`;
  }
  if (file.startsWith(MEMORY) && !relative && !specifier.startsWith('node:')) {
    return `src/memory may import only node: packages, not ${specifier}`;
  }
  if (!relative) {
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    return FORBIDDEN_PACKAGE.test(name) ? `the core may not depend on ${name}` : undefined;
  }
  if (OUTSIDE_CORE.some((folder) => target.startsWith(folder)) || WIRING.includes(target)) return `the core may not import ${target}`;
  if (file.startsWith('src/tokens/') && target.startsWith('src/oauth/')) return `src/tokens may not import src/oauth (${target})`;
  return undefined;
}

/** The TypeScript files under `folder` (repository-relative, with a trailing slash), nested folders included. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(repository, folder), { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.isDirectory()) return sourceFiles(`${folder}${entry.name}/`);
      return entry.name.endsWith('.ts') ? [`${folder}${entry.name}`] : [];
    })
    .sort();
}

/** Every offending import of the core, as `file imports specifier: why`. */
function offences(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...CORE, MEMORY].flatMap(sourceFiles)) {
    for (const specifier of importsOf(readFileSync(join(repository, file), 'utf8'))) {
      const why = violation(file, specifier);
      if (why !== undefined) found.set(`${file} imports ${specifier}`, why);
    }
  }
  return found;
}

describe('architecture: the core depends only on its ports', () => {
  test('every kind of import is seen, and none in comments or strings', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "import {\n  c,\n} from 'kysely';",
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "// import nope from './comment.js';",
      'const text = \'import x from "./string.js"\';',
      "const g = await import('./g.js');",
    ].join('\n');
    assert.deepEqual(importsOf(source), ['./a.js', '../b.js', 'kysely', './d.js', './e.js', './f.js', './g.js']);
  });

  test('each rule tells an allowed import from a forbidden one', () => {
    assert.equal(violation('src/oauth/grants/refresh-token.ts', '../../ports/refresh-tokens.js'), undefined);
    assert.equal(violation('src/oauth/grants/refresh-token.ts', '../../tokens/hash.js'), undefined);
    assert.equal(violation('src/oauth/errors.ts', '@gatehouse/resource'), undefined);
    assert.equal(violation('src/oauth/grants/refresh-token.ts', '../../store/grants.js'), 'the core may not import src/store/grants.ts');
    assert.equal(violation('src/oidc/end-session.ts', '../admin/audit-log.js'), 'the core may not import src/admin/audit-log.ts');
    assert.equal(violation('src/keys/secret-strength.ts', '../config.js'), 'the core may not import src/config.ts');
    assert.equal(violation('src/accounts/login.ts', 'fastify'), 'the core may not depend on fastify');
    assert.equal(violation('src/accounts/login.ts', '@fastify/cookie'), 'the core may not depend on @fastify/cookie');
    assert.equal(violation('src/keys/key-store.ts', 'kysely'), 'the core may not depend on kysely');
    assert.equal(
      violation('src/tokens/access-tokens.ts', '../oauth/client-directory.js'),
      'src/tokens may not import src/oauth (src/oauth/client-directory.ts)',
    );
    assert.equal(violation('src/oauth/introspection.ts', '../tokens/access-tokens.js'), undefined);
    assert.equal(violation('src/ports/grants.ts', './clock.js'), undefined);
    assert.equal(violation('src/ports/grants.ts', '../oauth/errors.js'), 'src/ports may import only src/ports, not src/oauth/errors.ts');
    assert.equal(violation('src/ports/grants.ts', 'jose'), 'src/ports may import only src/ports, not jose');
    assert.equal(violation('src/memory/grants.ts', '../ports/grants.js'), undefined);
    assert.equal(violation('src/memory/users.ts', '../accounts/usernames.js'), undefined);
    assert.equal(violation('src/memory/sign-in.ts', 'node:crypto'), undefined);
    assert.equal(violation('src/memory/grants.ts', '../store/grants.js'), 'the core may not import src/store/grants.ts');
    assert.equal(violation('src/memory/grants.ts', 'kysely'), 'src/memory may import only node: packages, not kysely');
    assert.equal(violation('src/memory/grants.ts', 'jose'), 'src/memory may import only node: packages, not jose');
  });

  test('every core folder is read', () => {
    for (const folder of [...CORE, MEMORY]) assert.ok(sourceFiles(folder).length > 0, `no TypeScript files under ${folder}`);
    assert.ok(sourceFiles('src/oauth/').includes('src/oauth/grants/authorization-code.ts'), 'nested folders are read');
  });

  test('no core module imports the store, the edges, the wiring or their libraries', () => {
    const unexpected = [...offences()].map(([offence, why]) => `${offence}: ${why}`);
    assert.deepEqual(unexpected, [], `core modules import what they must not:\n${unexpected.join('\n')}`);
  });
});
