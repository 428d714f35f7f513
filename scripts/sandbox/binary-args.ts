// Tells the broker binary's arguments (`keygen …`, `serve …`, `--bind …`) from `npm run sandbox`'s, without
// loading anything, so the sandbox's entry points can pick the light `keygen` path before importing the broker.

/** True when the arguments are the broker binary's rather than `npm run sandbox`'s. */
export function isBinaryInvocation(argv: readonly string[]): boolean {
  if (argv[0] === 'keygen' || argv[0] === 'serve') return true;
  return argv.some((arg) => /^--(bind|port|skip-startup-check|export-session-pubkey-to)(=|$)/.test(arg));
}
