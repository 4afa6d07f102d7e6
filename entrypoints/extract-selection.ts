// Injected on the user's action ("Ask Parley about the selection", "Read aloud") to read the
// current selection; see entrypoints/extract-page.ts.
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { extractSelection } from '../lib/context/selection-extract.ts';

export default defineUnlistedScript(() => extractSelection(document, window.getSelection(), location.href));
