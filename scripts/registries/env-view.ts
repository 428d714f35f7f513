// Shapes docs/reference/env.yaml into the tables of the environment reference page.
import { z } from 'zod';
import { loadEnvReference } from './env.ts';
import { RegistryError } from './errors.ts';
import { checkShape, inlineHtml, slug } from './markdown.ts';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const envSchema = z.object({
  groups: z
    .array(
      z.object({
        id: z.string().min(1),
        title: z.string().min(1),
        description: z.string().optional(),
        vars: z
          .array(
            z.object({
              name: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an upper-case variable name'),
              meaning: z.string().min(1),
              default: scalar,
              range: scalar,
              anchor: z
                .string()
                .regex(/^[a-z0-9-]+$/, 'must be a lower-case heading anchor')
                .optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

export interface EnvVarView {
  name: string;
  /** Anchor other pages link to: the name lowercased with dashes, e.g. `broker-oidc-issuer`. */
  id: string;
  meaningHtml: string;
  defaultHtml: string;
  rangeHtml: string;
  /** Troubleshooting anchor on the operator runbook page, when the variable has one. */
  troubleshooting: string | null;
}

export interface EnvGroupView {
  id: string;
  title: string;
  descriptionHtml: string;
  vars: EnvVarView[];
}

export function envVarId(name: string): string {
  return slug(name);
}

export function buildEnvView(text: string, file: string): EnvGroupView[] {
  const parsed = checkShape(
    loadEnvReference(text, file).raw,
    file,
    envSchema,
    'Each group needs id, title and vars; each variable needs name, meaning, default and range.',
  );
  const seen = new Set<string>();
  return parsed.groups.map((group) => ({
    id: slug(group.id),
    title: group.title,
    descriptionHtml: inlineHtml(group.description),
    vars: group.vars.map((variable) => {
      if (seen.has(variable.name)) {
        throw new RegistryError(`${file}: ${variable.name} is listed twice; keep one entry.`);
      }
      seen.add(variable.name);
      return {
        name: variable.name,
        id: envVarId(variable.name),
        meaningHtml: inlineHtml(variable.meaning),
        defaultHtml: inlineHtml(variable.default),
        rangeHtml: inlineHtml(variable.range),
        troubleshooting: variable.anchor ?? null,
      };
    }),
  }));
}
