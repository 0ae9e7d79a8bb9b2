import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/**
 * A small HTTP/1.1 client for the closed-loop drivers (code flow, refresh rotation): node:http over a keep-alive
 * agent, no redirects followed, the whole body read as text. Lighter than global fetch, so the load generator,
 * which shares the CPUs with the server, takes less from it.
 */

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A connection error or timeout, as opposed to an answer with a bad status. */
export class ConnectionError extends Error {}

/** An answer the flow did not expect (a step answered with a status other than 2xx/3xx, or a wrong body). */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    message: string,
  ) {
    super(`${step}: ${message}`);
  }
}

/** One keep-alive connection pool; the drivers give each loop its own, as each browser and app has its own. */
export function keepAliveAgent(maxSockets = 2): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export interface SendOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  agent: Agent;
  timeoutMs?: number;
}

export function send(url: URL, options: SendOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = httpRequest(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method,
        headers,
        agent: options.agent,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => reject(new ConnectionError(error.message)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => reject(new ConnectionError(error.message)));
    req.end(options.body);
  });
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined and base64-encoded. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** A form POST authenticated with HTTP Basic, as a confidential client sends to the token or introspection endpoint. */
export function postBasic(
  url: URL,
  clientId: string,
  clientSecret: string,
  params: Record<string, string>,
  agent: Agent,
): Promise<HttpAnswer> {
  return send(url, {
    method: 'POST',
    agent,
    headers: {
      authorization: basicAuth(clientId, clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(params).toString(),
  });
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * A browser's cookies for one origin, as far as the flows need: name + path identify a cookie (RFC 6265 §5.3), a
 * request carries the cookies whose path matches (longest path first), Max-Age <= 0 or an Expires in the past
 * deletes. Domain, Secure and SameSite do not matter on one http origin.
 */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  header(url: URL): string | undefined {
    const matching = [...this.cookies.values()].filter((cookie) => pathMatches(url.pathname, cookie.path));
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  store(url: URL, headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = defaultPath(url.pathname);
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', raw = ''] = attribute.split('=', 2).map((part) => part.trim());
        const lower = key.toLowerCase();
        if (lower === 'path' && raw.startsWith('/')) path = raw;
        else if (lower === 'max-age' && Number(raw) <= 0) expired = true;
        else if (lower === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

/** One browser: its cookies and its connection; no redirect is followed by itself. */
export class Browser {
  readonly jar = new CookieJar();

  constructor(readonly agent: Agent) {}

  async request(url: URL, method: 'GET' | 'POST', form?: Record<string, string>): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' };
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const answer = await send(url, { method, headers, agent: this.agent, ...(body === undefined ? {} : { body }) });
    this.jar.store(url, answer.headers);
    return answer;
  }
}

export interface HtmlForm {
  action: string;
  /** Hidden inputs, by name. */
  hidden: Record<string, string>;
  hasPassword: boolean;
}

/** The first form with method="post" on a page: its action, hidden inputs and whether it asks for a password. */
export function postForm(html: string): HtmlForm | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let form = match.exec(html); form; form = match.exec(html)) {
    const attributes = parseAttributes(form[1]!);
    if ((attributes.method ?? 'get').toLowerCase() !== 'post') continue;
    const hidden: Record<string, string> = {};
    let hasPassword = false;
    for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const field = parseAttributes(input[1]!);
      const type = (field.type ?? 'text').toLowerCase();
      if (type === 'password') hasPassword = true;
      if (type === 'hidden' && field.name !== undefined) hidden[field.name] = field.value ?? '';
    }
    return { action: attributes.action ?? '', hidden, hasPassword };
  }
  return undefined;
}

function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

const decodeEntities = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
