/**
 * Which sites show the bubble. Pure and free of storage imports, so the launcher
 * (the content script every page loads) can use it without pulling in WXT's storage.
 */
export interface SiteRules {
  /** Where the launcher bubble shows. */
  siteMode: 'all' | 'allowlist' | 'blocklist';
  /** Hostnames for siteMode allowlist/blocklist, e.g. "example.com" (also matches subdomains). */
  siteList: string[];
}

/** True when the bubble should show on a page with this hostname. */
export function isSiteEnabled(settings: SiteRules, hostname: string): boolean {
  if (settings.siteMode === 'all') return true;
  const host = hostname.toLowerCase();
  const listed = settings.siteList.some((entry) => {
    const site = entry.trim().toLowerCase();
    return site !== '' && (host === site || host.endsWith(`.${site}`));
  });
  return settings.siteMode === 'allowlist' ? listed : !listed;
}
