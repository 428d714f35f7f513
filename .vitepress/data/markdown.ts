// Markdown and data-file helpers shared by the site's build-time data loaders.
import MarkdownIt from 'markdown-it';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

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

/** Thrown when a data file the site renders is missing or has the wrong shape. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

/** Parses YAML text, naming the file and the line on a syntax error. */
export function readYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new DataFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
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
    throw new DataFileError(`${file} does not have the expected shape:\n${lines.join('\n')}\n${hint}`);
  }
  return result.data;
}

/** Reads YAML text and checks its shape in one go. */
export function parseDataFile<T extends z.ZodType>(
  text: string,
  file: string,
  schema: T,
  hint: string,
): z.output<T> {
  return checkShape(readYaml(text, file), file, schema, hint);
}

/** Lowercase, dash-separated id usable as an HTML anchor. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
