// The chat panel as an extension page: in a page's frame (the launcher creates it) or in
// the side panel / sidebar (?mode=side). Wiring only; see lib/chat/start-panel.ts.
import { startPanel } from '../../lib/chat/start-panel.ts';

const target = document.getElementById('app');
if (target) void startPanel(target, new URLSearchParams(location.search).get('mode') === 'side' ? 'side' : 'frame');
