// Injected into the active tab only when the user asks for the page ("Ask about this page",
// "Read this page aloud"): background's lib/background/page-context.ts runs it with
// scripting.executeScript / tabs.executeScript and takes main's return value. Never a content
// script, so Readability costs nothing on page load.
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { extractPage } from '../lib/context/page-extract.ts';

export default defineUnlistedScript(() => extractPage(document, location.href));
