import { browser } from 'wxt/browser';

/**
 * An offscreen document can never show the microphone prompt, so the first
 * grant happens on a visible Parley page. One such tab at a time: a second
 * failed attempt brings the existing tab forward instead of opening another.
 */
let permissionTabId: number | undefined;

export function openPermissionPage(): void {
  const url = browser.runtime.getURL('/permission.html');
  const create = () =>
    browser.tabs.create({ url, active: true }).then((tab) => {
      permissionTabId = tab.id;
    });
  const existing = permissionTabId;
  const opening = existing === undefined ? create() : browser.tabs.update(existing, { active: true }).then(undefined, create);
  opening.catch((error: unknown) => console.warn('[parley] cannot open the microphone permission page', error));
}
