// Shapes the `retired:` entries of drift.yaml into the table of the retired-surfaces page.
import { z } from 'zod';
import { inlineHtml, parseDataFile, slug } from './markdown.ts';

export const retiredKinds = ['endpoint', 'file', 'symbol', 'env', 'header', 'term'] as const;
export type RetiredKind = (typeof retiredKinds)[number];

const entrySchema = z
  .object({
    endpoint: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    symbol: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    header: z.string().min(1).optional(),
    term: z.string().min(1).optional(),
    description: z.string().min(1),
    replacement: z.string().optional(),
    removed: z.union([z.string(), z.number()]).transform(String),
  })
  .superRefine((entry, ctx) => {
    const kinds = retiredKinds.filter((kind) => entry[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of ${retiredKinds.join(', ')} (found ${kinds.length > 0 ? kinds.join(', ') : 'none'})`,
      });
    }
  });

// drift.yaml holds more than the retired list; only that list is checked here.
const driftSchema = z.object({ retired: z.array(entrySchema).min(1) });

export interface RetiredView {
  id: string;
  kind: RetiredKind;
  surface: string;
  descriptionHtml: string;
  replacementHtml: string;
  removedHtml: string;
}

export function buildRetiredView(text: string, file: string): RetiredView[] {
  const parsed = parseDataFile(
    text,
    file,
    driftSchema,
    'Each retired entry names one surface (endpoint, file, symbol, env, header or term) plus description and removed.',
  );
  return parsed.retired.map((entry) => {
    const kind = retiredKinds.find((k) => entry[k] !== undefined) as RetiredKind;
    const surface = entry[kind] as string;
    const replacement = entry.replacement?.trim();
    return {
      id: `retired-${slug(`${kind} ${surface}`)}`,
      kind,
      surface,
      descriptionHtml: inlineHtml(entry.description),
      replacementHtml: replacement && replacement !== 'none' ? inlineHtml(replacement) : '',
      removedHtml: inlineHtml(entry.removed),
    };
  });
}
