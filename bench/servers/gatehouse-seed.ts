/**
 * Prepares a Gatehouse store for the startup measurement (bench/lib/startup.ts), then exits: schema, signing keys,
 * one role and one confidential client, in the store the environment names (GATEHOUSE_DATA_DIR, DATABASE_URL,
 * GATEHOUSE_SECRET). Prints one line of JSON: {"clientId": …, "clientSecret": …}. So the measured `gatehouse serve`
 * is a restart on an existing store, as after a deploy or when scaling out.
 */

import { loadConfig } from '../../src/config.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { createBenchClient } from '../lib/seed.js';

const gatehouse = await createGatehouse(loadConfig(process.env));
try {
  await gatehouse.prepareKeys();
  await gatehouse.management.clients.ensureBuiltinClients();
  process.stdout.write(`${JSON.stringify(await createBenchClient(gatehouse.management))}\n`);
} finally {
  await gatehouse.close();
}
