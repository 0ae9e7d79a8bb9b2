// Clients in memory, by client_id.
import type { Client, ClientRecords } from '../ports/clients.js';

export class MemoryClients implements ClientRecords {
  readonly rows = new Map<string, Client>();

  constructor(...clients: Client[]) {
    for (const client of clients) this.rows.set(client.clientId, client);
  }

  async get(clientId: string): Promise<Client | undefined> {
    const client = this.rows.get(clientId);
    return client && structuredClone(client);
  }
}
