/**
 * Tells the panel whether it is on screen. In a page the launcher hides the frame
 * (display: none) rather than unloading it, so reopening is instant; a hidden
 * frame's document does not change its own visibilityState, but an
 * IntersectionObserver on it reports no intersection with the top-level viewport.
 * Returns a remover.
 */
export function watchPanelVisibility(target: Element, onChange: (visible: boolean) => void): () => void {
  let last: boolean | undefined;
  const observer = new IntersectionObserver((entries) => {
    const visible = entries.some((entry) => entry.isIntersecting);
    if (visible === last) return;
    last = visible;
    onChange(visible);
  });
  observer.observe(target);
  return () => observer.disconnect();
}
