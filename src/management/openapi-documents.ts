import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import type { OpenApiSummary } from '../ports/apis.js';
import { ManagementError } from './validation.js';

/**
 * The largest OpenAPI document an API carries: 1 MiB, as the text uploaded or fetched and as the JSON stored. Large
 * public APIs' documents (GitHub's is ~10 MB) are past it; an API a platform offers its developers is far below.
 */
export const MAX_OPENAPI_BYTES = 1024 * 1024;

/** How long fetching a document from its URL may take, redirects and body included. */
export const OPENAPI_FETCH_TIMEOUT_MS = 10_000;

/**
 * The media types an OpenAPI document is served as: JSON, YAML (registered in RFC 9512; the x- and text/ forms are
 * what servers send in practice), OpenAPI's own (application/vnd.oai.openapi is YAML), and text/plain (raw files
 * on code hosts).
 */
export const OPENAPI_MEDIA_TYPES = [
  'application/json',
  'application/vnd.oai.openapi+json',
  'application/vnd.oai.openapi',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
  'text/plain',
] as const;

/** A document checked to be OpenAPI 3.0 or 3.1: as the JSON text stored, and what the API's view says of it. */
export interface CheckedOpenApi {
  json: string;
  summary: OpenApiSummary;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Shared: the validator compiles OpenAPI's JSON schemas once, on first use. */
let validator: Validator | undefined;

const size = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;

/** A document's text, JSON or YAML, as the value it writes (`what` names it in a refusal: "openapi", a URL). */
export function parseOpenApiText(text: string, what: string, field: string | undefined): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_OPENAPI_BYTES) {
    throw new ManagementError(`${what} is ${size(bytes)}; an OpenAPI document may be at most ${size(MAX_OPENAPI_BYTES)}`, 'invalid', field);
  }
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: YAML, of which JSON is a subset, or neither.
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new ManagementError(`${what} is neither JSON nor YAML: ${reason}`, 'invalid', field);
  }
}

/**
 * The document, when it is an OpenAPI 3.0 or 3.1 document that its JSON schema accepts (the validator's first
 * complaint, in its words, otherwise) and within MAX_OPENAPI_BYTES as JSON. Swagger 2.0 is refused with what to do.
 */
export async function checkOpenApi(document: unknown, what: string, field: string | undefined): Promise<CheckedOpenApi> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ManagementError(
      `${what} is not an OpenAPI document: that is a JSON object (or YAML mapping) with "openapi": "3.1.0"`,
      'invalid',
      field,
    );
  }
  const spec = document as Record<string, unknown>;
  if (spec.swagger !== undefined) {
    throw new ManagementError(
      `${what} is a Swagger ${String(spec.swagger)} document; only OpenAPI 3.0 and 3.1 are taken: convert it first (e.g. with swagger2openapi)`,
      'invalid',
      field,
    );
  }
  if (typeof spec.openapi !== 'string' || !/^3\.[01]\.\d+/.test(spec.openapi)) {
    const found = spec.openapi === undefined ? 'has no "openapi" version' : `is OpenAPI ${JSON.stringify(spec.openapi)}`;
    throw new ManagementError(`${what} ${found}; only OpenAPI 3.0.x and 3.1.x documents are taken`, 'invalid', field);
  }
  validator ??= new Validator();
  const result = await validator.validate(spec);
  if (!result.valid)
    throw new ManagementError(`${what} is not a valid OpenAPI ${spec.openapi} document: ${complaint(result.errors)}`, 'invalid', field);
  const json = JSON.stringify(spec);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_OPENAPI_BYTES) {
    throw new ManagementError(
      `${what} is ${size(bytes)} as JSON; an OpenAPI document may be at most ${size(MAX_OPENAPI_BYTES)}`,
      'invalid',
      field,
    );
  }
  return { json, summary: summaryOf(spec) };
}

/** The validator's first complaint, where it is in the document and what is wrong there. */
function complaint(errors: Awaited<ReturnType<Validator['validate']>>['errors']): string {
  if (typeof errors === 'string' || errors === undefined) return errors ?? 'the validator gave no reason';
  const [first] = errors;
  if (!first) return 'the validator gave no reason';
  const where = first.instancePath === '' ? 'at the top level' : `at ${first.instancePath}`;
  const extra = (first.params as { additionalProperty?: string }).additionalProperty;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}: ${first.message ?? 'invalid'}${extra === undefined ? '' : ` ("${extra}")`}${more}`;
}

/** Its title and version (info), and how many operations its paths have. */
function summaryOf(spec: Record<string, unknown>): OpenApiSummary {
  const info = (spec.info ?? {}) as { title?: unknown; version?: unknown };
  const paths = Object.values((spec.paths ?? {}) as Record<string, Record<string, unknown> | null>);
  const operations = paths.reduce((count, item) => count + METHODS.filter((method) => item?.[method] !== undefined).length, 0);
  return { title: String(info.title ?? ''), version: String(info.version ?? ''), operations };
}
