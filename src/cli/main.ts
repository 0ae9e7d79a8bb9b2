#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size=2 (MiB): V8's young generation otherwise grows to 16 MiB per semi-space while the server
// starts and stays there; requests make little garbage, so the small one costs no measurable throughput and keeps idle
// memory under 100 MB. `npm start` passes the same flag.
import { askOnTerminal } from './confirm.js';
import { runCli } from './program.js';
import { readAllStdin, terminalSecrets } from './secret-prompt.js';

const secrets = process.stdin.isTTY ? terminalSecrets() : undefined;
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readStdin: readAllStdin,
  // Destructive commands and password prompts ask only a person at a terminal; a script must say --yes and give
  // passwords with --password-stdin.
  ...(secrets ? { confirm: askOnTerminal, readSecret: secrets.readSecret } : {}),
}).finally(() => secrets?.close());
// exitCode, not exit(): `serve` resolves while its server keeps the process alive.
process.exitCode = code;
