// Which Host headers the relay answers to. A DNS-rebinding page (evil.example resolving to 127.0.0.1)
// reaches the relay from the user's own browser, but its requests still carry `Host: evil.example`;
// refusing unknown names keeps /healthz, the API and WebSocket upgrades out of its reach.
import { isIP } from 'node:net';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** The host name of a Host header, lowercased, without port, brackets or trailing dot. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  // More than one colon without brackets: a bare IPv6 literal, no port.
  const name = (value.match(/:/g) ?? []).length > 1 ? value : value.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/** The names allowed when PARLEY_ALLOWED_HOSTS is unset: loopback names plus the bind host. */
export function defaultAllowedHosts(bindHost: string): string[] {
  const names = ['localhost'];
  if (!WILDCARD_HOSTS.has(bindHost) && isIP(bindHost) === 0) names.push(bindHost.toLowerCase());
  return names;
}

/**
 * IP literals are always allowed: rebinding needs a name the attacker controls, and a page whose own
 * origin is an IP address is simply that address, with no cross-origin access to the relay's.
 */
export function createHostCheck(allowedNames: readonly string[]): (header: string | undefined) => boolean {
  const allowed = new Set(allowedNames.map((name) => hostName(name)));
  return (header) => {
    if (header === undefined || header.trim() === '') return false;
    const name = hostName(header);
    return isIP(name) !== 0 || allowed.has(name);
  };
}

export const MISDIRECTED_MESSAGE = 'This relay does not answer to that host name. Add it to PARLEY_ALLOWED_HOSTS if it should.';
