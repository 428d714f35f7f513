// The one error the registry loaders throw: the message names the file (and line, when known) and says how
// to fix it. The site shows it as a build error; the checker turns it into a usage error (exit 2).
export class RegistryError extends Error {
  override name = 'RegistryError';
}
