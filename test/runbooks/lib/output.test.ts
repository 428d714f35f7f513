// capture(): while it lasts, whatever is written to process.stdout/stderr reaches its sink as redacted lines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capture } from '../../../runbooks/lib/output.ts';
import { registerSecret } from '../../../runbooks/lib/redact.ts';

const SECRET = 'output-secret-0123456789';
registerSecret(SECRET);

type Write = typeof process.stdout.write;
let original: { stdout: Write; stderr: Write };
let raw: string[];

// The process streams are replaced by recorders, so nothing here reaches the test runner's own output.
beforeEach(() => {
  original = { stdout: process.stdout.write, stderr: process.stderr.write };
  raw = [];
  const recorder = ((chunk: string) => raw.push(String(chunk)) > 0) as Write;
  process.stdout.write = recorder;
  process.stderr.write = recorder;
});
afterEach(() => {
  process.stdout.write = original.stdout;
  process.stderr.write = original.stderr;
});

describe('capture', () => {
  it('turns writes into redacted lines, whatever their boundaries and encoding', () => {
    const lines: string[] = [];
    const recorder = process.stdout.write;
    const held = capture((stream, line, ended) =>
      lines.push(`${stream}:${line}${ended ? '' : ' (unfinished)'}`),
    );
    process.stdout.write(`a ${SECRET.slice(0, 6)}`);
    process.stdout.write(Buffer.from(`${SECRET.slice(6)} b\n`));
    const euro = Buffer.from('€ end\n');
    process.stderr.write(euro.subarray(0, 1));
    process.stderr.write(euro.subarray(1));
    process.stdout.write(`tail ${SECRET}`);
    expect(raw).toEqual([]);
    held.release();
    expect(lines).toEqual(['stdout:a [redacted] b', 'stderr:€ end', 'stdout:tail [redacted] (unfinished)']);
    expect(process.stdout.write).toBe(recorder);
  });

  it('passes a write of terminal control codes straight on, so it never sticks to the next line', () => {
    const lines: string[] = [];
    const held = capture((_stream, line) => lines.push(line));
    process.stderr.write('\u001b[?25l');
    process.stderr.write('json: {}\n');
    held.release();
    expect(raw).toEqual(['\u001b[?25l']);
    expect(lines).toEqual(['json: {}']);
  });

  it('calls a write callback, and restores the writers even when released out of order', async () => {
    const recorder = process.stdout.write;
    const outer: string[] = [];
    const inner: string[] = [];
    const a = capture((_s, line) => outer.push(line));
    const b = capture((_s, line) => inner.push(line));
    await new Promise<void>((resolve) => process.stdout.write('to b\n', () => resolve()));
    a.release();
    process.stdout.write('still b\n');
    b.release();
    process.stdout.write('plain\n');
    expect(inner).toEqual(['to b', 'still b']);
    expect(outer).toEqual([]);
    expect(process.stdout.write).toBe(recorder);
    expect(raw).toEqual(['plain\n']);
  });
});
