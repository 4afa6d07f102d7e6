// Firefox's in-page panel has no permissions API: "Allow" opens a small Parley window that asks, only
// for the site of the panel's own page, and the answer goes back to the panels waiting for it.
import { describe, expect, it } from 'vitest';
import { parseContentMessage } from '../../../lib/background/content-message.ts';
import { createSiteAccessWindows } from '../../../lib/background/site-access-window.ts';
import type { BackgroundToContent } from '../../../lib/messages.ts';

function setup(hosts: Record<number, string>) {
  const opened: string[] = [];
  const posted: Array<[number, BackgroundToContent]> = [];
  const windows = createSiteAccessWindows({
    hostOf: async (panelId) => hosts[panelId],
    open: async (path) => void opened.push(path),
    post: (panelId, message) => void posted.push([panelId, message]),
  });
  return { windows, opened, posted };
}

describe('site-access window', () => {
  it('opens for the site of the panel\'s page and tells the waiting panels the answer', async () => {
    const { windows, opened, posted } = setup({ 1: 'news.example', 2: 'news.example' });
    await windows.request(1, 'news.example');
    await windows.request(2, 'news.example');
    expect(opened).toEqual(['/site-access.html?host=news.example', '/site-access.html?host=news.example']);
    expect(posted).toEqual([]);
    windows.result('news.example', true);
    expect(posted).toEqual([
      [1, { type: 'siteAccess', host: 'news.example', granted: true }],
      [2, { type: 'siteAccess', host: 'news.example', granted: true }],
    ]);
    windows.result('news.example', true);
    expect(posted).toHaveLength(2); // answered once
  });

  it('never asks for a site other than the panel\'s own page', async () => {
    const { windows, opened, posted } = setup({ 1: 'news.example' });
    await windows.request(1, 'bank.example');
    await windows.request(3, 'news.example'); // a panel with no page
    expect(opened).toEqual([]);
    expect(posted).toEqual([
      [1, { type: 'siteAccess', host: 'bank.example', granted: false }],
      [3, { type: 'siteAccess', host: 'news.example', granted: false }],
    ]);
  });

  it('forgets a panel that went away', async () => {
    const { windows, posted } = setup({ 1: 'news.example' });
    await windows.request(1, 'news.example');
    windows.forget(1);
    windows.result('news.example', true);
    expect(posted).toEqual([]);
  });

  it('accepts only a hostname from the panel', () => {
    expect(parseContentMessage({ type: 'requestSiteAccess', host: 'news.example' })).toEqual({ type: 'requestSiteAccess', host: 'news.example' });
    for (const host of ['*', '*.example', 'news.example/path', '', 'a'.repeat(300), 42]) expect(parseContentMessage({ type: 'requestSiteAccess', host })).toBeUndefined();
  });
});
