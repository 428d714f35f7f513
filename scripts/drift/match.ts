// Finds mentions of a surface in text: endpoints, files, identifiers, headers and terms.
import type { RetiredSurface } from './config.ts';
import { escapeRegExp } from './doc.ts';
import type { LiveEndpoint } from './live.ts';

export interface Mention {
  start: number;
  end: number;
  text: string;
}

const METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';
/** One path segment standing for a parameter: `{id}`, `:id`, or a concrete value. */
const PARAM = '[^/\\s?#"\'`)\\]<>|]+';
const PATH_CHAR = /[\w\-.~%{}:/]/;

export function splitEndpoint(value: string): { method?: string; path: string } {
  const m = new RegExp(`^(${METHODS})\\s+(\\S+)$`, 'i').exec(value.trim());
  return m ? { method: (m[1] as string).toUpperCase(), path: m[2] as string } : { path: value.trim() };
}

/** `{id}`, `:id`, or a template literal's `${id}` (a path written in TypeScript code). */
const isParam = (seg: string) => /^\$?\{[^}]+\}$/.test(seg) || /^:\w+$/.test(seg);
/** `*` or `**`: any one segment, or (last) any rest of the path. */
const isWildcard = (seg: string) => seg === '*' || seg === '**';

/** Regex source for a templated path; parameters match one segment. */
export function pathPattern(p: string): string {
  return p
    .split('/')
    .map((seg) => (isParam(seg) ? PARAM : escapeRegExp(seg)))
    .join('/');
}

/**
 * A test for "names one of these routes", with exact paths looked up first. A path ending in `/*` (or `/**`)
 * names a prefix: it is known when some route continues it by at least one segment.
 */
export function routeMatcher(paths: string[]): (p: string) => boolean {
  const exact = new Set(paths.map((p) => p.replace(/\/+$/, '')));
  const templated = paths.filter((p) => p.split('/').some(isParam));
  return (p) => {
    if (p.split('/').some(isWildcard)) return paths.some((known) => underPrefix(p, known));
    if (exact.has(p.replace(/\/+$/, ''))) return true;
    // Code builds paths with `${expression}`, which may stand for a concrete segment of a route, too; a
    // documented `{param}` stays a parameter, which only a templated route has.
    return (p.includes('${') ? paths : templated).some((t) => samePath(t, p));
  };
}

/** A segment with a `${expression}` inside literal text (`v${n}.json`): the expression stands for any text. */
function templateFits(template: string, segment: string): boolean {
  if (!template.includes('${')) return false;
  const source = template
    .split(/\$\{[^}]*\}/)
    .map(escapeRegExp)
    .join('.+');
  return new RegExp(`^${source}$`).test(segment);
}

const sameSegment = (x: string, y: string) =>
  x === y || isParam(x) || isParam(y) || templateFits(x, y) || templateFits(y, x);

/** Whether two templated/concrete paths name the same route. */
export function samePath(a: string, b: string): boolean {
  const sa = a.replace(/\/+$/, '').split('/');
  const sb = b.replace(/\/+$/, '').split('/');
  if (sa.length !== sb.length) return false;
  return sa.every((x, i) => sameSegment(x, sb[i] as string));
}

// Whether `route` is one of the routes a wildcard path stands for: `/v1/cap/*` (any rest), `/v1/*/list`.
function underPrefix(wildcard: string, route: string): boolean {
  const sw = wildcard.replace(/\/+$/, '').split('/');
  const sr = route.replace(/\/+$/, '').split('/');
  const rest = isWildcard(sw[sw.length - 1] as string);
  if (rest ? sr.length < sw.length : sr.length !== sw.length) return false;
  return sw.every((x, i) => isWildcard(x) || sameSegment(x, sr[i] as string));
}

const endpointCache = new Map<string, RegExp>();

/** Mentions of an endpoint; never the prefix of a longer path; a different explicit method is not a match. */
export function findEndpoint(text: string, surface: string, live: LiveEndpoint[]): Mention[] {
  const { method, path } = splitEndpoint(surface);
  const literal = path.split('/').find((s) => s && !isParam(s)) ?? path;
  if (!text.includes(literal)) return [];
  let re = endpointCache.get(path);
  if (!re) {
    re = new RegExp(`(?:\\b(${METHODS})[ \\t]+)?${pathPattern(path)}(?![\\w\\-~%]|/[\\w{:]|\\.\\w)`, 'gi');
    endpointCache.set(path, re);
  }
  re.lastIndex = 0;
  const out: Mention[] = [];
  const livePathOnly = live.some((e) => samePath(e.path, path));
  for (const m of text.matchAll(re)) {
    const said = m[1]?.toUpperCase();
    if (method && said && said !== method) continue;
    const pathStart = (m.index as number) + (m[1] ? m[0].length - m[0].replace(/^\S+[ \t]+/, '').length : 0);
    // Case-insensitive only for the method word; the path itself must match exactly.
    if (!new RegExp(`^${pathPattern(path)}`).test(text.slice(pathStart))) continue;
    if (!said && livePathOnly) continue;
    let left = pathStart;
    while (left > 0 && PATH_CHAR.test(text[left - 1] as string) && text[left - 1] !== ':') left--;
    const full = text.slice(left, (m.index as number) + m[0].length);
    if (left !== pathStart && live.some((e) => samePath(e.path, full))) continue;
    out.push({ start: m.index as number, end: (m.index as number) + m[0].length, text: m[0] });
  }
  return out;
}

const FILE_CHAR = /[\w\-./~]/;

/** Mentions of a file: its path or any suffix keeping at least one folder, with optional #L… or ::symbol. */
export function findFile(text: string, filePath: string): Mention[] {
  const target = filePath.replace(/^\.?\//, '').split('/');
  const base = target[target.length - 1] as string;
  const out: Mention[] = [];
  let at = text.indexOf(base);
  while (at !== -1) {
    const endBase = at + base.length;
    const next = text[endBase] ?? '';
    const after = text.slice(endBase, endBase + 2);
    const boundaryOk = !/[\w-]/.test(next) && !/^\.\w/.test(after);
    if (boundaryOk && at > 0 && text[at - 1] === '/') {
      let left = at;
      while (left > 0 && FILE_CHAR.test(text[left - 1] as string)) left--;
      const token = text.slice(left, endBase).replace(/^(?:\.{1,2}\/)+|^\/+/, '');
      const segs = token.split('/').filter((s) => s !== '' && s !== '.');
      const n = Math.min(segs.length, target.length);
      const tail = (xs: string[]) => xs.slice(xs.length - n).join('/');
      if (n >= 2 && tail(segs) === tail(target) && (segs.length <= target.length || n === target.length)) {
        const start = endBase - tail(target).length;
        const extra = /^(?:#L\d+(?:-L?\d+)?|::\w+|:\d+)/.exec(text.slice(endBase));
        const end = endBase + (extra ? extra[0].length : 0);
        out.push({ start, end, text: text.slice(start, end) });
      }
    }
    at = text.indexOf(base, at + 1);
  }
  return out;
}

const identCache = new Map<string, RegExp>();

/** Whole-identifier mentions: env vars and symbols (case-sensitive), headers and terms (case-insensitive). */
export function findWord(
  text: string,
  word: string,
  kind: 'symbol' | 'env' | 'header' | 'term',
  lower?: string,
): Mention[] {
  const insensitive = kind === 'header' || kind === 'term';
  const probe = (insensitive ? word.toLowerCase() : word).split(/\s+/)[0] as string;
  if (!(insensitive ? (lower ?? text.toLowerCase()) : text).includes(probe)) return [];
  const key = `${kind}\u0000${word}`;
  let re = identCache.get(key);
  if (!re) {
    const edge = kind === 'symbol' || kind === 'env' ? '[A-Za-z0-9_]' : '[A-Za-z0-9_-]';
    const body = word.trim().split(/\s+/).map(escapeRegExp).join('\\s+');
    re = new RegExp(`(?<!${edge})${body}(?!${edge})`, insensitive ? 'gi' : 'g');
    identCache.set(key, re);
  }
  re.lastIndex = 0;
  const out: Mention[] = [];
  for (const m of text.matchAll(re)) {
    out.push({ start: m.index as number, end: (m.index as number) + m[0].length, text: m[0] });
  }
  return out;
}

const SUFFIX = /^(?:#L\d+(?:-L?\d+)?|::\w+|:\d+)/;
const nameCache = new Map<string, RegExp>();

/**
 * A file named by its bare name (`handler.rs`) or a test file by its stem (`handler_flow`): a whole word that is
 * not part of a path or of a longer name, with or without `#L…`, `:line` or `::symbol` after it.
 */
export function findName(text: string, name: string): Mention[] {
  if (!text.includes(name)) return [];
  let re = nameCache.get(name);
  if (!re) {
    re = new RegExp(`(?<![\\w./\\\\-])${escapeRegExp(name)}(?![\\w-]|\\.\\w|/\\w)`, 'g');
    nameCache.set(name, re);
  }
  re.lastIndex = 0;
  const out: Mention[] = [];
  for (const m of text.matchAll(re)) {
    const start = m.index as number;
    const extra = SUFFIX.exec(text.slice(start + name.length));
    const end = start + name.length + (extra ? extra[0].length : 0);
    out.push({ start, end, text: text.slice(start, end) });
  }
  return out;
}

const TEST_FOLDER = /(?:^|\/)(?:tests?|__tests__|specs?)\//;
const TEST_NAME = /^test_|_test\.|_spec\./;

/** The names a retired file also goes by: its bare name and, for a test file, its stem (`tests/a_flow.rs` → `a_flow`). */
export function nameForms(filePath: string): string[] {
  const clean = filePath.replace(/^\.?\//, '');
  const base = clean.slice(clean.lastIndexOf('/') + 1);
  const forms = [base];
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : '';
  if ((TEST_FOLDER.test(clean) || TEST_NAME.test(base)) && /^[A-Za-z_][\w-]*$/.test(stem)) forms.push(stem);
  return forms;
}

/** Keeps the first of overlapping mentions (the longest, of those that start together). */
function disjoint(ms: Mention[]): Mention[] {
  ms.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Mention[] = [];
  for (const m of ms) if (out.length === 0 || m.start >= (out[out.length - 1] as Mention).end) out.push(m);
  return out;
}

export function findSurface(
  text: string,
  s: RetiredSurface,
  live: LiveEndpoint[],
  lower?: string,
): Mention[] {
  const values = [s.value, ...(s.aliases ?? [])];
  const found: Mention[] = [];
  for (const value of values) {
    if (s.kind === 'endpoint') found.push(...findEndpoint(text, value, live));
    else if (s.kind !== 'file') found.push(...findWord(text, value, s.kind, lower));
    else if (!value.includes('/')) found.push(...findName(text, value));
    else {
      found.push(...findFile(text, value));
      if (!s.exact) for (const name of nameForms(value)) found.push(...findName(text, name));
    }
  }
  return values.length === 1 && (s.kind !== 'file' || s.exact) ? found : disjoint(found);
}
