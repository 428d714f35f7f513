// Reads the by-hand blocks of a page: the shell commands an operator types beside each runbook step.
// A block is marked `<!-- by-hand id=… -->` right above a ```sh fence or a `::: code-group` of sh fences
// (tabs `[sandbox]` and `[your broker]`); the sandbox tab is what runs here, the other tabs are syntax-checked.
// `<!-- by-hand skip reason="…" -->` marks a shell block that is not run (a runner invocation, a host-only
// command), and `<!-- by-hand output -->` right above a ```text fence gives the output of the block before it.
// Every shell block on the page must carry one of the markers.

export interface ByHandBlock {
  id: string;
  /** 1-based line of the marker. */
  line: number;
  /** What runs against the sandbox. */
  script: string;
  /** Tabs that do not run here (e.g. `your broker`): label and script, checked with `bash -n`. */
  others: Array<{ label: string; script: string }>;
  /** Lines the page shows as this block's output. */
  output?: string[];
}

export interface ByHandPage {
  blocks: ByHandBlock[];
  skipped: Array<{ line: number; reason: string }>;
}

export class ByHandError extends Error {
  override name = 'ByHandError';
}

const MARKER = /^<!-- by-hand(.*)-->$/;
const SHELL_FENCE = /^\s*(`{3,})(sh|bash|shell)(?:\s+\[([^\]]+)\])?\s*$/;

function attrs(text: string, line: number): Record<string, string> {
  const found: Record<string, string> = {};
  const rest = text.replace(
    /([a-z]+)(?:=(?:"([^"]*)"|(\S+)))?/g,
    (_all, key: string, quoted?: string, bare?: string) => {
      found[key] = quoted ?? bare ?? '';
      return '';
    },
  );
  if (rest.trim() !== '')
    throw new ByHandError(`line ${line}: cannot read "${rest.trim()}" in the by-hand marker`);
  return found;
}

/** The fence starting at `start` (its info line): its body and the index of its closing line. */
function fence(lines: string[], start: number): { body: string; end: number; label?: string; lang: string } {
  const open = /^(\s*)(`{3,})(\S*)(?:\s+\[([^\]]+)\])?/.exec(lines[start] ?? '');
  if (!open) throw new ByHandError(`line ${start + 1}: expected a code fence`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === open[2]);
  if (end < 0) throw new ByHandError(`line ${start + 1}: the code fence is never closed`);
  // A fence inside a list item is indented; its lines lose that indentation.
  const indent = (open[1] ?? '').length;
  const body = lines
    .slice(start + 1, end)
    .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)));
  return { body: body.join('\n'), end, label: open[4], lang: open[3] ?? '' };
}

export function extractByHand(markdown: string): ByHandPage {
  const lines = markdown.split('\n');
  const blocks: ByHandBlock[] = [];
  const skipped: ByHandPage['skipped'] = [];
  const claimed = new Set<number>();
  const ids = new Set<string>();
  for (let i = 0; i < lines.length; i += 1) {
    const marker = MARKER.exec((lines[i] ?? '').trim());
    if (!marker) continue;
    const line = i + 1;
    const a = attrs(marker[1] ?? '', line);
    const next = i + 1;
    if ('output' in a) {
      const out = fence(lines, next);
      if (out.lang !== 'text')
        throw new ByHandError(`line ${line}: an output marker must sit right above a text fence`);
      const last = blocks.at(-1);
      if (!last) throw new ByHandError(`line ${line}: an output marker with no by-hand block before it`);
      last.output = out.body.split('\n');
      continue;
    }
    // The block: one sh fence, or a code group of them.
    const tabs: Array<{ label: string; script: string }> = [];
    if ((lines[next] ?? '').trim() === '::: code-group') {
      let j = next + 1;
      while ((lines[j] ?? '').trim() !== ':::') {
        if (j >= lines.length) throw new ByHandError(`line ${line}: the code group is never closed`);
        if (SHELL_FENCE.test(lines[j] ?? '')) {
          const f = fence(lines, j);
          if (!f.label) throw new ByHandError(`line ${j + 1}: a code-group tab needs a [label]`);
          claimed.add(j);
          tabs.push({ label: f.label, script: f.body });
          j = f.end + 1;
        } else {
          j += 1;
        }
      }
      claimed.add(next);
    } else if (SHELL_FENCE.test(lines[next] ?? '')) {
      const f = fence(lines, next);
      claimed.add(next);
      tabs.push({ label: f.label ?? 'sandbox', script: f.body });
    } else {
      throw new ByHandError(
        `line ${line}: a by-hand marker must sit right above a sh fence or a ::: code-group`,
      );
    }
    if ('skip' in a) {
      if (!a.reason) throw new ByHandError(`line ${line}: a skipped block needs reason="…"`);
      skipped.push({ line, reason: a.reason });
      continue;
    }
    const id = a.id;
    if (!id) throw new ByHandError(`line ${line}: the marker needs id=<name> or skip reason="…"`);
    if (ids.has(id)) throw new ByHandError(`line ${line}: by-hand block "${id}" is marked twice`);
    ids.add(id);
    const run = tabs.find((t) => t.label === 'sandbox');
    if (!run) throw new ByHandError(`line ${line}: block "${id}" has no [sandbox] tab to run`);
    blocks.push({ id, line, script: run.script, others: tabs.filter((t) => t !== run) });
  }
  // Every shell block and code group is marked one way or the other.
  lines.forEach((text, i) => {
    if ((SHELL_FENCE.test(text) || text.trim() === '::: code-group') && !claimed.has(i)) {
      throw new ByHandError(
        `line ${i + 1}: a shell block without a by-hand marker (id=… or skip reason="…")`,
      );
    }
  });
  return { blocks, skipped };
}

/** Replaces what differs between runs (ports, paths, ids, keys, times) so shown and printed output compare. */
export function normaliseOutput(line: string, replacements: Array<[string, string]> = []): string {
  let out = line;
  for (const [from, to] of replacements) out = out.split(from).join(to);
  return out
    .replace(/https?:\/\/(127\.0\.0\.1|localhost):\d+/g, 'LOCAL_URL')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)/g, 'TIME')
    .replace(/\bsiwe-[0-9a-f]{32}\b/g, 'siwe-ID')
    .replace(/\bgrn-[A-Za-z0-9_-]{16}(?![\w-])/g, 'grn-ID')
    .replace(/\b(ASIA|AKIA)[0-9A-Z]{16}\b/g, 'ACCESS_KEY_ID')
    .replace(/0x[0-9a-fA-F]+/g, 'ADDR')
    .replace(/\b[0-9a-f]{64}\b/g, 'OMNI')
    .replace(/[\w+/=-]{40,}/g, 'BLOB')
    .replace(/ in [\d.]+m?s\b/g, ' in T')
    .replace(/\d+/g, 'N')
    .trimEnd();
}
