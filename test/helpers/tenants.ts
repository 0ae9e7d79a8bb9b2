import { systemActor } from '../../src/admin/audit-log.js';
import type { TenantGatehouse } from '../../src/gatehouse.js';
import type { TestServer } from './server.js';

/** Creates the tenants (named "{id} Inc.") as the platform would, and opens each one's services. */
export async function createTenants(server: TestServer, ...ids: string[]): Promise<TenantGatehouse[]> {
  const { platform, tenants } = server.server.gatehouse;
  const opened: TenantGatehouse[] = [];
  for (const id of ids) {
    await platform.tenants.create({ id, name: `${id} Inc.` }, systemActor());
    opened.push((await tenants.open(id))!);
  }
  return opened;
}
