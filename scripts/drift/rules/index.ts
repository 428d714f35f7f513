// The rule registry: every rule the checker runs, in reporting order. `directive` runs last.
import type { Rule } from '../rule.ts';
import { rule as deadLink } from './dead-link.ts';
import { rule as deprecatedTerm } from './deprecated-term.ts';
import { rule as directive } from './directive.ts';
import { rule as retiredReference } from './retired-reference.ts';
import { rule as sourceParity } from './source-parity.ts';
import { rule as sourceRef } from './source-ref.ts';
import { rule as unknownEndpoint } from './unknown-endpoint.ts';
import { rule as unknownEnv } from './unknown-env.ts';

export const rules: Rule[] = [
  retiredReference,
  deadLink,
  sourceRef,
  sourceParity,
  deprecatedTerm,
  unknownEndpoint,
  unknownEnv,
];

/** Runs after the others: it needs to know which directives suppressed something. */
export const directiveRule: Rule = directive;

export const allRules: Rule[] = [...rules, directiveRule];
