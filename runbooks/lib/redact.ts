// Secret redaction for every line the runner prints and every report it writes.

const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();

/** Registers a secret value as soon as it is known; later output never shows it. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // A 0x-prefixed key may also be printed without its prefix.
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) secrets.add(value.slice(2));
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out.replace(JWT_SHAPE, '[redacted-jwt]');
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
