// Issue 12: the options page lists the sites allowed from the panel, and Remove takes access back.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import SiteAccessList from '../../../components/options/SiteAccessList.svelte';

describe('sites Parley may read (options page)', () => {
  let component: Record<string, unknown> | undefined;
  afterEach(() => {
    if (component) void unmount(component);
    document.body.replaceChildren();
  });
  const settle = async () => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    flushSync();
  };

  it('lists the allowed sites and removes one', async () => {
    const granted = new Set(['docs.example', 'news.example']);
    const revoked: string[] = [];
    component = mount(SiteAccessList, {
      target: document.body,
      props: {
        list: async () => [...granted].sort(),
        revoke: async (host: string) => {
          revoked.push(host);
          return granted.delete(host);
        },
      },
    });
    await settle();
    expect([...document.querySelectorAll('li span')].map((s) => s.textContent)).toEqual(['docs.example', 'news.example']);
    document.querySelector<HTMLButtonElement>('button[aria-label="Remove news.example"]')?.click();
    await settle();
    expect(revoked).toEqual(['news.example']);
    expect([...document.querySelectorAll('li span')].map((s) => s.textContent)).toEqual(['docs.example']);
    expect(document.querySelector('[role="alert"]')).toBeNull();
  });

  it('says "None." when no site is allowed, and when the browser keeps access', async () => {
    component = mount(SiteAccessList, { target: document.body, props: { list: async () => ['news.example'], revoke: async () => false } });
    await settle();
    document.querySelector<HTMLButtonElement>('button[aria-label="Remove news.example"]')?.click();
    await settle();
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('The browser kept access to news.example.');
    void unmount(component);
    component = mount(SiteAccessList, { target: document.body, props: { list: async () => [], revoke: async () => true } });
    await settle();
    expect(document.body.textContent).toContain('None.');
  });
});
