// Options page: loads settings and token, mounts the form, wires save and "Test connection".
import { mount } from 'svelte';
import Options from '../../components/options/Options.svelte';
import { sendMessage } from '../../lib/messages.ts';
import { grantedSites, revokeSite } from '../../lib/site-access.ts';
import { loadSettings, settingsItem, tokenItem, type ParleySettings } from '../../lib/settings.ts';

const target = document.getElementById('app');
if (target) {
  const [settings, token] = await Promise.all([loadSettings(), tokenItem.getValue()]);
  mount(Options, {
    target,
    props: {
      settings,
      token,
      // Settings sync across the user's browsers; the token stays in storage.local.
      save: async (next: ParleySettings, nextToken: string) => {
        await Promise.all([settingsItem.setValue(next), tokenItem.setValue(nextToken)]);
      },
      testConnection: (relayUrl: string, testToken: string) => sendMessage('testConnection', { relayUrl, token: testToken }),
      siteAccess: { list: grantedSites, revoke: revokeSite },
    },
  });
}
