import { fakeBrowser } from 'wxt/testing/fake-browser';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkRelayUrl, loadRelayConfig } from '../../../lib/background/relay-config.ts';
import { DEFAULT_SETTINGS, settingsItem, tokenItem } from '../../../lib/settings.ts';

describe('the background relay client', () => {
  beforeEach(() => fakeBrowser.reset());

  it('never connects over ws:// to another computer, whatever is stored', async () => {
    await tokenItem.setValue('a-token');
    // Stored settings may predate the rule or come from sync: the background checks again before connecting.
    await settingsItem.setValue({ ...DEFAULT_SETTINGS, relayUrl: 'ws://relay.example.com:3002' });
    const refused = await loadRelayConfig();
    expect(refused).toEqual({ ok: false, detail: expect.stringMatching(/^Relay URL: .*needs wss:\/\//) });

    await settingsItem.setValue({ ...DEFAULT_SETTINGS, relayUrl: 'wss://relay.example.com' });
    expect(await loadRelayConfig()).toEqual({ ok: true, url: 'wss://relay.example.com', token: 'a-token' });
    await settingsItem.setValue({ ...DEFAULT_SETTINGS, relayUrl: 'ws://127.0.0.1:3002' });
    expect(await loadRelayConfig()).toMatchObject({ ok: true, url: 'ws://127.0.0.1:3002' });
  });

  it('treats only loopback names and addresses as this computer', () => {
    expect(checkRelayUrl('ws://localhost:3002').ok).toBe(true);
    expect(checkRelayUrl('ws://127.10.0.1:3002').ok).toBe(true);
    expect(checkRelayUrl('ws://[::1]:3002').ok).toBe(true);
    for (const url of ['ws://10.0.0.2:3002', 'ws://127.0.0.1.example.com', 'ws://localhost.example.com', 'ws://[::ffff:7f00:1]'])
      expect(checkRelayUrl(url).ok).toBe(false);
  });
});
