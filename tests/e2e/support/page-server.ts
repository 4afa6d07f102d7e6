// Serves tests/e2e/pages/*.html on 127.0.0.1 with per-page headers: the hostile page
// gets a strict CSP with a fresh nonce per response, csp-none.html `default-src 'none'`, so the extension's UI must live
// with a page that allows no foreign scripts, styles from elsewhere or connections.
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const PAGES_DIR = join(import.meta.dirname, '..', 'pages');
/** Issue 12's extraction fixtures (an article with navigation, ads and comments, ...), served as pages too. */
const FIXTURE_PAGES_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'pages');

export interface PageServer {
  readonly origin: string;
  url(page: string): string;
  close(): Promise<void>;
}

function headersFor(page: string, nonce: string): Record<string, string> {
  const base = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  if (page === 'hostile.html') {
    return { ...base, 'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'` };
  }
  // Nothing at all: no scripts, styles, frames or connections (issue 9's Bar).
  if (page === 'csp-none.html') return { ...base, 'content-security-policy': "default-src 'none'" };
  return base;
}

export async function startPageServer(): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/+/, '') || 'plain.html';
    // Only plain file names from the pages folder: no traversal.
    if (!/^[a-z0-9-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(PAGES_DIR, name), 'utf8').catch(() => readFile(join(FIXTURE_PAGES_DIR, name), 'utf8')).then(
      (html) => {
        const nonce = randomBytes(12).toString('base64');
        res.writeHead(200, headersFor(name, nonce));
        res.end(html.replaceAll('__NONCE__', nonce));
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (page) => `${origin}/${page}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
