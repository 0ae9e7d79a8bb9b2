/**
 * A minimal browser for protocol tests: keeps cookies, follows nothing by itself, and reads the hidden fields of
 * the page's form, so tests can post login and consent forms as a real browser does (cookies + CSRF token).
 */
export class TestBrowser {
  constructor(
    private readonly base: string,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser (the same cookies) talking to another origin, as to another instance behind one address. */
  at(base: string): TestBrowser {
    return new TestBrowser(base, this.cookies);
  }

  /** The Cookie header this browser sends, to replay a request byte for byte. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The names of the cookies it holds. */
  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  async get(url: string): Promise<Response> {
    return this.request(url, { method: 'GET' });
  }

  async post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  clearCookies(): void {
    this.cookies.clear();
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const target = new URL(url, this.base);
    const headers = new Headers(init.headers);
    if (target.origin === new URL(this.base).origin && this.cookies.size > 0) {
      headers.set('cookie', this.cookieHeader());
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

/** The value of every hidden input of the first form whose action is `action`. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action.replace(/[/?]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!form) throw new Error(`no form posting to ${action} in the page`);
  const fields: Record<string, string> = {};
  for (const input of form[1]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[input[1]!] = decodeEntities(input[2]!);
  }
  return fields;
}

const decodeEntities = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export function location(response: Response): string {
  const value = response.headers.get('location');
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return value;
}
