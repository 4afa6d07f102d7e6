// Who may connect: origin policy and token checks shared by the WebSocket and HTTP listeners.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PROTOCOL_PREFIX } from '../../protocol/index.ts';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Constant-time token check against every accepted token: comparing SHA-256 digests means neither
 * content nor length leaks, and comparing all of them (no early exit on a match) means the time
 * does not say which token matched or how many there are before it.
 */
export function createTokenCheck(
  expected: string | readonly string[],
  compare: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): (candidate: string | undefined) => boolean {
  const digests = (typeof expected === 'string' ? [expected] : expected).map(digest);
  if (digests.length === 0) throw new Error('createTokenCheck needs at least one token.');
  return (candidate) => {
    // Hash even when absent so a missing token costs the same as a wrong one.
    const candidateDigest = digest(candidate ?? '');
    let matches = false;
    for (const expectedDigest of digests) matches = compare(candidateDigest, expectedDigest) || matches;
    return candidate !== undefined && matches;
  };
}

const EXTENSION_SCHEMES = ['chrome-extension:', 'moz-extension:', 'safari-web-extension:'] as const;

export interface OriginPolicy {
  /** Exact web origins allowed besides extensions (PARLEY_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** When non-empty, only these extension ids (PARLEY_EXTENSION_IDS). */
  extensionIds: readonly string[];
}

export function isExtensionOrigin(origin: string): boolean {
  return EXTENSION_SCHEMES.some((scheme) => origin.startsWith(`${scheme}//`));
}

/**
 * Extension pages and clients without an Origin header (Node, CLI tools) are allowed;
 * ordinary web pages are refused unless configured, so a page the user happens to visit
 * cannot drive the relay with a token it somehow learned.
 */
export function isOriginAllowed(origin: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined || origin === '') return true;
  if (isExtensionOrigin(origin)) {
    if (policy.extensionIds.length === 0) return true;
    const id = origin.slice(origin.indexOf('//') + 2).replace(/\/.*$/, '');
    return policy.extensionIds.includes(id);
  }
  return policy.allowedOrigins.includes(origin);
}

/** True when the upgrade URL carries `?token=` (so a refusal can say why when query tokens are off). */
export function hasQueryToken(req: IncomingMessage): boolean {
  return new URL(req.url ?? '/', 'http://relay.invalid').searchParams.has('token');
}

/**
 * Token from the `parley-token.<token>` subprotocol entry (Parley) or, unless `allowQuery` is false
 * (PARLEY_LEGACY_QUERY_TOKEN=0), `?token=` (legacy clients). A URL ends up in proxy and access logs,
 * which is why a relay without legacy clients should switch the query form off.
 */
export function tokenFromUpgrade(req: IncomingMessage, allowQuery = true): string | undefined {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header === 'string') {
    for (const entry of header.split(',')) {
      const trimmed = entry.trim();
      if (trimmed.startsWith(TOKEN_PROTOCOL_PREFIX)) return trimmed.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  if (!allowQuery) return undefined;
  const query = new URL(req.url ?? '/', 'http://relay.invalid').searchParams.get('token');
  return query ?? undefined;
}

/** Token from `Authorization: Bearer <token>` (v1 HTTP API). */
export function tokenFromBearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
