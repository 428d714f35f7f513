// The env reference (docs/reference/env.yaml): every variable name with its line. The checker reads the
// names as the live variables; the environment reference page builds its view on top of it.
import { isMap, isScalar, isSeq } from 'yaml';
import { commentTraps, readYamlFile, type YamlWarning } from './yaml.ts';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

export interface EnvFile {
  raw: unknown;
  names: Set<string>;
  /** 1-based line of each name's first entry. */
  lines: Map<string, number>;
  warnings: YamlWarning[];
}

/** Reads every `name:` that holds a variable name, wherever it stands (grouped or flat lists). */
export function loadEnvReference(text: string, file: string): EnvFile {
  const y = readYamlFile(text, file);
  const names = new Set<string>();
  const lines = new Map<string, number>();
  const visit = (node: unknown) => {
    if (isSeq(node)) for (const n of node.items) visit(n);
    else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const value = pair.value;
        if (
          key === 'name' &&
          isScalar(value) &&
          typeof value.value === 'string' &&
          ENV_NAME.test(value.value)
        ) {
          names.add(value.value);
          if (!lines.has(value.value)) lines.set(value.value, y.lineOf(value));
        } else if (isMap(value) || isSeq(value)) visit(value);
      }
    }
  };
  visit(y.doc.contents);
  return { raw: y.doc.toJS(), names, lines, warnings: commentTraps(y) };
}
