/** Lists are stored as JSON text so that one schema serves SQLite and PostgreSQL. */
export const toJsonList = (values: readonly string[]): string => JSON.stringify(values);

export function fromJsonList(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}
