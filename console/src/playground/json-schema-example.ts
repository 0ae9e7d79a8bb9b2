/**
 * An example value for a JSON Schema (OpenAPI 3.0's schema object or 3.1's JSON Schema 2020-12), to pre-fill a
 * request body: the schema's own example, default, const or first enum value where it gives one, else a skeleton of
 * its shape. Free of imports: `resolve` follows `$ref`s (the caller knows the document).
 */

export type Schema = Record<string, unknown>;

/** Deep enough for any real body; stops a schema that refers to itself. */
const MAX_DEPTH = 8;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{}` for what has no shape; `undefined` only past MAX_DEPTH (a property that would recurse is left out). */
export function exampleFromSchema(schema: unknown, resolve: (schema: Schema) => Schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return undefined;
  const resolved = resolve(schema);
  if ('example' in resolved) return resolved.example;
  if (Array.isArray(resolved.examples) && resolved.examples.length > 0) return resolved.examples[0];
  if ('default' in resolved) return resolved.default;
  if ('const' in resolved) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  const next = (part: unknown) => exampleFromSchema(part, resolve, depth + 1);
  if (Array.isArray(resolved.allOf)) {
    // allOf of objects: one object with every part's properties (a base schema and its extension).
    const parts = resolved.allOf.map(next);
    if (parts.every((part) => isSchema(part))) return Object.assign({}, ...parts);
    return parts.find((part) => part !== undefined);
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = resolved[key];
    if (Array.isArray(options) && options.length > 0) return next(options[0]);
  }
  switch (typeOf(resolved)) {
    case 'object': {
      const properties = isSchema(resolved.properties) ? resolved.properties : {};
      const result: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        const value = next(property);
        if (value !== undefined) result[name] = value;
      }
      return result;
    }
    case 'array': {
      const item = next(resolved.items);
      return item === undefined ? [] : [item];
    }
    case 'string':
      return stringExample(resolved.format);
    case 'integer':
    case 'number':
      return typeof resolved.minimum === 'number' ? resolved.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** The schema's type: the first non-null one of a 3.1 type list, else what its keywords imply. */
function typeOf(schema: Schema): string | undefined {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const named = types.find((type): type is string => typeof type === 'string' && type !== 'null') ?? types.find((type) => type === 'null');
  if (typeof named === 'string') return named;
  if ('properties' in schema) return 'object';
  if ('items' in schema) return 'array';
  return undefined;
}

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function stringExample(format: unknown): string {
  return (typeof format === 'string' && FORMAT_EXAMPLES[format]) || 'string';
}
