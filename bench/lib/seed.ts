import { systemActor } from '../../src/admin/audit-log.js';
import type { Management } from '../../src/management/index.js';
import { BENCH_SCOPE } from './protocol.js';

/** The bench client every Gatehouse benchmark store has: role `bench` (BENCH_SCOPE) and a confidential client_credentials client holding it. */
export async function createBenchClient(management: Management): Promise<{ clientId: string; clientSecret: string }> {
  await management.roles.createRole({ name: 'bench', scopes: BENCH_SCOPE.split(' ') }, systemActor());
  const { client, clientSecret } = await management.clients.createClient(
    { name: 'bench client', roles: ['bench'], grantTypes: ['client_credentials'] },
    systemActor(),
  );
  if (!clientSecret) throw new Error('the bench client was created without a secret');
  return { clientId: client.client_id, clientSecret };
}
