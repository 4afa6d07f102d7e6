// Per-site host access (issue 12). A click in the chat panel grants no activeTab (the panel is an
// extension page in a frame, not the browser's own UI), so reading a page needs host access to its
// site. Parley declares http/https as optional host permissions and asks for one site at a time,
// from the panel, the first time the user attaches or reads a page there; the options page lists
// the sites and revokes them. Nothing is granted at install (docs/page-context.md).
import { browser } from 'wxt/browser';

/** What the panel asks the browser for: one site, named for the user. */
export interface SiteAccessRequest {
  host: string;
  origins: string[];
}

/** One site's match pattern: http and https, any port, that host only (no subdomains). */
export function siteOrigin(host: string): string {
  return `*://${host}/*`;
}

export function siteAccessRequest(host: string): SiteAccessRequest {
  return { host, origins: [siteOrigin(host)] };
}

/** The host of a pattern made by `siteOrigin`; undefined for any other, such as `<all_urls>` or a wildcard host. */
export function hostOfSiteOrigin(origin: string): string | undefined {
  const host = /^\*:\/\/([^/]+)\/\*$/.exec(origin)?.[1];
  return host === undefined || host.includes('*') ? undefined : host;
}

/** A hostname as a page's location gives it (letters, digits, dots, hyphens; or a bracketed IPv6 address). */
export function isHostName(value: string): boolean {
  return value.length <= 253 && /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/i.test(value);
}

export function isSiteAccessRequest(value: unknown): value is SiteAccessRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.host === 'string' && isHostName(v.host) && Array.isArray(v.origins) && v.origins.length === 1 && v.origins[0] === siteOrigin(v.host);
}

export function hasSiteAccess(host: string): Promise<boolean> {
  return browser.permissions.contains({ origins: [siteOrigin(host)] });
}

/** Sites the user allowed from the panel, sorted. */
export async function grantedSites(): Promise<string[]> {
  const { origins = [] } = await browser.permissions.getAll();
  return [...new Set(origins.map(hostOfSiteOrigin).filter((host): host is string => host !== undefined))].sort();
}

export function revokeSite(host: string): Promise<boolean> {
  return browser.permissions.remove({ origins: [siteOrigin(host)] });
}
