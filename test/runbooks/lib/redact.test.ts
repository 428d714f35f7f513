// Redaction: registered secrets and anything JWT-shaped never survive into output or reports.
import { describe, expect, it } from 'vitest';
import { LineMasker, redact, redactDeep, registerSecret, secretForms } from '../../../runbooks/lib/redact.ts';
import { toJUnit } from '../../../runbooks/lib/report.ts';

describe('redact', () => {
  it('replaces registered secrets, with and without the 0x prefix of a key', () => {
    const key = `0x${'5a'.repeat(32)}`;
    registerSecret(key);
    expect(redact(`key=${key}`)).toBe('key=[redacted]');
    expect(redact(`raw ${key.slice(2)}.`)).toBe('raw [redacted].');
  });

  it('replaces a secret that contains another one whole', () => {
    registerSecret('short-secret-1');
    registerSecret('prefix-short-secret-1-suffix');
    expect(redact('x prefix-short-secret-1-suffix y')).toBe('x [redacted] y');
  });

  it('replaces anything JWT-shaped even when it was never registered', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redact(`Bearer ${jwt}`)).toBe('Bearer [redacted-jwt]');
  });

  it('ignores values too short to be secrets', () => {
    registerSecret('abc');
    expect(redact('abc')).toBe('abc');
  });

  it('reaches every string of a report, and JUnit escapes what is left', () => {
    registerSecret('AWSSECRETKEY/abcdef0123');
    const report = redactDeep({
      runbook: 'r',
      target: 'sandbox',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 5,
      steps: [
        {
          id: '01',
          title: 'a <b>',
          status: 'failed' as const,
          durationMs: 5,
          reason: null,
          error: 'bad AWSSECRETKEY/abcdef0123 "q"',
        },
        { id: '02', title: 'c', status: 'skipped' as const, durationMs: 0, reason: 'not run', error: null },
      ],
    });
    expect(report.steps[0]?.error).toBe('bad [redacted] "q"');
    const xml = toJUnit(report);
    expect(xml).toContain('<testcase name="01 a &lt;b&gt;"');
    expect(xml).toContain('<failure message="bad [redacted] &quot;q&quot;">');
    expect(xml).toContain('<skipped message="not run"/>');
    expect(xml).toMatch(/tests="2" failures="1" skipped="1"/);
  });
});

describe('every spelling of a secret', () => {
  // Quote, backslash, slash, plus and space make each spelling differ; 23 bytes end base64 mid-group.
  const secret = 'ab"c\\d/e+f g-0123456789';
  registerSecret(secret);
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('replaces every occurrence in a line, not only the first', () => {
    expect(redact(`${secret} ${secret}${secret}`)).toBe('[redacted] [redacted][redacted]');
  });

  it.each([
    ['JSON-escaped', JSON.stringify({ t: secret }), '{"t":"[redacted]"}'],
    ['JSON-escaped with \\/', JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/'), '[redacted]'],
    ['URL-encoded', `?t=${encodeURIComponent(secret)}&x`, '?t=[redacted]&x'],
    ['form-encoded', new URLSearchParams({ t: secret }).toString(), 't=[redacted]'],
  ])('%s', (_name, text, expected) => expect(redact(text)).toBe(expected));

  it.each([0, 1, 2, 3, 4])('base64 and base64url with %i bytes before it', (before) => {
    const payload = `${'x'.repeat(before)}${secret}`;
    for (const encoded of [b64(payload), Buffer.from(payload).toString('base64url')]) {
      const out = redact(encoded);
      expect(out).toContain('[redacted]');
      // What is left are the few characters that mix in neighbouring bytes.
      expect(out.replace('[redacted]', '').length).toBeLessThanOrEqual(Math.ceil(before * 1.34) + 4);
    }
  });

  it('lists the spellings it looks for', () => {
    expect(secretForms(secret)).toEqual(
      expect.arrayContaining([secret, b64(secret).slice(0, 30), encodeURIComponent(secret)]),
    );
  });
});

describe('LineMasker', () => {
  const secret = 'split-secret-0123456789';
  registerSecret(secret);

  it('joins writes into lines before matching, so a secret split across writes is caught', () => {
    const masker = new LineMasker();
    expect(masker.push(`a ${secret.slice(0, 5)}`)).toEqual([]);
    expect(masker.push(`${secret.slice(5)} b\nc ${secret.slice(0, 9)}`)).toEqual(['a [redacted] b']);
    expect(masker.push(secret.slice(9))).toEqual([]);
    expect(masker.flush()).toBe('c [redacted]');
    expect(masker.flush()).toBeUndefined();
  });

  it('passes on a line longer than 64 KiB in pieces without cutting a secret', () => {
    const masker = new LineMasker();
    const filler = 'x '.repeat(40_000);
    const pieces = [...masker.push(`${filler}${secret} `), ...masker.push(`${secret}\n`)];
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(`${filler}[redacted] [redacted]`);
  });
});
