import { flushSync, mount, unmount } from 'svelte';
import MarkdownBlock from '../../../../components/chat/MarkdownBlock.svelte';
import { parseMarkdown } from '../../../../lib/chat/markdown.ts';

export interface RenderedMarkdown {
  root: HTMLElement;
  /** Re-renders with new text, as a streaming reply does on every chunk. */
  update: (markdown: string) => void;
  destroy: () => void;
}

/** Mounts the real components into happy-dom, the way MessageItem does. */
export function renderMarkdown(markdown: string): RenderedMarkdown {
  const root = document.createElement('div');
  root.className = 'markdown';
  document.body.append(root);
  const props = $state({ blocks: parseMarkdown(markdown) });
  const app = mount(MarkdownBlock, { target: root, props });
  flushSync();
  return {
    root,
    update(next) {
      props.blocks = parseMarkdown(next);
      flushSync();
    },
    destroy() {
      void unmount(app);
      root.remove();
    },
  };
}
