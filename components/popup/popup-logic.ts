import type { ConnectionStatus } from '../../lib/messages.ts';
import { isSiteEnabled, type ParleySettings } from '../../lib/settings.ts';

/** Settings with `host` disabled: added to a blocklist, or removed from an allowlist. Pure. */
export function disableSite(settings: ParleySettings, host: string): ParleySettings {
  const site = host.toLowerCase();
  const matches = (entry: string) => {
    const listed = entry.trim().toLowerCase();
    return listed === site || site.endsWith(`.${listed}`);
  };
  if (settings.siteMode === 'allowlist') return { ...settings, siteList: settings.siteList.filter((entry) => !matches(entry)) };
  const siteList = settings.siteMode === 'blocklist' ? settings.siteList : [];
  return { ...settings, siteMode: 'blocklist', siteList: siteList.some(matches) ? siteList : [...siteList, site] };
}

export { isSiteEnabled };

const LABELS: Record<ConnectionStatus['state'], string> = {
  idle: 'Not connected yet',
  connecting: 'Connecting to the relay…',
  connected: 'Connected to the relay',
  reconnecting: 'Reconnecting to the relay…',
  unauthorized: 'The relay refused the token',
  misconfigured: 'Parley needs setting up',
};

export function statusLine(status: ConnectionStatus | undefined): { text: string; detail?: string; tone: 'ok' | 'busy' | 'bad' } {
  if (!status) return { text: 'Checking…', tone: 'busy' };
  const tone = status.state === 'connected' ? 'ok' : status.state === 'unauthorized' || status.state === 'misconfigured' ? 'bad' : 'busy';
  return { text: LABELS[status.state], detail: status.detail, tone };
}
