// Module hooks that let plain Node import the site's TypeScript data loaders (the checker reads the ids
// they produce): `.ts` files outside node_modules are stripped of types by esbuild, nothing else is touched.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let esbuild;

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/'))
    return next(url, context);
  esbuild ??= await import('esbuild');
  const file = fileURLToPath(url);
  const { code } = await esbuild.transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    sourcefile: file,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
