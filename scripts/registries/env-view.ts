// Shapes docs/reference/env.yaml into the tables of the environment reference page and the runbook.
import { anchorsOf, checkEnvFile, EnvFileError, type EnvVar, type VarStatus } from '../reference/env-file.ts';
import { loadEnvReference } from './env.ts';
import { RegistryError } from './errors.ts';
import { inlineHtml, slug } from './markdown.ts';

export interface EnvVarView {
  name: string;
  /** Anchor other pages link to: the name lowercased with dashes, e.g. `broker-oidc-issuer`. */
  id: string;
  meaningHtml: string;
  /** The default, "required", "required when …" or "none". */
  defaultHtml: string;
  /** The allowed values: range, accepted names and prose, in one line. */
  rangeHtml: string;
  /** What a wrong value does when it is not a BOOT_FAIL line; empty when nothing is said. */
  invalidHtml: string;
  status: VarStatus;
  /** "read but not enforced at c9e1694" and the like; empty for an enforced variable. */
  statusHtml: string;
  /** First troubleshooting anchor on the operator runbook page, when the variable has one. */
  troubleshooting: string | null;
  /** Every BOOT_FAIL anchor whose line names the variable. */
  anchors: string[];
}

export interface EnvGroupView {
  id: string;
  title: string;
  descriptionHtml: string;
  readBy: 'broker' | 'client' | 'tooling';
  vars: EnvVarView[];
}

export function envVarId(name: string): string {
  return slug(name);
}

const code = (value: string | number | boolean) => `\`${String(value)}\``;

function defaultText(v: EnvVar): string {
  if (v.defaultText !== undefined) return v.defaultText;
  if (v.default !== undefined) return code(v.default);
  if (v.required === true) return 'required';
  if (typeof v.required === 'string') return `required ${v.required.replace(/^true,?\s*/, '')}`;
  return 'none';
}

function rangeText(v: EnvVar): string {
  const parts: string[] = [];
  if (v.min !== undefined && v.max !== undefined) parts.push(`${v.min}–${v.max}`);
  else if (v.min !== undefined) parts.push(`${v.min} or more`);
  else if (v.max !== undefined) parts.push(`at most ${v.max}`);
  if (v.values) parts.push(v.values.map(code).join(', '));
  if (v.range) parts.push(v.range);
  return parts.join('; ') || 'any';
}

/** The sentence the page prints for a variable that is not plainly enforced, naming the documented commit. */
export function statusText(status: VarStatus, commit: string): string {
  switch (status) {
    case 'enforced':
      return '';
    case 'not-enforced':
      return `read but not enforced at ${commit}`;
    case 'unused':
      return `read and checked at start-up, but used by nothing at ${commit}`;
    case 'not-read':
      return `declared but not read at ${commit}`;
  }
}

/** `commit` is the short commit of docs/reference/upstream.yaml, printed in each status sentence. */
export function buildEnvView(text: string, file: string, commit = 'the documented commit'): EnvGroupView[] {
  let parsed: ReturnType<typeof checkEnvFile>;
  try {
    // Read with the registries' YAML reader (syntax errors name the line), checked against env.yaml's schema.
    parsed = checkEnvFile(loadEnvReference(text, file).raw, file);
  } catch (error) {
    if (error instanceof EnvFileError) throw new RegistryError(error.message);
    throw error;
  }
  return parsed.groups.map((group) => ({
    id: slug(group.id),
    title: group.title,
    descriptionHtml: inlineHtml(group.description),
    readBy: group.readBy,
    vars: group.vars.map((variable) => {
      const anchors = anchorsOf(variable);
      const status = statusText(variable.status, commit);
      return {
        name: variable.name,
        id: envVarId(variable.name),
        meaningHtml: inlineHtml(variable.meaning),
        defaultHtml: inlineHtml(defaultText(variable)),
        rangeHtml: inlineHtml(rangeText(variable)),
        invalidHtml: inlineHtml(variable.invalid),
        status: variable.status,
        statusHtml: inlineHtml(status && variable.statusNote ? `${status}: ${variable.statusNote}` : status),
        troubleshooting: anchors[0] ?? null,
        anchors,
      };
    }),
  }));
}
