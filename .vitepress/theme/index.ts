// The default theme plus the retired callout styles, the components of the generated reference pages
// and the banner naming the broker commit the site describes.
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { h } from 'vue';
import ApiReference from './components/ApiReference.vue';
import EnvReference from './components/EnvReference.vue';
import RetiredSurfaces from './components/RetiredSurfaces.vue';
import UpstreamBanner from './components/UpstreamBanner.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  // layout-bottom exists in every layout (home, doc, page), so the banner is on every page.
  Layout: () => h(DefaultTheme.Layout, null, { 'layout-bottom': () => h(UpstreamBanner) }),
  enhanceApp({ app }) {
    app.component('ApiReference', ApiReference);
    app.component('EnvReference', EnvReference);
    app.component('RetiredSurfaces', RetiredSurfaces);
  },
} satisfies Theme;
