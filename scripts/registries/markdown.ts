// Markdown and shape-checking helpers of the registry views (the data the generated pages render).
import MarkdownIt from 'markdown-it';
import type { z } from 'zod';
import { RegistryError } from './errors.ts';

// Raw HTML stays off: the data files hold prose and inline code, never markup.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** Inline Markdown (backticks, emphasis) to HTML, for one-line fields. */
export function inlineHtml(text: string | undefined): string {
  return text ? md.renderInline(text.trim()) : '';
}

/** Block Markdown (paragraphs, lists) to HTML, for multi-line descriptions. */
export function blockHtml(text: string | undefined): string {
  return text ? md.render(text.trim()) : '';
}

/** Checks parsed data against a schema, naming the file and every offending key on failure. */
export function checkShape<T extends z.ZodType>(
  raw: unknown,
  file: string,
  schema: T,
  hint: string,
): z.output<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `  - ${where}: ${issue.message}`;
    });
    throw new RegistryError(`${file} does not have the expected shape:\n${lines.join('\n')}\n${hint}`);
  }
  return result.data;
}

/** Lowercase, dash-separated id usable as an HTML anchor. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
