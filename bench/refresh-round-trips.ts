/**
 * Round trips to PostgreSQL per refresh-token rotation (issue 14, items 2 and 7): one family rotated ROTATIONS
 * times through the token endpoint, every statement the server's pool connections send counted (BEGIN and COMMIT
 * included; the LISTEN connection's none), then the count per rotation and the statements of the last one.
 * Run: bash scripts/with-postgres.sh node dist/bench/refresh-round-trips.js
 */
import pg from 'pg';
import { postgresUrl } from '../test/helpers/backends.js';
import { authorize, createAlice, FULL_SCOPE, refresh, type Tokens, tokensFor, webApp } from '../test/helpers/code-flow.js';
import { startTestServer } from '../test/helpers/server.js';

const ROTATIONS = Number(process.env.ROTATIONS ?? 200);
if (!postgresUrl) throw new Error('set TEST_DATABASE_URL (bash scripts/with-postgres.sh …)');

let statements: string[] = [];
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [first] = args;
  const text = typeof first === 'string' ? first : (first as { text?: string }).text;
  const name = typeof first === 'object' && first !== null ? (first as { name?: string }).name : undefined;
  if (text !== undefined) statements.push(`${name ? `[prepared ${name}] ` : ''}${text.replace(/\s+/g, ' ').slice(0, 110)}`);
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const server = await startTestServer({ name: 'postgres', postgresUrl });
try {
  await createAlice(server);
  const app = await webApp(server);
  let tokens: Tokens = await tokensFor(server, app, await authorize(server, { clientId: app.clientId, scope: FULL_SCOPE }));
  // Warm the caches (client, user, keys) as a running server has them.
  tokens = (await refresh(server, app, tokens.refresh_token!)).body as Tokens;
  let total = 0;
  for (let i = 0; i < ROTATIONS; i++) {
    statements = [];
    const answer = await refresh(server, app, tokens.refresh_token!);
    if (answer.status !== 200) throw new Error(`rotation ${i} failed: ${answer.text}`);
    tokens = answer.body as Tokens;
    total += statements.length;
  }
  console.log(`postgres: ${ROTATIONS} rotations, ${(total / ROTATIONS).toFixed(2)} round trips per rotation; the last one's:`);
  for (const statement of statements) console.log(`  ${statement}`);
} finally {
  await server.close();
}
