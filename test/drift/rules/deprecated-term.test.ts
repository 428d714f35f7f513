// deprecated-term: warned outside the words its entry allows in the same sentence.
import { ruleTester } from '../helpers.ts';

ruleTester('deprecated-term', {
  valid: [
    { name: 'allowed word in the sentence', code: 'The legacy agentkeys_user_wallet tag stays.\n' },
    { name: 'other allowed word', code: 'agentkeys_user_wallet is kept for back-compat.\n' },
    { name: 'multi-word term with context', code: 'The formerly named agent role.\n' },
    { name: 'historical page', file: 'docs/archived/a.md', code: 'The agent role.\n' },
    { name: 'retired container', code: '::: retired\nThe agent role.\n:::\n' },
    { name: 'longer identifier', code: 'agentkeys_user_wallets is another name.\n' },
  ],
  invalid: [
    {
      name: 'no context',
      code: 'Tag with agentkeys_user_wallet.\n',
      errors: [
        {
          messageId: 'deprecatedWithContext',
          line: 1,
          column: 10,
          data: { term: 'agentkeys_user_wallet', prefer: 'agentkeys_actor_omni' },
          severity: 'warning',
        },
      ],
    },
    {
      name: 'context in the neighbouring sentence does not count',
      code: 'This is legacy. Tag with agentkeys_user_wallet.\n',
      errors: [{ messageId: 'deprecatedWithContext', line: 1, column: 26 }],
    },
    {
      name: 'multi-word term across a line break, any case',
      code: 'Assume the Agent\nrole now.\n',
      errors: [{ messageId: 'deprecatedWithContext', line: 1, column: 12, data: { prefer: 'data role' } }],
    },
    {
      name: 'in a code comment',
      file: 'code/a.ts',
      code: '// the agent role\nexport {};\n',
      errors: [{ messageId: 'deprecatedWithContext', line: 1, column: 8 }],
    },
  ],
});
