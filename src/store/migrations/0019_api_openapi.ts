import type { Kysely } from 'kysely';

/**
 * An API's OpenAPI document (issue 13): the document as JSON text (at most 1 MiB, src/management/openapi-documents.ts),
 * the URL it was fetched from and when (none for one uploaded), and what it says of itself (JSON {title, version,
 * operations}), so that a list of APIs reads none of the documents. All null for an API without one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [column, type] of [
    ['openapi_document', 'text'],
    ['openapi_summary', 'text'],
    ['openapi_url', 'text'],
    ['openapi_fetched_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('apis').addColumn(column, type).execute();
  }
}
