// Reads JSON into a typed shape and fails the way the broker's Rust stack does: serde_json's messages and
// line/column positions, serde derive's struct rules (unknown keys ignored, `Option` fields may be absent,
// an array fills the fields in order) and serde_path_to_error's `field: ` prefix that axum's Json adds.

/** What a field holds, as the broker's request structs declare it. */
export type Shape =
  | { kind: 'string' }
  | { kind: 'u64' }
  | { kind: 'i64' }
  | { kind: 'any' }
  | { kind: 'option'; of: Shape }
  | { kind: 'array'; of: Shape }
  | { kind: 'enum'; variants: readonly string[] }
  | StructShape;

export interface FieldShape {
  name: string;
  shape: Shape;
  /** `#[serde(default)]`: an absent field takes this value instead of failing. */
  default?: unknown;
}

export interface StructShape {
  kind: 'struct';
  /** The Rust type name, which serde puts in its messages. */
  name: string;
  fields: readonly FieldShape[];
}

export const str: Shape = { kind: 'string' };
export const u64: Shape = { kind: 'u64' };
export const i64: Shape = { kind: 'i64' };
export const optional = (of: Shape): Shape => ({ kind: 'option', of });
export const struct = (name: string, fields: readonly FieldShape[]): StructShape => ({
  kind: 'struct',
  name,
  fields,
});

/** serde_json sorts its failures into these; axum answers 400 for syntax and eof, 422 for data. */
export type Category = 'syntax' | 'eof' | 'data';

export class SerdeError extends Error {
  constructor(
    readonly code: string,
    readonly category: Category,
    /** 0 while the error has no position yet (serde_json then prints the bare message). */
    public line: number,
    public column: number,
    public path: string[] = [],
    /** Raised after the value was read, outside serde_path_to_error: printed without a path. */
    readonly trailing = false,
  ) {
    super(code);
  }

  /** serde_json's own text: `<message> at line L column C`. */
  plain(): string {
    return this.line === 0 ? this.code : `${this.code} at line ${this.line} column ${this.column}`;
  }

  /** serde_path_to_error's text: the field path first, when there is one. */
  withPath(): string {
    return this.path.length > 0 && !this.trailing ? `${this.path.join('.')}: ${this.plain()}` : this.plain();
  }
}

const MAX_DEPTH = 128;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/** How serde prints a float it did not expect: Rust's `{}` (never an exponent) with `.0` when whole. */
export function rustFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'NaN';
  const [mantissa = '0', exp] = String(Math.abs(value)).split('e');
  let text = mantissa;
  if (exp !== undefined) {
    const shift = Number(exp);
    const [whole = '0', frac = ''] = mantissa.split('.');
    const digits = whole + frac;
    const point = whole.length + shift;
    text =
      point <= 0
        ? `0.${'0'.repeat(-point)}${digits}`
        : point >= digits.length
          ? digits + '0'.repeat(point - digits.length)
          : `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  if (!text.includes('.')) text += '.0';
  return (value < 0 || Object.is(value, -0) ? '-' : '') + text;
}

type Unexpected =
  | { t: 'bool'; v: boolean }
  | { t: 'unsigned'; v: bigint }
  | { t: 'signed'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'unit' }
  | { t: 'seq' }
  | { t: 'map' };

function describe(u: Unexpected): string {
  switch (u.t) {
    case 'bool':
      return `boolean \`${u.v}\``;
    case 'unsigned':
    case 'signed':
      return `integer \`${u.v}\``;
    case 'float':
      return `floating point \`${rustFloat(u.v)}\``;
    case 'str':
      return `string ${rustDebug(u.v)}`;
    case 'unit':
      return 'null';
    case 'seq':
      return 'sequence';
    case 'map':
      return 'map';
  }
}

/** Rust's `{:?}` of a string: double quotes, backslash escapes, `\u{…}` for control characters. */
export function rustDebug(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\0') out += '\\0';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

const isWhitespace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
const hexValue = (b: number | undefined): number | undefined => {
  if (b === undefined) return undefined;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return undefined;
};

type Num = { t: 'unsigned'; v: bigint } | { t: 'signed'; v: bigint } | { t: 'float'; v: number };

class Reader {
  index = 0;
  depth = MAX_DEPTH;
  constructor(readonly bytes: Uint8Array) {}

  private positionOf(i: number): { line: number; column: number } {
    let line = 1;
    let start = 0;
    for (let k = 0; k < i; k++) {
      if (this.bytes[k] === 0x0a) {
        line++;
        start = k + 1;
      }
    }
    return { line, column: i - start };
  }

  /** An error placed at what was read so far (serde_json's `error`). */
  error(code: string, category: Category = 'syntax'): SerdeError {
    const { line, column } = this.positionOf(this.index);
    return new SerdeError(code, category, line, column);
  }

  /** An error placed at the byte about to be read (serde_json's `peek_error`). */
  peekError(code: string, category: Category = 'syntax'): SerdeError {
    const { line, column } = this.positionOf(Math.min(this.bytes.length, this.index + 1));
    return new SerdeError(code, category, line, column);
  }

  /** Gives a position-less error (missing field, wrong length…) the place the reader stands. */
  fix(error: unknown): unknown {
    if (error instanceof SerdeError && error.line === 0) {
      const { line, column } = this.positionOf(this.index);
      error.line = line;
      error.column = column;
    }
    return error;
  }

  peek(): number | undefined {
    return this.bytes[this.index];
  }

  whitespace(): number | undefined {
    while (isWhitespace(this.bytes[this.index])) this.index++;
    return this.bytes[this.index];
  }

  ident(rest: string): void {
    for (const ch of rest) {
      const b = this.bytes[this.index];
      if (b === undefined) throw this.error('EOF while parsing a value', 'eof');
      this.index++;
      if (b !== ch.charCodeAt(0)) throw this.error('expected ident');
    }
  }

  /** A JSON string after its opening quote, checked for escapes, control characters and UTF-8. */
  string(): string {
    const parts: number[] = [];
    for (;;) {
      const b = this.bytes[this.index];
      if (b === undefined) throw this.error('EOF while parsing a string', 'eof');
      this.index++;
      if (b === 0x22) break;
      if (b === 0x5c) {
        this.escape(parts);
        continue;
      }
      if (b < 0x20) throw this.error('control character (\\u0000-\\u001F) found while parsing a string');
      parts.push(b);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(parts));
    } catch {
      throw this.error('invalid unicode code point');
    }
  }

  private hex4(): number {
    if (this.index + 4 > this.bytes.length) {
      this.index = this.bytes.length;
      throw this.error('EOF while parsing a string', 'eof');
    }
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const v = hexValue(this.bytes[this.index]);
      this.index++;
      if (v === undefined) throw this.error('invalid escape');
      n = n * 16 + v;
    }
    return n;
  }

  private escape(out: number[]): void {
    const b = this.bytes[this.index];
    if (b === undefined) throw this.error('EOF while parsing a string', 'eof');
    this.index++;
    const simple: Record<number, number> = {
      34: 0x22,
      92: 0x5c,
      47: 0x2f,
      98: 0x08,
      102: 0x0c,
      110: 0x0a,
      114: 0x0d,
      116: 0x09,
    };
    if (simple[b] !== undefined) {
      out.push(simple[b]);
      return;
    }
    if (b !== 0x75) throw this.error('invalid escape');
    let code = this.hex4();
    if (code >= 0xdc00 && code <= 0xdfff) throw this.error('lone leading surrogate in hex escape');
    if (code >= 0xd800 && code <= 0xdbff) {
      if (this.bytes[this.index] !== 0x5c || this.bytes[this.index + 1] !== 0x75) {
        throw this.error('unexpected end of hex escape');
      }
      this.index += 2;
      const low = this.hex4();
      if (low < 0xdc00 || low > 0xdfff) throw this.error('lone leading surrogate in hex escape');
      code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
    }
    out.push(...new TextEncoder().encode(String.fromCodePoint(code)));
  }

  /** A number whose first byte (or the `-`) was already consumed. */
  number(positive: boolean): Num {
    const start = this.index - (positive ? 0 : 1);
    const first = this.bytes[this.index];
    if (first === undefined) throw this.error('EOF while parsing a value', 'eof');
    this.index++;
    if (first === 0x30) {
      if (isDigit(this.peek())) throw this.peekError('invalid number');
    } else if (!isDigit(first)) {
      throw this.error('invalid number');
    } else {
      while (isDigit(this.peek())) this.index++;
    }
    let float = false;
    if (this.peek() === 0x2e) {
      this.index++;
      if (!isDigit(this.peek())) {
        throw this.peek() === undefined
          ? this.peekError('EOF while parsing a value', 'eof')
          : this.peekError('invalid number');
      }
      while (isDigit(this.peek())) this.index++;
      float = true;
    }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      this.index++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.index++;
      const next = this.bytes[this.index];
      if (next === undefined) throw this.error('EOF while parsing a value', 'eof');
      this.index++;
      if (!isDigit(next)) throw this.error('invalid number');
      while (isDigit(this.peek())) this.index++;
      float = true;
    }
    const text = new TextDecoder().decode(this.bytes.subarray(start, this.index));
    // serde_json reads "-0" as the float -0.0.
    if (!float && text === '-0') return { t: 'float', v: -0 };
    if (!float) {
      const v = BigInt(text);
      if (v >= 0n && v <= U64_MAX) return { t: 'unsigned', v };
      if (v < 0n && v >= I64_MIN) return { t: 'signed', v };
    }
    const v = Number(text);
    if (!Number.isFinite(v)) throw this.error('number out of range');
    return { t: 'float', v };
  }

  /** serde_json's `peek_invalid_type`: reads the offending value so the message can name it. */
  invalidType(expected: string): SerdeError {
    const b = this.peek();
    let u: Unexpected;
    if (b === 0x6e) {
      this.index++;
      this.ident('ull');
      u = { t: 'unit' };
    } else if (b === 0x74) {
      this.index++;
      this.ident('rue');
      u = { t: 'bool', v: true };
    } else if (b === 0x66) {
      this.index++;
      this.ident('alse');
      u = { t: 'bool', v: false };
    } else if (b === 0x2d) {
      this.index++;
      u = this.number(false);
    } else if (isDigit(b)) {
      u = this.number(true);
    } else if (b === 0x22) {
      this.index++;
      u = { t: 'str', v: this.string() };
    } else if (b === 0x5b) {
      u = { t: 'seq' };
    } else if (b === 0x7b) {
      u = { t: 'map' };
    } else {
      return this.peekError('expected value');
    }
    return this.fix(
      new SerdeError(`invalid type: ${describe(u)}, expected ${expected}`, 'data', 0, 0),
    ) as SerdeError;
  }

  enter(): void {
    this.depth--;
    if (this.depth === 0) throw this.error('recursion limit exceeded');
  }

  leave(): void {
    this.depth++;
  }

  /** Skips any value (serde's IgnoredAny), still failing on bad JSON. */
  ignore(): void {
    const b = this.whitespace();
    if (b === undefined) throw this.peekError('EOF while parsing a value', 'eof');
    if (b === 0x6e || b === 0x74 || b === 0x66) {
      this.index++;
      this.ident(b === 0x6e ? 'ull' : b === 0x74 ? 'rue' : 'alse');
    } else if (b === 0x2d) {
      this.index++;
      this.number(false);
    } else if (isDigit(b)) {
      this.number(true);
    } else if (b === 0x22) {
      this.index++;
      this.string();
    } else if (b === 0x5b) {
      this.enter();
      this.index++;
      let first = true;
      while (this.seqNext(first)) {
        first = false;
        this.ignore();
      }
      this.endSeq();
      this.leave();
    } else if (b === 0x7b) {
      this.enter();
      this.index++;
      let first = true;
      while (this.mapKey(first) !== undefined) {
        first = false;
        this.colon();
        this.ignore();
      }
      this.endMap();
      this.leave();
    } else {
      throw this.peekError('expected value');
    }
  }

  /** serde_json's SeqAccess: true when another element follows. */
  seqNext(first: boolean): boolean {
    let b = this.whitespace();
    if (b === 0x5d) return false;
    if (b === undefined) throw this.peekError('EOF while parsing a list', 'eof');
    if (b === 0x2c && !first) {
      this.index++;
      b = this.whitespace();
    } else if (!first) {
      throw this.peekError('expected `,` or `]`');
    }
    if (b === undefined) throw this.peekError('EOF while parsing a value', 'eof');
    if (b === 0x5d) throw this.peekError('trailing comma');
    return true;
  }

  /** serde_json's MapAccess key step: the key, or undefined at the closing brace. */
  mapKey(first: boolean): string | undefined {
    let b = this.whitespace();
    if (b === 0x7d) return undefined;
    if (b === undefined) throw this.peekError('EOF while parsing an object', 'eof');
    if (b === 0x2c && !first) {
      this.index++;
      b = this.whitespace();
    } else if (!first) {
      throw this.peekError('expected `,` or `}`');
    }
    if (b === undefined) throw this.peekError('EOF while parsing a value', 'eof');
    if (b === 0x22) {
      this.index++;
      return this.string();
    }
    if (b === 0x7d) throw this.peekError('trailing comma');
    throw this.peekError('key must be a string');
  }

  colon(): void {
    const b = this.whitespace();
    if (b === 0x3a) {
      this.index++;
      return;
    }
    if (b === undefined) throw this.peekError('EOF while parsing an object', 'eof');
    throw this.peekError('expected `:`');
  }

  endSeq(): void {
    const b = this.whitespace();
    if (b === 0x5d) {
      this.index++;
      return;
    }
    if (b === 0x2c) {
      this.index++;
      throw this.whitespace() === 0x5d
        ? this.peekError('trailing comma')
        : this.peekError('trailing characters');
    }
    if (b === undefined) throw this.peekError('EOF while parsing a list', 'eof');
    throw this.peekError('trailing characters');
  }

  endMap(): void {
    const b = this.whitespace();
    if (b === 0x7d) {
      this.index++;
      return;
    }
    if (b === 0x2c) throw this.peekError('trailing comma');
    if (b === undefined) throw this.peekError('EOF while parsing an object', 'eof');
    throw this.peekError('trailing characters');
  }
}

const withPath = (error: unknown, path: string[]): unknown => {
  if (error instanceof SerdeError && error.path.length === 0) error.path = path;
  return error;
};

function read(r: Reader, shape: Shape, path: string[]): unknown {
  switch (shape.kind) {
    case 'any':
      r.ignore();
      return undefined;
    case 'option': {
      const b = r.whitespace();
      if (b === 0x6e) {
        r.index++;
        r.ident('ull');
        return null;
      }
      return read(r, shape.of, path);
    }
    case 'string': {
      const b = r.whitespace();
      if (b === undefined) throw r.peekError('EOF while parsing a value', 'eof');
      if (b !== 0x22) throw r.invalidType('a string');
      r.index++;
      return r.string();
    }
    case 'u64':
    case 'i64':
      return readInteger(r, shape.kind);
    case 'enum': {
      const b = r.whitespace();
      if (b === undefined) throw r.peekError('EOF while parsing a value', 'eof');
      if (b !== 0x22) throw r.peekError('expected value');
      r.index++;
      const name = r.string();
      if (!shape.variants.includes(name)) {
        const list = shape.variants.map((v) => `\`${v}\``).join(', ');
        // Left without a position: the enclosing struct places it, after looking for its closing brace.
        throw new SerdeError(`unknown variant \`${name}\`, expected one of ${list}`, 'data', 0, 0);
      }
      return name;
    }
    case 'array': {
      const b = r.whitespace();
      if (b === undefined) throw r.peekError('EOF while parsing a value', 'eof');
      if (b !== 0x5b) throw r.invalidType('a sequence');
      r.enter();
      r.index++;
      const out: unknown[] = [];
      let failure: unknown;
      try {
        for (let first = true; r.seqNext(first); first = false) {
          try {
            out.push(read(r, shape.of, [...path, String(out.length)]));
          } catch (error) {
            throw withPath(error, [...path, String(out.length)]);
          }
        }
      } catch (error) {
        failure = error;
      }
      r.leave();
      // Like serde_json, the closing bracket is still looked for even after a failure.
      try {
        r.endSeq();
      } catch (error) {
        failure ??= error;
      }
      if (failure) throw r.fix(failure);
      return out;
    }
    case 'struct':
      return readStruct(r, shape, path);
  }
}

function readInteger(r: Reader, kind: 'u64' | 'i64'): bigint {
  const b = r.whitespace();
  if (b === undefined) throw r.peekError('EOF while parsing a value', 'eof');
  let n: Num;
  if (b === 0x2d) {
    r.index++;
    n = r.number(false);
  } else if (isDigit(b)) {
    n = r.number(true);
  } else {
    throw r.invalidType(kind);
  }
  const fail = (code: string) => r.fix(new SerdeError(code, 'data', 0, 0));
  if (n.t === 'float') throw fail(`invalid type: ${describe(n)}, expected ${kind}`);
  if (kind === 'u64' && n.v < 0n) throw fail(`invalid value: ${describe(n)}, expected u64`);
  if (kind === 'i64' && n.v > I64_MAX) throw fail(`invalid value: ${describe(n)}, expected i64`);
  return n.v;
}

function readStruct(r: Reader, shape: StructShape, path: string[]): Record<string, unknown> {
  const b = r.whitespace();
  if (b === undefined) throw r.peekError('EOF while parsing a value', 'eof');
  const values = new Map<string, unknown>();
  let failure: unknown;
  if (b === 0x7b) {
    r.enter();
    r.index++;
    try {
      for (let first = true; ; first = false) {
        const key = r.mapKey(first);
        if (key === undefined) break;
        const field = shape.fields.find((f) => f.name === key);
        if (field && values.has(key)) {
          throw new SerdeError(`duplicate field \`${key}\``, 'data', 0, 0, path);
        }
        r.colon();
        try {
          const value = field ? read(r, field.shape, [...path, key]) : r.ignore();
          if (field) values.set(key, value);
        } catch (error) {
          throw withPath(error, [...path, key]);
        }
      }
      for (const field of shape.fields) {
        if (values.has(field.name)) continue;
        if ('default' in field) values.set(field.name, field.default);
        else if (field.shape.kind === 'option') values.set(field.name, null);
        else throw new SerdeError(`missing field \`${field.name}\``, 'data', 0, 0, path);
      }
    } catch (error) {
      failure = error;
    }
    r.leave();
    try {
      r.endMap();
    } catch (error) {
      failure ??= error;
    }
  } else if (b === 0x5b) {
    // serde derive also fills a struct from an array, field by field.
    r.enter();
    r.index++;
    try {
      let first = true;
      for (const field of shape.fields) {
        if (!r.seqNext(first)) {
          if ('default' in field) {
            values.set(field.name, field.default);
            continue;
          }
          const n = shape.fields.length;
          throw new SerdeError(
            `invalid length ${values.size}, expected struct ${shape.name} with ${n} element${n === 1 ? '' : 's'}`,
            'data',
            0,
            0,
            path,
          );
        }
        first = false;
        const at = [...path, String(values.size)];
        try {
          values.set(field.name, read(r, field.shape, at));
        } catch (error) {
          throw withPath(error, at);
        }
      }
    } catch (error) {
      failure = error;
    }
    r.leave();
    try {
      r.endSeq();
    } catch (error) {
      failure ??= error;
    }
  } else {
    throw r.invalidType(`struct ${shape.name}`);
  }
  if (failure) throw r.fix(failure);
  return Object.fromEntries(values);
}

/** Decodes `bytes` as one `shape` followed only by whitespace; throws SerdeError. */
export function decode<T = Record<string, unknown>>(bytes: Uint8Array, shape: Shape): T {
  const r = new Reader(bytes);
  const value = read(r, shape, []);
  if (r.whitespace() !== undefined) {
    const at = r.peekError('trailing characters');
    throw new SerdeError(at.code, 'syntax', at.line, at.column, [], true);
  }
  return value as T;
}
