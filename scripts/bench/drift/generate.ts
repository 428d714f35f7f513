// Writes a synthetic repository for the drift benchmark: Markdown pages with cross-page anchor links,
// code files with comments, a drift.yaml, and problems planted at recorded positions, plus decoys that
// a correct checker must leave alone. Same options and seed → byte-identical tree and manifest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CODE_DECOYS, CODE_PLANTS, type CodeKind, codeFile } from './code.ts';
import { driftYaml, envYaml, openapiYaml } from './fixtures.ts';
import { type PageSpec, page, planHeadings } from './pages.ts';
import { MD_DECOYS, MD_PLANTS } from './snippets.ts';

export interface GenerateOptions {
  /** Markdown pages, archived pages included. */
  pages: number;
  /** Code files, split evenly over TypeScript, Rust, YAML and shell. */
  codeFiles: number;
  seed: number;
  /** On average one retired plant in this many files, and one broken anchor in this many pages. */
  plantEvery?: number;
}

export type PlantRule = 'retired-reference' | 'dead-link';

export interface Plant {
  id: number;
  kind: string;
  rule: PlantRule;
  /** Path relative to the tree root, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based column where `match` starts. */
  column: number;
  /** The retired string, or for a broken anchor the link target (`path#anchor`). */
  match: string;
}

export interface Decoy {
  kind: string;
  file: string;
  line: number;
  match: string;
}

export interface Manifest {
  options: Required<GenerateOptions>;
  pages: string[];
  codeFiles: string[];
  plants: Plant[];
  decoys: Decoy[];
  /** The literal strings a text search looks for: every retired surface of the generated drift.yaml. */
  retiredStrings: string[];
  /** Roots that hold the scanned files (what ripgrep and remark are pointed at). */
  docsDir: string;
  codeDirs: string[];
  bytes: number;
}

/** mulberry32: small, fast and good enough to vary content deterministically. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// drift-ignore-start the benchmark plants retired surfaces and decoys on purpose; the bench scores them
export const RETIRED_STRINGS = [
  '/v1/mint-aws-creds',
  'handlers/mint.rs',
  'mint_v2',
  'try_consume',
  'Idempotency-Key',
  'BROKER_REQUIRE_EXPLICIT_GRANT',
];
// drift-ignore-end

const CODE_KINDS: CodeKind[] = ['ts', 'rs', 'yaml', 'sh'];
const CODE_DIRS: Record<CodeKind, string> = { ts: 'src', rs: 'crates', yaml: 'deploy', sh: 'ops' };

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function pagePath(i: number, archived: boolean): string {
  return archived
    ? `docs/archived/p${pad(i, 5)}.md`
    : `docs/s${pad(Math.floor(i / 100), 3)}/p${pad(i, 5)}.md`;
}

function codePath(kind: CodeKind, i: number): string {
  const group = pad(Math.floor(i / 100), 3);
  const name = `f${pad(i, 5)}`;
  switch (kind) {
    case 'ts':
      return `src/m${group}/${name}.ts`;
    case 'rs':
      return `crates/c${group}/src/${name}.rs`;
    case 'yaml':
      return `deploy/e${group}/${name}.yaml`;
    case 'sh':
      return `ops/g${group}/${name}.sh`;
  }
}

export function generateTree(root: string, opts: GenerateOptions): Manifest {
  const options: Required<GenerateOptions> = { plantEvery: 20, ...opts };
  const rand = rng(options.seed);
  const every = Math.max(1, options.plantEvery);
  const plants: Plant[] = [];
  const decoys: Decoy[] = [];
  let bytes = 0;
  const write = (rel: string, text: string) => {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    bytes += Buffer.byteLength(text);
  };

  write('drift.yaml', driftYaml());
  write('docs/reference/broker.openapi.yaml', openapiYaml());
  write('docs/reference/env.yaml', envYaml());

  // Every 50th page is historical: its live-sounding mentions are decoys, its links are still real.
  const specs: PageSpec[] = [];
  for (let i = 0; i < options.pages; i++) {
    const archived = i % 50 === 49;
    specs.push(planHeadings(i, pagePath(i, archived), archived, rand));
  }

  let retiredCursor = 0;
  let decoyCursor = 0;
  let anchorCursor = 0;
  for (const spec of specs) {
    const wantRetired = !spec.archived && rand() < 1 / every;
    const wantDecoy = rand() < 2 / every;
    const wantBroken = !spec.archived && rand() < 1 / every;
    const out = page(spec, specs, rand, {
      retired: wantRetired ? MD_PLANTS[retiredCursor++ % MD_PLANTS.length] : undefined,
      decoy: wantDecoy ? MD_DECOYS[decoyCursor++ % MD_DECOYS.length] : undefined,
      broken: wantBroken ? anchorCursor++ : undefined,
    });
    for (const p of out.plants) plants.push({ id: plants.length + 1, ...p, file: spec.path });
    for (const d of out.decoys) decoys.push({ ...d, file: spec.path });
    write(spec.path, out.text);
  }

  const codeFiles: string[] = [];
  let codePlantCursor = 0;
  let codeDecoyCursor = 0;
  for (let i = 0; i < options.codeFiles; i++) {
    const kind = CODE_KINDS[i % CODE_KINDS.length] as CodeKind;
    const path = codePath(kind, i);
    const plantsOfKind = CODE_PLANTS[kind];
    const decoysOfKind = CODE_DECOYS[kind];
    const wantPlant = rand() < 1 / every;
    const wantDecoy = rand() < 2 / every;
    const out = codeFile(kind, i, rand, {
      plant: wantPlant ? plantsOfKind[codePlantCursor++ % plantsOfKind.length] : undefined,
      decoy: wantDecoy ? decoysOfKind[codeDecoyCursor++ % decoysOfKind.length] : undefined,
    });
    for (const p of out.plants) plants.push({ id: plants.length + 1, ...p, file: path });
    for (const d of out.decoys) decoys.push({ ...d, file: path });
    write(path, out.text);
    codeFiles.push(path);
  }

  return {
    options,
    pages: specs.map((s) => s.path),
    codeFiles,
    plants,
    decoys,
    retiredStrings: RETIRED_STRINGS,
    docsDir: 'docs',
    codeDirs: CODE_KINDS.map((k) => CODE_DIRS[k]),
    bytes,
  };
}
