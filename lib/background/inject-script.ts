// Runs one of Parley's extraction scripts in a tab and returns its result. Chrome (MV3) has
// scripting.executeScript; Firefox is built as MV2 (docs/firefox.md), where tabs.executeScript
// does the same. Either needs the user's action on that tab (activeTab: context menu, toolbar
// button, shortcut) or host access.
import { browser } from 'wxt/browser';
import type { ExtractScript } from './page-context.ts';

export async function injectScript(tabId: number, file: ExtractScript): Promise<unknown> {
  if (import.meta.env.MANIFEST_VERSION === 2) {
    const tabs = browser.tabs as unknown as { executeScript(tabId: number, details: { file: string; runAt?: string }): Promise<unknown[]> };
    const [result] = await tabs.executeScript(tabId, { file, runAt: 'document_idle' });
    return result;
  }
  const [injection] = await browser.scripting.executeScript({ target: { tabId }, files: [file] });
  return injection?.result;
}
