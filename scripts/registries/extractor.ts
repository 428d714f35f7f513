// Extractors: regular expressions whose first non-empty capture group is a fact (source-parity).

/** Compiles an extractor as the checker uses it: every match, `^`/`$` per line, group offsets. */
export function extractor(source: string): RegExp {
  return new RegExp(source, 'gmd');
}

/** How many capture groups a regular expression has. */
export function groupCount(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}
