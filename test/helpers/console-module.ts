import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

// dist/test/helpers/ → the repository's root, where console/src is (the sources, not a build).
const repository = fileURLToPath(new URL('../../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'gatehouse-console-modules-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

/** Writes `file` (a .ts path in the repository) and, one after another, the modules it imports as JavaScript under `out`. */
function transpile(file: string, done: Set<string>): void {
  if (done.has(file)) return;
  done.add(file);
  const source = readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: file,
  });
  const target = join(out, relative(repository, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
  for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
    if (fileName.startsWith('.')) transpile(resolve(dirname(file), fileName.replace(/\.js$/, '.ts')), done);
  }
}

/**
 * A module of the console's source (`console/src/…`, which Vite bundles for the browser and tsc does not build for
 * Node), compiled to JavaScript with its relative imports and loaded, for the unit tests of its pure modules: those
 * that use no browser API and import only each other (written with `.js` specifiers). `T` is the part of its exports
 * the test uses, declared by the test: importing the console's types would pull its files into the server's build.
 */
export async function importConsoleModule<T>(path: string): Promise<T> {
  const file = join(repository, 'console/src', path);
  transpile(file, new Set());
  return (await import(pathToFileURL(join(out, relative(repository, file)).replace(/\.ts$/, '.js')).href)) as T;
}
