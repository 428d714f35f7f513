// Lets TypeScript see .vue single-file components imported by the theme.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}

// The module the package's `import` entry names (theme/mermaid.ts imports it by path) has its types.
declare module 'mermaid/dist/mermaid.core.mjs' {
  import mermaid from 'mermaid';

  export default mermaid;
}
