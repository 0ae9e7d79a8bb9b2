import type { ApiView } from '../admin/views.js';
import type { TenantGatehouse } from '../gatehouse.js';
import { documentedScopes } from '../http/openapi.js';
import { ADMIN_SCOPE, DEMO_READ_SCOPE } from '../management/builtins.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import { demoDocument, gatehouseDocument, type OpenApiDocument } from './builtin-documents.js';
import { documentServers } from './servers.js';
import type { PlaygroundEntry } from './views.js';

/** The built-in entries' ids; every other entry's id is its API's identifier (an absolute URI, RFC 8707). */
export const GATEHOUSE_ENTRY = 'gatehouse';
export const DEMO_ENTRY = 'demo';

/** An entry with its document, as openapi.json serves it and the page's Content-Security-Policy is built from. */
export interface DocumentedEntry {
  entry: PlaygroundEntry;
  document: OpenApiDocument;
}

/** What the catalog reads of the server: its generated document, and whether a tenant path serves a route. */
export interface ServerDocument {
  /** The server's OpenAPI document (@fastify/swagger), describing the root's routes. */
  document: () => OpenApiDocument;
  /** The platform's issuer, the root the document describes. */
  root: string;
  /** Whether an operation of the document (OpenAPI path template) is served under a tenant's `/t/{id}` too. */
  servedAtTenant: (method: string, path: string) => boolean;
}

/**
 * The APIs a tenant's playground offers: Gatehouse's own endpoints, the demo API, then the APIs it sees (its own and
 * the platform's) that carry an OpenAPI document. A registered document is public here: the playground is open to
 * anyone, as the API documentation it shows usually is (the console says so where a document is added).
 */
export class PlaygroundCatalog {
  constructor(
    private readonly tenant: TenantGatehouse,
    private readonly server: ServerDocument,
  ) {}

  async entries(): Promise<PlaygroundEntry[]> {
    const registered = await this.tenant.management.apis.documentedApis();
    const documented = await Promise.all(registered.map((api) => this.registeredEntry(api)));
    return [...this.builtinEntries().map(({ entry }) => entry), ...documented.map(({ entry }) => entry)];
  }

  /** The entry of `id` with its document; undefined for no such entry. */
  async find(id: string): Promise<DocumentedEntry | undefined> {
    const builtin = this.builtinEntries().find(({ entry }) => entry.id === id);
    if (builtin) return builtin;
    const api = (await this.tenant.management.apis.documentedApis()).find((candidate) => candidate.identifier === id);
    return api && this.registeredEntry(api);
  }

  private documentUrl(id: string): string {
    return `${this.tenant.config.issuer}/playground/openapi.json?api=${encodeURIComponent(id)}`;
  }

  private builtinEntries(): DocumentedEntry[] {
    const { issuer } = this.tenant.config;
    const { root } = this.server;
    const full = this.server.document();
    const described = documentedScopes().machine;
    const own = gatehouseDocument(full, root, issuer, this.server.servedAtTenant);
    const demo = demoDocument(full, root);
    const isDefault = this.tenant.tenant.id === DEFAULT_TENANT;
    return [
      {
        entry: {
          id: GATEHOUSE_ENTRY,
          name: isDefault ? 'Gatehouse' : `Gatehouse (${this.tenant.tenant.name})`,
          kind: 'gatehouse',
          resource: null,
          title: String(own.info?.title ?? 'Gatehouse'),
          version: String(own.info?.version ?? ''),
          servers: [issuer],
          scopes: [{ name: ADMIN_SCOPE, description: described[ADMIN_SCOPE] ?? ADMIN_SCOPE }],
          document: this.documentUrl(GATEHOUSE_ENTRY),
        },
        document: own,
      },
      {
        entry: {
          id: DEMO_ENTRY,
          name: 'Demo API',
          kind: 'demo',
          resource: null,
          title: String(demo.info?.title),
          version: String(demo.info?.version),
          servers: [root],
          scopes: [{ name: DEMO_READ_SCOPE, description: described[DEMO_READ_SCOPE] ?? DEMO_READ_SCOPE }],
          document: this.documentUrl(DEMO_ENTRY),
        },
        document: demo,
      },
    ];
  }

  private async registeredEntry(api: ApiView): Promise<DocumentedEntry> {
    const stored = JSON.parse(await this.tenant.management.apis.openApiDocument(api.identifier)) as OpenApiDocument;
    // OpenAPI 3.1 §4.8.5: relative server URLs are relative to where the document is served; an uploaded one was
    // served from nowhere, so from the API's identifier.
    const servers = documentServers(stored, api.openapi?.url ?? api.identifier);
    const entry: PlaygroundEntry = {
      id: api.identifier,
      name: api.name,
      kind: api.platform ? 'platform' : 'tenant',
      resource: api.identifier,
      title: api.openapi?.title ?? api.name,
      version: api.openapi?.version ?? '',
      servers,
      scopes: api.scopes.map((name) => ({ name, description: api.scope_descriptions[name] ?? '' })),
      document: this.documentUrl(api.identifier),
    };
    return { entry, document: { ...stored, servers: servers.map((url) => ({ url })) } };
  }
}
