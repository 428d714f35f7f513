// Turns a JSON Schema (as used by OpenAPI 3.1) into a small tree the API page can print.
import { inlineHtml } from './markdown.ts';

export interface PropertyView {
  name: string;
  required: boolean;
  schema: SchemaView;
}

export interface SchemaView {
  /** Short type label, e.g. `object`, `string`, `array of Grant`, `string | null`. */
  type: string;
  /** Component name when the schema came from a `$ref`. */
  ref: string | null;
  /** The schema's own `title`, which names a variant of a oneOf. */
  title: string | null;
  descriptionHtml: string;
  /** Enum or const values, formats and patterns, already formatted. */
  facts: string[];
  properties: PropertyView[];
  items: SchemaView | null;
  variants: SchemaView[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A schema printed by its type label alone. */
const bare = (type: string, ref: string | null): SchemaView => ({
  type,
  ref,
  title: null,
  descriptionHtml: '',
  facts: [],
  properties: [],
  items: null,
  variants: [],
});

export function schemaView(
  raw: unknown,
  resolve: (value: unknown) => unknown,
  trail: string[] = [],
): SchemaView {
  const ref = isObject(raw) && typeof raw.$ref === 'string' ? raw.$ref : null;
  const name = ref ? (ref.split('/').pop() ?? ref) : null;
  // A schema that contains itself is printed once and then referred to by name.
  if (ref && trail.includes(ref)) {
    return bare(name ?? 'object', name);
  }
  const nextTrail = ref ? [...trail, ref] : trail;
  const schema = resolve(raw);
  if (!isObject(schema)) {
    return bare('any', name);
  }
  const child = (value: unknown) => schemaView(value, resolve, nextTrail);

  const merged: Json = { ...schema };
  if (Array.isArray(schema.allOf)) {
    // allOf parts are folded into one object: their properties and required lists add up.
    const properties: Json = { ...(isObject(schema.properties) ? schema.properties : {}) };
    const required = new Set<string>(Array.isArray(schema.required) ? schema.required.map(String) : []);
    for (const part of schema.allOf) {
      const resolved = resolve(part);
      if (!isObject(resolved)) continue;
      Object.assign(properties, isObject(resolved.properties) ? resolved.properties : {});
      for (const key of Array.isArray(resolved.required) ? resolved.required : []) required.add(String(key));
      merged.type ??= resolved.type;
    }
    merged.properties = properties;
    merged.required = [...required];
  }

  const facts: string[] = [];
  if (Array.isArray(merged.enum))
    facts.push(`one of ${merged.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ')}`);
  if (merged.const !== undefined) facts.push(`always \`${JSON.stringify(merged.const)}\``);
  if (typeof merged.format === 'string') facts.push(`format \`${merged.format}\``);
  if (typeof merged.pattern === 'string') facts.push(`pattern \`${merged.pattern}\``);
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const) {
    if (typeof merged[key] === 'number') facts.push(`${key} ${merged[key]}`);
  }
  if (merged.additionalProperties === false) facts.push('no other properties');
  if (merged.example !== undefined) facts.push(`example \`${JSON.stringify(merged.example)}\``);

  const required = new Set(Array.isArray(merged.required) ? merged.required.map(String) : []);
  const properties = isObject(merged.properties)
    ? Object.entries(merged.properties).map(([key, value]) => ({
        name: key,
        required: required.has(key),
        schema: child(value),
      }))
    : [];
  const items = merged.items === undefined ? null : child(merged.items);
  const variantList = [merged.oneOf, merged.anyOf].find(Array.isArray) ?? [];
  const variants = variantList.map(child);

  const types = Array.isArray(merged.type)
    ? merged.type.map(String)
    : typeof merged.type === 'string'
      ? [merged.type]
      : [];
  // A bare `const` or `enum` still says what kind of value it is.
  const fixed = merged.const !== undefined ? [merged.const] : Array.isArray(merged.enum) ? merged.enum : [];
  if (types.length === 0 && fixed.length > 0) {
    const kinds = fixed.map((v) =>
      v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v,
    );
    types.push(...new Set(kinds));
  }
  let type = types.join(' | ');
  if (types.includes('array') && items) type = type.replace('array', `array of ${items.ref ?? items.type}`);
  if (!type)
    type =
      variants.length > 0 ? (merged.oneOf ? 'one of' : 'any of') : properties.length > 0 ? 'object' : 'any';

  return {
    type,
    ref: name,
    title: typeof merged.title === 'string' ? merged.title : null,
    descriptionHtml: inlineHtml(typeof merged.description === 'string' ? merged.description : ''),
    facts: facts.map((fact) => inlineHtml(fact)),
    properties,
    items: items && items.properties.length + items.variants.length > 0 ? items : null,
    variants,
  };
}
