// Reads samples out of Prometheus exposition text, for tests that scrape /metrics.

/** The value of the sample `name{labels}` (labels matched exactly, in any order); undefined if absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1] ?? ''] = pair[2] ?? '';
    const wanted = Object.entries(labels);
    if (wanted.length !== Object.keys(found).length || wanted.some(([key, value]) => found[key] !== value)) continue;
    return Number(match[3]);
  }
  return undefined;
}
