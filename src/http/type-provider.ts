import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyTypeProvider } from 'fastify';

/**
 * Types a route's request parts (body, querystring, params, headers) from its `as const` JSON schemas, with
 * json-schema-to-ts as @fastify/type-provider-json-schema-to-ts does; use it with `app.withTypeProvider<...>()`.
 * Replies keep the handlers' own types: json-schema-to-ts gives every object schema without
 * `additionalProperties: false` an index signature, which the view interfaces the handlers return do not have,
 * and the response schemas already decide what is sent.
 */
export interface RequestSchemaTypes extends FastifyTypeProvider {
  readonly validator: Validated<this['schema']>;
}

/** What JsonSchemaToTsProvider makes of a validation schema (Fastify applies a provider the same way). */
type Validated<Schema> = (JsonSchemaToTsProvider & { readonly schema: Schema })['validator'];
