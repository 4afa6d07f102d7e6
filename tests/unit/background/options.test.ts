import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Options from '../../../components/options/Options.svelte';
import { checkOptions, normaliseHost, toForm } from '../../../components/options/validate-options.ts';
import { toSessionSettings } from '../../../lib/background/relay-config.ts';
import { disableSite } from '../../../components/popup/popup-logic.ts';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../lib/settings.ts';

const form = (patch: Partial<ReturnType<typeof toForm>> = {}) => ({ ...toForm(DEFAULT_SETTINGS, 'good-token'), ...patch });

describe('options validation', () => {
  it('accepts the defaults with a token and produces settings', () => {
    const result = checkOptions(form());
    expect(result.errors).toEqual({});
    expect(result.settings).toEqual(DEFAULT_SETTINGS);
    expect(result.token).toBe('good-token');
  });

  it('refuses non-WebSocket URLs, and ws:// to anything but this computer', () => {
    expect(checkOptions(form({ relayUrl: 'http://127.0.0.1:3002' })).errors.relayUrl).toMatch(/ws:\/\/ or wss:\/\//);
    expect(checkOptions(form({ relayUrl: 'not a url' })).settings).toBeUndefined();
    for (const relayUrl of ['ws://relay.example.com', 'ws://192.168.1.20:3002', 'ws://[2001:db8::1]:3002', 'ws://localhost.evil.example', 'ws://127.0.0.1.nip.io']) {
      const remote = checkOptions(form({ relayUrl }));
      expect(remote.settings).toBeUndefined();
      expect(remote.errors.relayUrl).toMatch(/needs wss:\/\//);
    }
    for (const relayUrl of ['ws://127.0.0.1:3002', 'ws://localhost:3002', 'ws://[::1]:3002', 'ws://127.0.0.2:3002', 'wss://relay.example.com']) {
      const ok = checkOptions(form({ relayUrl }));
      expect(ok.errors).toEqual({});
      expect(ok.warnings).toEqual({});
    }
  });

  it('checks token, model, system prompt length and the site list', () => {
    expect(checkOptions(form({ token: '' })).errors.token).toBeDefined();
    expect(checkOptions(form({ token: 'has space' })).errors.token).toBeDefined();
    expect(checkOptions(form({ model: 'gpt 4o' })).errors.model).toBeDefined();
    expect(checkOptions(form({ model: 'gpt-4o-mini' })).errors.model).toBeUndefined();
    expect(checkOptions(form({ systemPrompt: 'x'.repeat(8001) })).errors.systemPrompt).toMatch(/8000/);
    expect(checkOptions(form({ siteMode: 'allowlist', siteList: '' })).errors.siteList).toBeDefined();
    expect(checkOptions(form({ siteMode: 'blocklist', siteList: 'not a host!' })).errors.siteList).toMatch(/not a host!/);
    const ok = checkOptions(form({ siteMode: 'blocklist', siteList: 'https://Example.com/path\n*.news.org, example.com' }));
    expect(ok.settings?.siteList).toEqual(['example.com', 'news.org']);
  });

  it('checks speaking speed and the end-of-turn silence (300-3000 ms)', () => {
    expect(checkOptions(form({ speechSpeed: 1.5, endOfTurnSilenceMs: 300 })).settings).toMatchObject({ speechSpeed: 1.5, endOfTurnSilenceMs: 300 });
    expect(checkOptions(form({ speechSpeed: 7 })).errors.speechSpeed).toBeDefined();
    expect(checkOptions(form({ endOfTurnSilenceMs: 299 })).errors.endOfTurnSilenceMs).toMatch(/300 to 3000/);
    expect(checkOptions(form({ endOfTurnSilenceMs: 3001 })).errors.endOfTurnSilenceMs).toBeDefined();
    expect(checkOptions(form({ endOfTurnSilenceMs: Number.NaN })).errors.endOfTurnSilenceMs).toBeDefined();
  });

  it('sends the speed to the relay only when it is not the default', () => {
    expect(toSessionSettings(DEFAULT_SETTINGS).speed).toBeUndefined();
    expect(toSessionSettings({ ...DEFAULT_SETTINGS, speechSpeed: 1.25 }).speed).toBe(1.25);
  });

  it('normalises hostnames', () => {
    expect(normaliseHost(' Mail.Example.COM. ')).toBe('mail.example.com');
    expect(normaliseHost('localhost')).toBe('localhost');
    expect(normaliseHost('exa mple.com')).toBeUndefined();
  });
});

describe('popup: disable on this site', () => {
  const base: ParleySettings = { ...DEFAULT_SETTINGS };
  it('switches "all sites" to a blocklist with this host', () => {
    expect(disableSite(base, 'Example.com')).toMatchObject({ siteMode: 'blocklist', siteList: ['example.com'] });
  });
  it('adds to an existing blocklist once', () => {
    const once = disableSite({ ...base, siteMode: 'blocklist', siteList: ['a.org'] }, 'b.org');
    expect(once.siteList).toEqual(['a.org', 'b.org']);
    expect(disableSite(once, 'www.b.org').siteList).toEqual(['a.org', 'b.org']);
  });
  it('removes the host from an allowlist', () => {
    expect(disableSite({ ...base, siteMode: 'allowlist', siteList: ['a.org', 'b.org'] }, 'docs.b.org')).toMatchObject({
      siteMode: 'allowlist',
      siteList: ['a.org'],
    });
  });
});

describe('Options page', () => {
  let component: ReturnType<typeof mount> | undefined;
  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    document.body.innerHTML = '';
  });

  function render(token = '') {
    const save = vi.fn(async () => undefined);
    const testConnection = vi.fn(async () => ({ ok: false as const, reason: 'wrong-token' as const, message: 'The relay refused it.' }));
    component = mount(Options, { target: document.body, props: { settings: DEFAULT_SETTINGS, token, save, testConnection } });
    const byLabel = <T extends HTMLElement>(text: string) => {
      const label = [...document.querySelectorAll('label')].find((l) => l.textContent?.trim() === text);
      const element = label && document.getElementById(label.htmlFor);
      if (!element) throw new Error(`no field labelled ${text}`);
      return element as T;
    };
    const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement;
    return { save, testConnection, byLabel, button };
  }

  it('labels every field', () => {
    const { byLabel } = render();
    for (const label of ['Relay URL', 'Relay token', 'Chat model', 'Voice', 'Speech language', 'Spoken answers', 'Typing effect', 'System prompt', 'Sites', 'On all sites']) {
      expect(byLabel(label)).toBeTruthy();
    }
  });

  it('shows a message next to an invalid field and does not save', async () => {
    const { byLabel, button, save } = render('tok');
    const url = byLabel<HTMLInputElement>('Relay URL');
    url.value = 'http://example.com';
    url.dispatchEvent(new Event('input', { bubbles: true }));
    button('Save').click();
    flushSync();
    await Promise.resolve();
    expect(save).not.toHaveBeenCalled();
    expect(url.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(url.getAttribute('aria-describedby') ?? '');
    expect(message?.textContent).toMatch(/ws:\/\/ or wss:\/\//);
  });

  it('saves valid settings and the token separately, then says Saved', async () => {
    const { byLabel, button, save } = render('tok');
    const model = byLabel<HTMLInputElement>('Chat model');
    model.value = 'gpt-4o-mini';
    model.dispatchEvent(new Event('input', { bubbles: true }));
    button('Save').click();
    await vi.waitFor(() => expect(document.body.textContent).toContain('Saved'));
    expect(save).toHaveBeenCalledWith({ ...DEFAULT_SETTINGS, model: 'gpt-4o-mini' }, 'tok');
  });

  it('reports a wrong token from Test connection', async () => {
    const { button, testConnection } = render('tok');
    button('Test connection').click();
    await vi.waitFor(() => expect(document.body.textContent).toContain('Wrong token'));
    expect(testConnection).toHaveBeenCalledWith(DEFAULT_SETTINGS.relayUrl, 'tok');
  });
});
