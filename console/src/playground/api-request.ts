import type { Operation } from './openapi-operations.js';

/** What the person typed into an operation's form. */
export interface RequestInput {
  /** By "path id", "query limit", "header X-Trace". */
  parameters: Record<string, string>;
  /** The raw body (JSON or text), when the body is not a form. */
  body: string;
  /** A form-encoded body's fields, by name. */
  form: Record<string, string>;
}

export interface BuiltRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export const parameterKey = (parameter: { in: string; name: string }) => `${parameter.in} ${parameter.name}`;

/**
 * The request for `operation` on `server` (a base URL, the path appended to it as OpenAPI's servers mean): path
 * parameters substituted and encoded, query parameters that have a value, header parameters, the body, and the
 * bearer token when the operation takes one (RFC 6750 §2.1). Nothing else: no cookies, no Basic credentials.
 */
export function buildRequest(operation: Operation, server: string, input: RequestInput, token: string): BuiltRequest {
  let path = operation.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const parameter of operation.parameters) {
    const value = input.parameters[parameterKey(parameter)] ?? '';
    if (parameter.in === 'path') path = path.replaceAll(`{${parameter.name}}`, encodeURIComponent(value));
    else if (value === '') continue;
    else if (parameter.in === 'query') query.append(parameter.name, value);
    else headers[parameter.name] = value;
  }
  const search = query.size > 0 ? `?${query}` : '';
  const request: BuiltRequest = { url: `${server.replace(/\/+$/, '')}${path}${search}`, method: operation.method.toUpperCase(), headers };
  if (operation.bearer && token !== '') headers.authorization = `Bearer ${token}`;
  const body = operation.body;
  if (body?.fields) {
    const form = new URLSearchParams();
    for (const field of body.fields) {
      const value = input.form[field.name] ?? '';
      if (value !== '') form.append(field.name, value);
    }
    request.body = form.toString();
    headers['content-type'] = body.mediaType;
  } else if (body && input.body.trim() !== '') {
    request.body = input.body;
    headers['content-type'] = body.mediaType;
  }
  return request;
}
