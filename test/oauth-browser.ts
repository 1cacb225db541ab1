/**
 * A minimal scripted browser for OAuth flows in API-level tests: a cookie jar, manual redirects, and form
 * submission for Plugboard's connect page and the sandbox's login and consent pages. (The dashboard tests and
 * test/connect-page.test.ts drive real Chromium.)
 */

export class CookieJar {
  private cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export interface BrowserStep {
  url: string;
  status: number;
  location?: string;
}

export class ScriptedBrowser {
  readonly jar = new CookieJar();
  readonly history: BrowserStep[] = [];

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header();
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(response);
    this.history.push({ url, status: response.status, location: response.headers.get('location') ?? undefined });
    return response;
  }

  /** Follows redirects until a response is not a redirect, or until `stopAt` matches the next URL. */
  async follow(url: string, stopAt?: (url: URL) => boolean): Promise<{ url: string; response: Response }> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      const response = await this.fetch(current);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current);
        if (stopAt?.(next)) return { url: next.href, response };
        current = next.href;
        continue;
      }
      return { url: current, response };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the first POST form of an HTML page with its hidden inputs plus `fields`, with the page's Origin like a browser. */
  async submitForm(pageUrl: string, html: string, fields: Record<string, string> = {}): Promise<Response> {
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html) ?? /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html);
    if (!form) throw new Error(`no POST form on ${pageUrl}:\n${html.slice(0, 500)}`);
    const body = new URLSearchParams();
    for (const input of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) body.set(input[1]!, input[2]!);
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const target = new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl);
    const site = target.origin === new URL(pageUrl).origin ? 'same-origin' : 'cross-site';
    return this.fetch(target.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(pageUrl).origin, 'sec-fetch-site': site },
      body,
    });
  }

  /**
   * Opens a connect URL (Plugboard's connect page) and presses its Connect button; returns the provider's
   * authorization URL the POST redirected to (303), not followed.
   */
  async clickConnect(connectUrl: string): Promise<URL> {
    const page = await this.fetch(connectUrl);
    const html = await page.text();
    if (page.status !== 200) throw new Error(`connect page answered ${page.status}: ${html.slice(0, 300)}`);
    const posted = await this.submitForm(connectUrl, html);
    const location = posted.headers.get('location');
    if (posted.status !== 303 || !location) throw new Error(`Connect answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
    return new URL(location, connectUrl);
  }

  /**
   * Opens a connect URL, presses Connect, and clicks through the sandbox's login and consent pages. Stops when
   * the browser is sent to the provider's callback (returned, not followed) so tests can inspect or replay it.
   */
  async authorizeAtSandbox(connectUrl: string, login = 'alice'): Promise<URL> {
    const isCallback = (u: URL) => u.pathname.startsWith('/oauth/callback/');
    let step = await this.follow((await this.clickConnect(connectUrl)).href, isCallback);
    for (let i = 0; i < 6; i++) {
      if (isCallback(new URL(step.url))) return new URL(step.url);
      const html = await step.response.text();
      if (step.response.status !== 200) throw new Error(`unexpected ${step.response.status} at ${step.url}: ${html.slice(0, 300)}`);
      const fields: Record<string, string> = html.includes('name="login"') ? { login, password: 'any' } : {};
      const posted = await this.submitForm(step.url, html, fields);
      const location = posted.headers.get('location');
      if (!location) throw new Error(`form at ${step.url} did not redirect (${posted.status})`);
      const next = new URL(location, step.url);
      if (isCallback(next)) return next;
      step = await this.follow(next.href, isCallback);
    }
    throw new Error('the sandbox did not redirect to the callback');
  }

  /** Full connect: authorize, then deliver the callback; returns the callback's response. */
  async connect(connectUrl: string, login = 'alice'): Promise<Response> {
    const callback = await this.authorizeAtSandbox(connectUrl, login);
    return this.fetch(callback.href);
  }
}
