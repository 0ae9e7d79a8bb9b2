/**
 * Prepares the one PostgreSQL store that the instances scenario (bench/scenarios/instances.ts) serves from two
 * `gatehouse serve` processes, then exits: schema, signing keys, the bench role and client_credentials client, a
 * user with a password and a confidential web app (authorization_code + refresh_token) for refresh-token families,
 * and a machine client with the admin role that rotates the signing keys through the admin API. Prints one line of
 * JSON (SeededInstances).
 */

import { systemActor } from '../../src/admin/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { BENCH_REDIRECT_URI, BENCH_USER } from '../lib/protocol.js';
import { createBenchClient } from '../lib/seed.js';

export interface SeededInstances {
  bench: { clientId: string; clientSecret: string };
  web: { clientId: string; clientSecret: string };
  admin: { clientId: string; clientSecret: string };
}

const gatehouse = await createGatehouse(loadConfig(process.env));
try {
  await gatehouse.prepareKeys();
  const { management } = gatehouse;
  await management.clients.ensureBuiltinClients();
  const bench = await createBenchClient(management);
  await management.users.createUser({ username: BENCH_USER.username, password: BENCH_USER.password, name: 'Alice' });
  const web = await management.clients.createClient(
    { name: 'bench web app', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [BENCH_REDIRECT_URI] },
    systemActor(),
  );
  const adminRole = await management.roles.ensureAdminRole();
  const admin = await management.clients.createClient(
    { name: 'bench key rotator', roles: [adminRole], grantTypes: ['client_credentials'] },
    systemActor(),
  );
  if (!web.clientSecret || !admin.clientSecret) throw new Error('a confidential client was created without a secret');
  const seeded: SeededInstances = {
    bench,
    web: { clientId: web.client.client_id, clientSecret: web.clientSecret },
    admin: { clientId: admin.client.client_id, clientSecret: admin.clientSecret },
  };
  process.stdout.write(`${JSON.stringify(seeded)}\n`);
} finally {
  await gatehouse.close();
}
