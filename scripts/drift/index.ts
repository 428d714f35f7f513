// Programmatic API of the drift checker.
export { type CheckOptions, type CheckResult, check } from './check.ts';
export { DriftUsageError, loadConfig, parseConfig } from './config.ts';
export { mentions } from './mentions.ts';
export type { Finding, Rule, RuleMeta, Severity } from './rule.ts';
export { allRules } from './rules/index.ts';
export { buildManifest } from './sources.ts';
