// Shapes the `retired:` entries of drift.yaml into the table of the retired-surfaces page. The file is read
// with the same loader the drift checker uses, so the page and the checker accept exactly the same registry.
import { parseDriftYaml, type SurfaceKind } from './drift-yaml.ts';
import { RegistryError } from './errors.ts';
import { inlineHtml, slug } from './markdown.ts';

export interface RetiredView {
  id: string;
  kind: SurfaceKind;
  surface: string;
  descriptionHtml: string;
  replacementHtml: string;
  removedHtml: string;
}

export function buildRetiredView(text: string, file: string): RetiredView[] {
  const { retired } = parseDriftYaml(text, file);
  if (retired.length === 0) {
    throw new RegistryError(
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
