// Extracts the command blocks docs/dev-setup.md marks as "a newcomer runs this", with the promise each makes.

export const promises = ['exit-0', 'exit-1', 'exit-2', 'node-20', 'serves', 'renders', 'skip'] as const;
export type Promise_ = (typeof promises)[number];

export interface DevSetupBlock {
  step: string;
  expect: Promise_;
  /** Path fetched from the first local URL a `serves` block prints (opened in Chromium for `renders`). */
  probe?: string;
  /** Text the block's output must contain. */
  shows?: string;
  /** Why a `skip` block is not run. */
  reason?: string;
  /** The shell commands, exactly as the page shows them. */
  script: string;
  /** 1-based line of the marker in the page. */
  line: number;
}

export class MarkerError extends Error {
  override name = 'MarkerError';
}

const markerLine = /^<!-- devsetup (.*) -->$/;
const attribute = /([a-z]+)=(?:"([^"]*)"|(\S+))/g;
const known = new Set(['step', 'expect', 'probe', 'shows', 'reason']);

function attributes(text: string, line: number): Record<string, string> {
  const found: Record<string, string> = {};
  const rest = text.replace(attribute, (_all, key: string, quoted?: string, bare?: string) => {
    if (!known.has(key)) throw new MarkerError(`line ${line}: unknown marker attribute "${key}"`);
    found[key] = quoted ?? bare ?? '';
    return '';
  });
  if (rest.trim() !== '') throw new MarkerError(`line ${line}: cannot read "${rest.trim()}" in the marker`);
  return found;
}

/** The marked blocks of a Markdown page, in page order. Throws MarkerError on a malformed marker. */
export function extractBlocks(markdown: string): DevSetupBlock[] {
  const lines = markdown.split('\n');
  const blocks: DevSetupBlock[] = [];
  const seen = new Set<string>();
  lines.forEach((text, index) => {
    const marker = markerLine.exec(text.trim());
    if (!marker) return;
    const line = index + 1;
    const attrs = attributes(marker[1] ?? '', line);
    const { step, expect } = attrs;
    if (!step) throw new MarkerError(`line ${line}: the marker needs step=<id>`);
    if (seen.has(step)) throw new MarkerError(`line ${line}: step "${step}" is marked twice`);
    seen.add(step);
    if (!(promises as readonly string[]).includes(expect ?? '')) {
      throw new MarkerError(`line ${line}: expect= must be one of ${promises.join(', ')}`);
    }
    if ((expect === 'serves' || expect === 'renders') && !attrs.probe)
      throw new MarkerError(`line ${line}: a ${expect} block needs probe=`);
    if (expect === 'skip' && !attrs.reason) throw new MarkerError(`line ${line}: a skip block needs reason=`);
    const fence = /^(`{3,})(sh|bash|shell)\s*$/.exec(lines[index + 1] ?? '');
    if (!fence) throw new MarkerError(`line ${line}: the marker must sit directly above a sh code fence`);
    const close = lines.findIndex((l, i) => i > index + 1 && l.trim() === fence[1]);
    if (close < 0) throw new MarkerError(`line ${line}: the code fence is never closed`);
    const script = lines
      .slice(index + 2, close)
      .join('\n')
      .trim();
    if (script === '') throw new MarkerError(`line ${line}: the marked block is empty`);
    blocks.push({
      step,
      expect: expect as Promise_,
      probe: attrs.probe,
      shows: attrs.shows,
      reason: attrs.reason,
      script,
      line,
    });
  });
  return blocks;
}

/** The first http://127.0.0.1:… or http://localhost:… URL in a text, without a trailing slash. */
export function firstLocalUrl(text: string): string | undefined {
  return /https?:\/\/(?:127\.0\.0\.1|localhost):\d+/.exec(text)?.[0];
}
