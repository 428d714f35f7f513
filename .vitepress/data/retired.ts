// Shapes the `retired:` entries of drift.yaml into the table of the retired-surfaces page. The file is read
// with the drift checker's own loader, so the page and the checker accept exactly the same registry.
import { DriftUsageError, parseConfig, type SurfaceKind } from '../../scripts/drift/config.ts';
import { DataFileError, inlineHtml, slug } from './markdown.ts';

export interface RetiredView {
  id: string;
  kind: SurfaceKind;
  surface: string;
  descriptionHtml: string;
  replacementHtml: string;
  removedHtml: string;
}

export function buildRetiredView(text: string, file: string): RetiredView[] {
  let retired: ReturnType<typeof parseConfig>['retired'];
  try {
    retired = parseConfig(text, file).retired;
  } catch (error) {
    if (error instanceof DriftUsageError) throw new DataFileError(error.message);
    throw error;
  }
  if (retired.length === 0) {
    throw new DataFileError(
      `${file} lists no retired surface; the retired-surfaces page is rendered from its \`retired:\` list.`,
    );
  }
  return retired.map(({ kind, value, description, replacement, removed }) => {
    const replacementText = replacement?.trim();
    return {
      id: `retired-${slug(`${kind} ${value}`)}`,
      kind,
      surface: value,
      descriptionHtml: inlineHtml(description),
      replacementHtml: replacementText && replacementText !== 'none' ? inlineHtml(replacementText) : '',
      removedHtml: inlineHtml(removed),
    };
  });
}
