// The address a request comes from, as the failed-authentication throttle keys it.
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * IPv4-mapped addresses count as IPv4, and IPv6 addresses are grouped by /64: one host commonly
 * holds a whole /64, so keying by full address would let it rotate past the throttle.
 */
export function normalizeAddress(raw: string): string {
  const address = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::', 2) as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Behind a reverse proxy every request comes from the proxy; with `trustProxy` the address is the
 * last X-Forwarded-For entry, the one our own proxy appended (earlier entries are client-supplied).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim();
    if (last) return normalizeAddress(last);
  }
  return normalizeAddress(req.socket.remoteAddress ?? 'unknown');
}
