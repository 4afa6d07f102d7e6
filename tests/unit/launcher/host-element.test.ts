import { describe, expect, it } from 'vitest';
import { createHostElement, randomElementName } from '../../../lib/launcher/host-element.ts';

describe('the launcher host element', () => {
  it('gets a valid, random custom-element name per page load', () => {
    const names = new Set(Array.from({ length: 50 }, () => randomElementName()));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^[a-z]{6}-[a-z]{6}$/);
    expect(createHostElement(document).localName).toMatch(/^[a-z]{6}-[a-z]{6}$/);
  });

  it('never uses a name the page has already defined as a custom element', () => {
    customElements.define('taken-byapage', class extends HTMLElement {});
    const offered = ['taken-byapage', 'fresh-hostname'];
    const host = createHostElement(document, () => offered.shift() ?? 'never-reached');
    expect(host.localName).toBe('fresh-hostname');
    expect(host.matches(':defined')).toBe(false);
  });

  it('gives up rather than use a defined name', () => {
    customElements.define('always-taken', class extends HTMLElement {});
    expect(() => createHostElement(document, () => 'always-taken')).toThrow(/already defined/);
  });
});
