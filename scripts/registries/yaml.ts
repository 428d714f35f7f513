// YAML reading shared by the registries: line numbers for every node, and the one trap worth a warning.
import { type Document, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { RegistryError } from './errors.ts';

export interface YamlFile {
  doc: Document;
  lines: LineCounter;
  /** 1-based line where a node starts (1 for a missing node). */
  lineOf(node: Node | null | undefined): number;
}

/** Parses YAML keeping positions; a syntax error names the file and line. */
export function readYamlFile(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line;
    throw new RegistryError(
      `${file}:${line}: invalid YAML: ${error.message.split('\n')[0] ?? 'parse error'}`,
    );
  }
  return { doc, lines, lineOf: (node) => lines.linePos(node?.range?.[0] ?? 0).line };
}

export interface YamlWarning {
  line: number;
  message: string;
}

/**
 * An unquoted value cut short by a comment that reads like a reference: `removed: PR #96` is the string
 * "PR", because ` #` starts a comment. Quoting keeps the whole text.
 */
export function commentTraps(y: YamlFile): YamlWarning[] {
  const out: YamlWarning[] = [];
  visit(y.doc, {
    Scalar(_key, node) {
      if (node.type !== 'PLAIN' || !node.comment || !isScalar(node)) return;
      const ref = /^\s*(\d+)\b/.exec(node.comment)?.[1];
      if (ref === undefined) return;
      const value = String(node.value);
      out.push({
        line: y.lineOf(node),
        message: `the value "${value}" ends where a comment starts, so "#${ref}" is dropped; quote it: "${value} #${node.comment.trim()}"`,
      });
    },
  });
  return out;
}
