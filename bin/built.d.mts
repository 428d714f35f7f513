export function changedSource(dir?: string, sourceRoot?: string): string | undefined;
export function sandboxIsBuilt(): boolean;
export function builtSandbox(name: 'cli' | 'binary' | 'binary-args' | 'start'): string;
