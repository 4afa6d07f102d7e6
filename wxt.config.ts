import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'wxt';

const require = createRequire(import.meta.url);
const vadDist = dirname(require.resolve('@ricky0123/vad-web'));
const ortDist = dirname(require.resolve('onnxruntime-web/wasm'));
/**
 * Conversation mode's voice activity detector (lib/voice/mic-vad.ts) loads these at run time; they
 * ship inside the extension (no CDN): Silero v5, vad-web's AudioWorklet, and onnxruntime-web's SIMD
 * wasm build with its loader. Both builds run the engine: Chrome in its offscreen document, Firefox
 * in its conversation window (docs/conversation-mode.md).
 */
const VAD_ASSETS = [
  join(vadDist, 'silero_vad_v5.onnx'),
  join(vadDist, 'vad.worklet.bundle.min.js'),
  join(ortDist, 'ort-wasm-simd-threaded.wasm'),
  join(ortDist, 'ort-wasm-simd-threaded.mjs'),
];

// See https://wxt.dev/api/config.html
export default defineConfig({
  // Tests build into their own folder so a parallel `wxt build` never swaps files under a running browser.
  outDir: process.env.PARLEY_OUT_DIR ?? '.output',
  modules: ['@wxt-dev/module-svelte'],
  // Every dependency is an explicit import: the relay shares `protocol/`, and
  // WXT's auto-imports would make that code depend on build-time magic.
  imports: false,
  // The sources zip AMO asks for (`wxt zip -b firefox`): WXT already leaves out node_modules and
  // build output; generated test artifacts and benchmark results are not sources either.
  zip: { excludeSources: ['tests/artifacts/**', 'bench/results/*.json', '.output*/**'] },
  hooks: {
    'build:publicAssets': (_wxt, files) => {
      for (const absoluteSrc of VAD_ASSETS) files.push({ absoluteSrc, relativeDest: `vad/${absoluteSrc.split('/').pop() ?? ''}` });
    },
  },
  manifest: ({ browser, manifestVersion }) => ({
    name: 'Parley',
    description: 'A voice-capable AI chat popup on any page, through your own relay.',
    // Fewest permissions that work (each is explained in the README):
    // - storage: settings (sync), token and conversation (local).
    // - offscreen (Chrome only): the hidden page that records the microphone; a service worker has no getUserMedia.
    // - sidePanel (Chrome only; Firefox's sidebar_action needs none): the chat in the browser's side panel.
    // - contextMenus: the "Open Parley in side panel" entry on pages and on the toolbar button, and (issue 12)
    //   "Ask Parley about the selection", "Read aloud", "Read this page aloud".
    // - activeTab + scripting (Firefox MV2: activeTab, for tabs.executeScript): read the page or the
    //   selection on the user's action only, by injecting extract-page.js / extract-selection.js then.
    //   A content script's <all_urls> match does not allow executeScript; activeTab grants it to the
    //   tab the user just acted on (menu click, toolbar button, shortcut), and only until it navigates.
    // No "tabs": tabs.query for the active tab's id, tabs.create and tabs.sendMessage work without it.
    // Host access comes from the content script's <all_urls> match, which is what puts the bubble on pages.
    // E2E builds only (tests/e2e/support/global-setup.ts, tests/e2e/firefox): stands in for the
    // activeTab gesture automation cannot make. MV2 lists host access among its permissions.
    ...(process.env.PARLEY_E2E_HOST_ACCESS === '1' && manifestVersion === 3 ? { host_permissions: ['<all_urls>'] } : {}),
    permissions: [
      ...(browser === 'firefox'
        ? ['storage', 'contextMenus', 'activeTab']
        : ['storage', 'offscreen', 'sidePanel', 'contextMenus', 'activeTab', 'scripting']),
      ...(process.env.PARLEY_E2E_HOST_ACCESS === '1' && manifestVersion === 2 ? ['<all_urls>'] : []),
    ],
    commands: {
      'toggle-chat': {
        suggested_key: { default: 'Alt+Shift+P', mac: 'MacCtrl+Shift+P' },
        description: 'Open or close the Parley chat on this page',
      },
      'toggle-conversation': {
        suggested_key: { default: 'Alt+Shift+C', mac: 'MacCtrl+Shift+C' },
        description: 'Start or end a hands-free conversation with Parley',
      },
    },
    action: { default_title: 'Parley' },
    // The chat panel is an extension page the launcher frames into pages (docs/panel.md). Only that
    // one HTML file is web-accessible; the scripts it loads come from its own origin. Chrome serves it
    // under a per-session dynamic id, so a page cannot probe for Parley or frame the panel itself.
    // WXT turns this into MV2's plain list for Firefox.
    // The same page in the side panel (Chrome) or sidebar (Firefox), told so by its query.
    ...(browser === 'firefox'
      ? { sidebar_action: { default_panel: 'chat.html?mode=side', default_title: 'Parley', open_at_install: false } }
      : { side_panel: { default_path: 'chat.html?mode=side' } }),
    web_accessible_resources: [
      { resources: ['chat.html'], matches: ['<all_urls>'], ...(browser === 'firefox' ? {} : { use_dynamic_url: true }) },
    ],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'parley@parley.dev',
              // 140 is the first desktop Firefox that knows data_collection_permissions (docs/firefox.md).
              strict_min_version: '140.0',
              // Chat messages and voice recordings go to the relay the user configured: that is
              // "personal communications". A page's text, title and address (origin and path) go too,
              // but only when the user attaches the page or a selection, or has it read aloud:
              // "website content". No browsing history leaves.
              data_collection_permissions: { required: ['personalCommunications', 'websiteContent'] },
            },
          },
          // Firefox's default MV3 extension CSP has upgrade-insecure-requests, which turns ws://127.0.0.1
          // into wss:// and fails (docs/firefox.md). MV2 takes a string and is not affected. Both name
          // 'wasm-unsafe-eval' for the VAD's onnxruntime in the conversation window: MV2 only reports
          // WebAssembly compiled without it (Firefox's test_ext_wasm.js), MV3 refuses it.
          content_security_policy:
            manifestVersion === 3
              ? { extension_pages: "script-src 'self' 'wasm-unsafe-eval'" }
              : "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
        }
      : {
          // The VAD's onnxruntime compiles WebAssembly in the offscreen document: MV3 extension pages
          // need 'wasm-unsafe-eval' for that (no 'unsafe-eval', no remote code).
          content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
        }),
  }),
});
