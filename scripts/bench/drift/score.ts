// Recall on the planted problems and the count of findings that match no plant.
import type { Decoy, Plant, PlantRule } from './generate.ts';
import type { Finding } from './runners.ts';

export interface Score {
  found: number;
  total: number;
  /** Findings at no planted position (for the checker: or with a different rule than planted). */
  falseFindings: number;
  /** How many of the false findings sit on a decoy line. */
  onDecoys: number;
  missed: Plant[];
  examples: Finding[];
}

const key = (file: string, line: number) => `${file}:${line}`;

/**
 * Scores findings against the plants of the given rules. With `byRule`, a finding counts only when its
 * rule is the planted one (the checker); peers report no comparable rule ids, so position alone counts.
 */
export function score(
  plants: Plant[],
  decoys: Decoy[],
  findings: Finding[],
  rules: PlantRule[],
  byRule: boolean,
): Score {
  const wanted = plants.filter((p) => rules.includes(p.rule));
  const allPlants = new Map<string, Plant[]>();
  for (const p of plants)
    allPlants.set(key(p.file, p.line), [...(allPlants.get(key(p.file, p.line)) ?? []), p]);
  const decoyLines = new Set(decoys.map((d) => key(d.file, d.line)));
  const hit = new Set<number>();
  let falseFindings = 0;
  let onDecoys = 0;
  const examples: Finding[] = [];
  for (const f of findings) {
    const at = (allPlants.get(key(f.file, f.line)) ?? []).filter(
      (p) => rules.includes(p.rule) && (!byRule || p.rule === f.rule),
    );
    if (at.length === 0) {
      falseFindings++;
      if (decoyLines.has(key(f.file, f.line))) onDecoys++;
      if (examples.length < 5) examples.push(f);
    }
    for (const p of at) hit.add(p.id);
  }
  const missed = wanted.filter((p) => !hit.has(p.id));
  return {
    found: wanted.length - missed.length,
    total: wanted.length,
    falseFindings,
    onDecoys,
    missed,
    examples,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
