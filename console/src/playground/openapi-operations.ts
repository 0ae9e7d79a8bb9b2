/**
 * The operations of an OpenAPI 3.x document, as the playground offers them: paths × methods grouped by tag, each with
 * its parameters, request body and the scopes its `security` asks for, `$ref`s resolved. Free of imports: the unit
 * tests load it on its own.
 */

type Json = Record<string, unknown>;

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'] as const;
export type Method = (typeof METHODS)[number];

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema?: Json;
  example?: unknown;
}

export interface FormField {
  name: string;
  required: boolean;
  description?: string;
  /** The values it takes, when the schema lists them. */
  choices?: string[];
}

export interface RequestBody {
  mediaType: string;
  required: boolean;
  description?: string;
  schema?: Json;
  /** The media type's example (or its first `examples` entry's value), when the document gives one. */
  example?: unknown;
  /** An application/x-www-form-urlencoded body: one field per property of its schema. */
  fields?: FormField[];
}

export interface Operation {
  /** "get /corpora/{id}": unique in the document. */
  key: string;
  method: Method;
  path: string;
  operationId?: string;
  summary?: string;
  description?: string;
  deprecated: boolean;
  /** The scopes of every security requirement it accepts, once each. */
  scopes: string[];
  /** It names a bearer (http bearer, OAuth 2 or OpenID Connect) scheme: the token goes in `Authorization`. */
  bearer: boolean;
  parameters: Parameter[];
  body?: RequestBody;
}

export interface OperationGroup {
  /** The tag, or '' for operations without one. */
  tag: string;
  description?: string;
  operations: Operation[];
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** What a local `$ref` ("#/components/schemas/Corpus", RFC 6901 escapes) points at in `document`. */
export function resolvePointer(document: Json, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** `value`, or what its `$ref` chain ends at (a cycle or a dangling reference gives `{}`). */
export function resolveRef(document: Json, value: Json): Json {
  let node: Json = value;
  for (let hops = 0; typeof node.$ref === 'string'; hops++) {
    const target = hops < 16 ? resolvePointer(document, node.$ref) : undefined;
    if (!isObject(target)) return {};
    node = target;
  }
  return node;
}

/** Header parameters named Accept, Content-Type or Authorization are ignored (OpenAPI 3.1 §4.8.12.1). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

function parametersOf(document: Json, lists: unknown[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  // Path-level parameters first; an operation's own parameter of the same name and place overrides it.
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      if (!isObject(raw)) continue;
      const parameter = resolveRef(document, raw);
      const name = text(parameter.name);
      const place = parameter.in;
      if (!name || (place !== 'path' && place !== 'query' && place !== 'header')) continue;
      if (place === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) continue;
      byKey.set(`${place} ${name}`, {
        name,
        in: place,
        required: place === 'path' || parameter.required === true,
        description: text(parameter.description),
        schema: isObject(parameter.schema) ? resolveRef(document, parameter.schema) : undefined,
        example: parameter.example,
      });
    }
  }
  return [...byKey.values()];
}

/** JSON first (the body the playground can pre-fill best), then a form, then whatever the document lists first. */
function preferredMediaType(types: string[]): string | undefined {
  return (
    types.find((type) => type === 'application/json') ??
    types.find((type) => /\+json$/.test(type)) ??
    types.find((type) => type === 'application/x-www-form-urlencoded') ??
    types[0]
  );
}

function bodyOf(document: Json, raw: unknown): RequestBody | undefined {
  if (!isObject(raw)) return undefined;
  const body = resolveRef(document, raw);
  const content = isObject(body.content) ? body.content : {};
  const mediaType = preferredMediaType(Object.keys(content));
  if (mediaType === undefined) return undefined;
  const media = isObject(content[mediaType]) ? (content[mediaType] as Json) : {};
  const schema = isObject(media.schema) ? resolveRef(document, media.schema) : undefined;
  const firstExample = isObject(media.examples) ? Object.values(media.examples).find(isObject) : undefined;
  const example = 'example' in media ? media.example : firstExample ? resolveRef(document, firstExample).value : undefined;
  const result: RequestBody = { mediaType, required: body.required === true, description: text(body.description), schema, example };
  if (mediaType === 'application/x-www-form-urlencoded') result.fields = formFields(document, schema);
  return result;
}

function formFields(document: Json, schema: Json | undefined): FormField[] {
  if (!schema || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const property = isObject(raw) ? resolveRef(document, raw) : {};
    const choices = Array.isArray(property.enum) ? property.enum.filter((value): value is string => typeof value === 'string') : undefined;
    return { name, required: required.has(name), description: text(property.description), choices: choices?.length ? choices : undefined };
  });
}

/** The security schemes whose token is a bearer token in `Authorization` (RFC 6750 §2.1). */
function bearerSchemes(document: Json): (name: string) => boolean {
  const schemes = isObject(document.components) && isObject(document.components.securitySchemes) ? document.components.securitySchemes : {};
  return (name) => {
    const raw = schemes[name];
    // A requirement naming a scheme the document does not define: assume the usual bearer token.
    if (!isObject(raw)) return true;
    const scheme = resolveRef(document, raw);
    return (
      scheme.type === 'oauth2' ||
      scheme.type === 'openIdConnect' ||
      (scheme.type === 'http' && typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer')
    );
  };
}

function securityOf(requirements: unknown, isBearer: (name: string) => boolean): { scopes: string[]; bearer: boolean } {
  const scopes = new Set<string>();
  let bearer = false;
  for (const requirement of Array.isArray(requirements) ? requirements : []) {
    if (!isObject(requirement)) continue;
    for (const [name, list] of Object.entries(requirement)) {
      if (!isBearer(name)) continue;
      bearer = true;
      for (const scope of Array.isArray(list) ? list : []) if (typeof scope === 'string') scopes.add(scope);
    }
  }
  return { scopes: [...scopes], bearer };
}

/** Every operation of `document`, grouped by tag: the document's `tags` order first, then as they come. */
export function operationGroups(document: Json): OperationGroup[] {
  const groups = new Map<string, OperationGroup>();
  for (const tag of Array.isArray(document.tags) ? document.tags : []) {
    if (isObject(tag) && text(tag.name))
      groups.set(tag.name as string, { tag: tag.name as string, description: text(tag.description), operations: [] });
  }
  const isBearer = bearerSchemes(document);
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    if (!isObject(rawItem)) continue;
    const item = resolveRef(document, rawItem);
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const model: Operation = {
        key: `${method} ${path}`,
        method,
        path,
        operationId: text(operation.operationId),
        summary: text(operation.summary),
        description: text(operation.description),
        deprecated: operation.deprecated === true,
        ...securityOf(operation.security ?? document.security, isBearer),
        parameters: parametersOf(document, [item.parameters, operation.parameters]),
        body: bodyOf(document, operation.requestBody),
      };
      const tags = Array.isArray(operation.tags)
        ? operation.tags.filter((tag): tag is string => typeof tag === 'string' && tag !== '')
        : [];
      for (const tag of tags.length ? tags : ['']) {
        if (!groups.has(tag)) groups.set(tag, { tag, operations: [] });
        groups.get(tag)!.operations.push(model);
      }
    }
  }
  return [...groups.values()].filter((group) => group.operations.length > 0);
}
