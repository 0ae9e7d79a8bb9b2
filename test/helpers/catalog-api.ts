import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  authenticateBearer,
  type BearerOptions,
  nodeCors,
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
  remoteJwks,
} from '@gatehouse/resource';

/**
 * The Catalog API: a small service outside Gatehouse, on its own port, as a platform's own API is: plain `node:http`
 * protected by `@gatehouse/resource` (tokens of one Gatehouse issuer, verified against its JWKS over HTTP, with the
 * API's identifier as audience), CORS for the pages allowed to call it from a browser (the playground, at the
 * issuer's origin), its own OpenAPI 3.1 document at `/openapi.json` and its RFC 9728 metadata. Its corpora live in
 * memory, per instance.
 */

export const CATALOG_SCOPES = { read: 'corpora:read', write: 'corpora:write' } as const;
const SCOPE_DESCRIPTIONS = { [CATALOG_SCOPES.read]: 'List and read corpora', [CATALOG_SCOPES.write]: 'Create corpora' };
const REALM = 'catalog';
const BASE_PATH = '/catalog';
const MAX_BODY_BYTES = 16 * 1024;

export interface Corpus {
  id: string;
  name: string;
  language: string;
}

export interface CatalogApiOptions {
  /** The Gatehouse issuer whose access tokens it accepts. */
  issuer: string;
  /** Browser origins allowed to call it (CORS), e.g. the Gatehouse server's for the playground. */
  origins: readonly string[];
}

export interface CatalogApi {
  /** Its RFC 8707 identifier, the `aud` its tokens must carry, which is also the base URL of its operations. */
  identifier: string;
  /** Where its OpenAPI 3.1 document is served. */
  openapiUrl: string;
  /** Where its RFC 9728 protected-resource metadata is served (named in every challenge as `resource_metadata`). */
  metadataUrl: string;
  close(): Promise<void>;
}

/** An error of the API itself (not of the token), answered as `{error, error_description}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

const errorSchema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
} as const;

/** Its OpenAPI 3.1 document: bearer tokens of `issuer` for `identifier`, and the scope each operation needs. */
export function catalogOpenApi(identifier: string, issuer: string): Record<string, unknown> {
  const security = (scope: string) => [{ bearer: [scope] }, { oauth2: [scope] }];
  const refused = {
    401: { $ref: '#/components/responses/Unauthorized' },
    403: { $ref: '#/components/responses/Forbidden' },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Catalog API',
      version: '1.0.0',
      description: 'Corpora of the catalog; a test service protected by @gatehouse/resource.',
    },
    servers: [{ url: identifier }],
    paths: {
      '/corpora': {
        get: {
          operationId: 'ListCorpora',
          summary: `Every corpus; needs ${CATALOG_SCOPES.read}`,
          security: security(CATALOG_SCOPES.read),
          responses: {
            200: {
              description: 'The corpora',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['corpora'],
                    properties: { corpora: { type: 'array', items: { $ref: '#/components/schemas/Corpus' } } },
                  },
                },
              },
            },
            ...refused,
          },
        },
        post: {
          operationId: 'CreateCorpus',
          summary: `A new corpus; needs ${CATALOG_SCOPES.write}`,
          security: security(CATALOG_SCOPES.write),
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewCorpus' } } } },
          responses: {
            201: {
              description: 'The corpus created',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Corpus' } } },
            },
            400: { description: 'The body is not a corpus', content: { 'application/json': { schema: errorSchema } } },
            ...refused,
          },
        },
      },
      '/corpora/{id}': {
        get: {
          operationId: 'GetCorpus',
          summary: `One corpus; needs ${CATALOG_SCOPES.read}`,
          security: security(CATALOG_SCOPES.read),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'The corpus', content: { 'application/json': { schema: { $ref: '#/components/schemas/Corpus' } } } },
            404: { description: 'No such corpus', content: { 'application/json': { schema: errorSchema } } },
            ...refused,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `An access token of ${issuer} for ${identifier}` },
        oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${issuer}/oauth2/token`, scopes: SCOPE_DESCRIPTIONS } } },
      },
      schemas: {
        Corpus: {
          type: 'object',
          required: ['id', 'name', 'language'],
          properties: { id: { type: 'string' }, name: { type: 'string' }, language: { type: 'string' } },
        },
        NewCorpus: {
          type: 'object',
          required: ['name', 'language'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, language: { type: 'string', pattern: '^[a-z]{2}$' } },
        },
      },
      responses: {
        Unauthorized: {
          description: 'No token, or one refused (RFC 6750 invalid_token); the challenge is in WWW-Authenticate',
          content: { 'application/json': { schema: errorSchema } },
        },
        Forbidden: {
          description: 'The token lacks the scope (RFC 6750 insufficient_scope); the challenge names it',
          content: { 'application/json': { schema: errorSchema } },
        },
      },
    },
  };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    throw new ApiError(400, 'invalid_request', 'the body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'invalid_request', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_request', 'the body is not JSON');
  }
}

function newCorpus(body: unknown): Omit<Corpus, 'id'> {
  const { name, language } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100)
    throw new ApiError(400, 'invalid_request', 'name must be a string of 1 to 100 characters');
  if (typeof language !== 'string' || !/^[a-z]{2}$/.test(language))
    throw new ApiError(400, 'invalid_request', 'language must be a two-letter ISO 639-1 code');
  return { name, language };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** Starts the Catalog API on a free port of 127.0.0.1. */
export async function startCatalogApi(options: CatalogApiOptions): Promise<CatalogApi> {
  const corpora = new Map<string, Corpus>([
    ['news-en', { id: 'news-en', name: 'News articles', language: 'en' }],
    ['court-de', { id: 'court-de', name: 'Court rulings', language: 'de' }],
  ]);
  let created = 0;
  const cors = nodeCors({ origins: options.origins });
  let identifier = '';
  let bearer: BearerOptions;

  /** The claims of the request's token if it has `scope`; otherwise answers the RFC 6750 challenge and gives false. */
  async function authorized(req: IncomingMessage, res: ServerResponse, scope: string): Promise<boolean> {
    const { challenge } = await authenticateBearer(req.headers.authorization, { ...bearer, requiredScopes: [scope] });
    if (!challenge) return true;
    res.setHeader('www-authenticate', challenge.wwwAuthenticate);
    res.setHeader('cache-control', 'no-store');
    send(res, challenge.status, challenge.body ?? {});
    return false;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://catalog').pathname;
    const method = req.method ?? 'GET';
    if (path === '/openapi.json' && method === 'GET') return send(res, 200, catalogOpenApi(identifier, options.issuer));
    if (path === protectedResourceMetadataPath(identifier) && method === 'GET') {
      const metadata = protectedResourceMetadata({
        resource: identifier,
        authorizationServers: [options.issuer],
        scopesSupported: Object.values(CATALOG_SCOPES),
        resourceName: 'Catalog API',
      });
      return send(res, 200, metadata);
    }
    if (path === `${BASE_PATH}/corpora`) {
      if (method === 'GET') {
        if (await authorized(req, res, CATALOG_SCOPES.read)) send(res, 200, { corpora: [...corpora.values()] });
        return;
      }
      if (method === 'POST') {
        if (!(await authorized(req, res, CATALOG_SCOPES.write))) return;
        const corpus = { id: `corpus-${++created}`, ...newCorpus(await jsonBody(req)) };
        corpora.set(corpus.id, corpus);
        res.setHeader('location', `${identifier}/corpora/${corpus.id}`);
        return send(res, 201, corpus);
      }
      res.setHeader('allow', 'GET, POST');
      throw new ApiError(405, 'invalid_request', `${method} is not allowed here`);
    }
    const one = new RegExp(`^${BASE_PATH}/corpora/([^/]+)$`).exec(path);
    if (one) {
      if (method !== 'GET') {
        res.setHeader('allow', 'GET');
        throw new ApiError(405, 'invalid_request', `${method} is not allowed here`);
      }
      if (!(await authorized(req, res, CATALOG_SCOPES.read))) return;
      const corpus = corpora.get(decodeURIComponent(one[1]!));
      if (!corpus) throw new ApiError(404, 'not_found', 'no corpus has that id');
      return send(res, 200, corpus);
    }
    throw new ApiError(404, 'not_found', `nothing is at ${path}`);
  }

  const server = createServer((req, res) => {
    // Before anything else, so every answer (the operation's, a challenge, an error) carries the CORS headers.
    if (cors(req, res)) return;
    route(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) return send(res, error.status, { error: error.code, error_description: error.message });
      // Not the request's fault, e.g. Gatehouse's JWKS could not be fetched.
      send(res, 500, { error: 'server_error', error_description: 'the catalog could not answer' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  identifier = `${origin}${BASE_PATH}`;
  bearer = {
    realm: REALM,
    issuer: options.issuer,
    audience: identifier,
    keys: remoteJwks(`${options.issuer}/.well-known/jwks.json`),
    resourceMetadata: protectedResourceMetadataUrl(identifier),
  };
  return {
    identifier,
    openapiUrl: `${origin}/openapi.json`,
    metadataUrl: protectedResourceMetadataUrl(identifier),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
