// Redaction: registered secrets and anything JWT-shaped never survive into output or reports.
import { describe, expect, it } from 'vitest';
import { redact, redactDeep, registerSecret } from '../../../runbooks/lib/redact.ts';
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
