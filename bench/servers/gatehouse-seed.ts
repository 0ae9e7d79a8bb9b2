/**
 * Prepares a Gatehouse store for the startup measurement (bench/lib/startup.ts), then exits: schema, signing keys,
 * one role and one confidential client, in the store the environment names (GATEHOUSE_DATA_DIR, DATABASE_URL,
 * GATEHOUSE_SECRET). Prints one line of JSON: {"clientId": …, "clientSecret": …}. So the measured `gatehouse serve`
 * is a restart on an existing store, as after a deploy or when scaling out.
 */

import { systemActor } from '../../src/admin/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { BENCH_SCOPE } from '../lib/protocol.js';

const gatehouse = await createGatehouse(loadConfig(process.env));
try {
  await gatehouse.prepareKeys();
  await gatehouse.management.clients.ensureBuiltinClients();
  await gatehouse.management.roles.createRole({ name: 'bench', scopes: BENCH_SCOPE.split(' ') }, systemActor());
  const bench = { name: 'bench client', roles: ['bench'], grantTypes: ['client_credentials'] };
  const { client, clientSecret } = await gatehouse.management.clients.createClient(bench, systemActor());
  process.stdout.write(`${JSON.stringify({ clientId: client.client_id, clientSecret })}\n`);
} finally {
  await gatehouse.close();
}
