// Lets TypeScript see .vue single-file components imported by the theme.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}
