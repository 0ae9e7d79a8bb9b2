import type { FastifyError } from 'fastify';

/** One schema failure as the validator (Ajv) reports it: the keyword that failed, where, and its parameters. */
interface SchemaFailure {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** What a schema failure means to whoever sent the request: the field (a JSON pointer, RFC 6901) and the rule. */
export interface DescribedFailure {
  field: string;
  description: string;
}

/** What each pattern of a route's schemas means, in words that complete "must be …"; keyed by the pattern's source. */
export type PatternWords = Readonly<Record<string, string>>;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

const plural = (count: unknown, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;

/** The rule a keyword states, in words; the validator's own message for a keyword not listed. */
function ruleInWords(failure: SchemaFailure, patterns: PatternWords): string {
  const { params } = failure;
  switch (failure.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of this request';
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return `must be ${types.map((type: string) => TYPE_WORDS[type] ?? type).join(' or ')}`;
    }
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${plural(params.limit, 'character')}`;
    case 'maxLength':
      return `must be at most ${plural(params.limit, 'character')}`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    case 'minItems':
      return `must have at least ${plural(params.limit, 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(params.limit, 'item')}`;
    case 'minProperties':
      return `must have at least ${plural(params.limit, 'field')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'format':
      return `must be a valid ${params.format}`;
    case 'pattern': {
      const words = patterns[String(params.pattern)];
      return words === undefined ? `must match the pattern ${params.pattern}` : `must be ${words}`;
    }
    default:
      return failure.message ?? 'is not valid';
  }
}

/** The pointer to the failing field: a missing or unknown property is named itself, not its parent object. */
function fieldOf(failure: SchemaFailure): string {
  const property = failure.params.missingProperty ?? failure.params.additionalProperty;
  return property === undefined ? failure.instancePath : `${failure.instancePath}/${String(property)}`;
}

/** Where in the request a failure is, besides the body: Fastify's validation contexts. */
const CONTEXT_WORDS: Record<string, string> = { querystring: 'query parameter', params: 'path parameter', headers: 'header' };

/** A pointer as a reader writes it: "/redirect_uris/0" → "redirect_uris[0]"; the whole body → "the request body". */
function readable(pointer: string, context: string | undefined): string {
  const path = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
  const where = context === undefined ? undefined : CONTEXT_WORDS[context];
  if (path === '') return where === undefined ? 'the request body' : `the ${where}s`;
  return where === undefined ? path : `${where} ${path}`;
}

/**
 * A schema failure Fastify reports (its first: Ajv stops there unless allErrors is set) as the field it is about and
 * "<field>: <rule in words>", so that a person reads what to change and a form can show it next to that field.
 */
export function describeValidationFailure(error: FastifyError, patterns: PatternWords): DescribedFailure {
  const failure = (error.validation?.[0] ?? { keyword: '', instancePath: '', params: {}, message: error.message }) as SchemaFailure;
  const field = fieldOf(failure);
  return { field, description: `${readable(field, error.validationContext)}: ${ruleInWords(failure, patterns)}` };
}
