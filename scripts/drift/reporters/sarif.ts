// SARIF 2.1.0 reporter: one run, rules from the registry, results with physical locations.
import type { CheckResult } from '../check.ts';
import { allRules } from '../rules/index.ts';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(result: CheckResult): string {
  const index = new Map(allRules.map((r, i) => [r.meta.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'agentkeys-drift',
            informationUri: 'https://github.com/litentry/agentKeys',
            rules: allRules.map((r) => ({
              id: r.meta.id,
              shortDescription: { text: r.meta.description },
              help: { text: `See docs/reference/drift-rules.md#${r.meta.id}` },
              defaultConfiguration: { level: LEVEL[r.meta.severity] },
              messageStrings: Object.fromEntries(
                Object.entries(r.meta.messages).map(([k, v]) => [
                  k,
                  { text: v.replace(/\{\{(\w+)\}\}/g, '{$1}') },
                ]),
              ),
            })),
          },
        },
        originalUriBaseIds: { ROOT: { uri: `file://${result.root.replace(/\/?$/, '/')}` } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.notices.map((n) => ({
              level: 'note',
              message: { text: n.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: n.file, uriBaseId: 'ROOT' },
                    ...(n.line === undefined ? {} : { region: { startLine: n.line } }),
                  },
                },
              ],
            })),
          },
        ],
        results: result.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file), uriBaseId: 'ROOT' },
                region: {
                  startLine: f.line,
                  startColumn: f.column,
                  ...(f.match.includes('\n') ? {} : { endColumn: f.column + Math.max(1, f.match.length) }),
                },
              },
            },
          ],
          ...(f.suggestion
            ? { properties: { suggestion: f.suggestion, messageId: f.messageId } }
            : { properties: { messageId: f.messageId } }),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
