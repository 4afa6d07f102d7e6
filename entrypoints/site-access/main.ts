// The small window that asks the browser for one site's host permission where the chat panel cannot
// (lib/background/site-access-window.ts). Wiring only.
import { browser } from 'wxt/browser';
import { sendMessage } from '../../lib/messages.ts';
import { isHostName, siteOrigin } from '../../lib/site-access.ts';

const host = new URLSearchParams(location.search).get('host') ?? '';
const button = document.querySelector<HTMLButtonElement>('#allow');
const result = document.querySelector<HTMLParagraphElement>('#result');
const hostLabel = document.querySelector<HTMLSpanElement>('#host');

if (button && isHostName(host)) {
  if (hostLabel) hostLabel.textContent = host;
  button.textContent = `Allow reading ${host}`;
  button.disabled = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    let granted = false;
    try {
      // Inside the click: the browser asks only on the user's action.
      granted = await browser.permissions.request({ origins: [siteOrigin(host)] });
    } catch (error) {
      if (result) result.textContent = `The browser would not ask: ${error instanceof Error ? error.message : String(error)}`;
    }
    await sendMessage('siteAccessResult', { host, granted }).catch((error: unknown) => console.warn('[parley] could not tell the background', error));
    if (granted) window.close();
    else if (result) {
      result.textContent ||= `Parley was not allowed to read ${host}.`;
      result.dataset.kind = 'error';
      button.disabled = false;
    }
  });
}
