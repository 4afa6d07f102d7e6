import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'wxt';

const require = createRequire(import.meta.url);
const vadDist = dirname(require.resolve('@ricky0123/vad-web'));
const ortDist = dirname(require.resolve('onnxruntime-web/wasm'));
/**
 * Conversation mode's voice activity detector (lib/voice/mic-vad.ts) loads these at run time; they
 * ship inside the extension (no CDN): Silero v5, vad-web's AudioWorklet, and onnxruntime-web's SIMD
 * wasm build with its loader. Only Chrome runs the engine today (docs/conversation-mode.md).
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
    'build:publicAssets': (wxt, files) => {
      if (wxt.config.browser === 'firefox') return;
      for (const absoluteSrc of VAD_ASSETS) files.push({ absoluteSrc, relativeDest: `vad/${absoluteSrc.split('/').pop() ?? ''}` });
    },
  },
  manifest: ({ browser, manifestVersion }) => ({
    name: 'Parley',
    description: 'A voice-capable AI chat popup on any page, through your own relay.',
    // Fewest permissions that work (each is explained in the README):
    // - storage: settings (sync), token and conversation (local).
    // - offscreen (Chrome only): the hidden page that records the microphone; a service worker has no getUserMedia.
    // No "tabs": tabs.query for the active tab's id, tabs.create and tabs.sendMessage work without it.
    // Host access comes from the content script's <all_urls> match, which is what puts the bubble on pages.
    permissions: browser === 'firefox' ? ['storage'] : ['storage', 'offscreen'],
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
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'parley@parley.dev',
              // 140 is the first desktop Firefox that knows data_collection_permissions (docs/firefox.md).
              strict_min_version: '140.0',
              // Chat messages and voice recordings go to the relay the user configured: that is
              // "personal communications". Nothing else (no page content, no browsing history) leaves.
              data_collection_permissions: { required: ['personalCommunications'] },
            },
          },
          // Firefox's default MV3 extension CSP has upgrade-insecure-requests, which turns ws://127.0.0.1
          // into wss:// and fails (PLATFORM.md). MV2 takes a string here and is not affected.
          ...(manifestVersion === 3 ? { content_security_policy: { extension_pages: "script-src 'self'" } } : {}),
        }
      : {
          // The VAD's onnxruntime compiles WebAssembly in the offscreen document: MV3 extension pages
          // need 'wasm-unsafe-eval' for that (no 'unsafe-eval', no remote code).
          content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
        }),
  }),
});
