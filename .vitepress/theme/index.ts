// The default theme plus the retired callout styles and the components of the generated reference pages.
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import ApiReference from './components/ApiReference.vue';
import EnvReference from './components/EnvReference.vue';
import RetiredSurfaces from './components/RetiredSurfaces.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ApiReference', ApiReference);
    app.component('EnvReference', EnvReference);
    app.component('RetiredSurfaces', RetiredSurfaces);
  },
} satisfies Theme;
