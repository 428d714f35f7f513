// Secret redaction for every line the runner prints and every report it writes: each registered secret in the
// forms output commonly carries it (as is, JSON-escaped, URL-encoded, base64 and base64url), plus anything
// JWT-shaped. `LineMasker` applies it to a stream of writes, so a secret split across two writes is caught too.

const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const MIN_SECRET_LENGTH = 8;
export const REDACTED = '[redacted]';

const secrets = new Set<string>();
let compiled: { pattern: RegExp; longest: number } | undefined;

/** Registers a secret value as soon as it is known; later output never shows it. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  // A 0x-prefixed key may also be printed without its prefix.
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) secrets.add(value.slice(2));
  compiled = undefined;
}

/**
 * The base64 text that stands for `secret` wherever it sits in an encoded payload. Base64 packs 3 bytes into
 * 4 characters, so bytes before the secret shift it into one of three alignments; for each, the characters
 * that depend on the secret's bytes alone are kept (the edges mix in neighbouring bytes).
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const first = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    forms.push(encoded.slice(first, end));
  }
  return forms;
}

/** Every spelling of `secret` the redactor looks for. */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  const b64 = base64Forms(secret);
  const forms = [
    secret,
    json,
    // Some JSON writers also escape the slash.
    json.replaceAll('/', '\\/'),
    url,
    url.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    // Form encoding (application/x-www-form-urlencoded) writes a space as +.
    new URLSearchParams({ s: secret }).toString().slice(2),
    ...b64,
    ...b64.map((form) => form.replaceAll('+', '-').replaceAll('/', '_')),
  ];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(): { pattern: RegExp; longest: number } {
  if (compiled) return compiled;
  const forms = [...new Set([...secrets].flatMap(secretForms))].sort((a, b) => b.length - a.length);
  // Longest first: at any position the alternation takes the first form that matches, so a secret that
  // contains another is replaced whole.
  const pattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : /(?!)/g;
  compiled = { pattern, longest: forms[0]?.length ?? 0 };
  return compiled;
}

export function redact(text: string): string {
  return text.replace(compile().pattern, REDACTED).replace(JWT_SHAPE, '[redacted-jwt]');
}

/** Redacts every string inside a JSON-like value (keys are the caller's own and left alone). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

// A line longer than this is passed on in pieces rather than held without end.
const MAX_PENDING = 64 * 1024;

/**
 * Turns a stream of writes into redacted lines. Text is held until its line ends, so a secret written in two
 * pieces is whole when it is matched; a line that grows past MAX_PENDING is passed on early except for a
 * tail long enough to hold the start of any secret.
 */
export class LineMasker {
  #pending = '';

  /** Adds written text; returns the lines it completed, redacted and without their line breaks. */
  push(text: string): string[] {
    this.#pending += text;
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    const done = lines.map(redact);
    if (this.#pending.length > MAX_PENDING) {
      // Matches are replaced first, so no registered secret is cut at the split; the cut also moves back to
      // the start of a token (a JWT may be longer than any registered secret) unless the token is all there is.
      const masked = this.#pending.replace(compile().pattern, REDACTED);
      let cut = masked.length - Math.max(compile().longest, 4096);
      const token = /[A-Za-z0-9_.-]*$/.exec(masked.slice(0, cut))?.[0].length ?? 0;
      if (token < cut) cut -= token;
      done.push(redact(masked.slice(0, cut)));
      this.#pending = masked.slice(cut);
    }
    return done;
  }

  /** The unfinished last line, redacted, if there is one; the masker is empty afterwards. */
  flush(): string | undefined {
    const rest = this.#pending;
    this.#pending = '';
    return rest === '' ? undefined : redact(rest);
  }
}
