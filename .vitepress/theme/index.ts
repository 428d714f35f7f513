// The default theme plus the retired callout styles, the components of the generated reference pages,
// the banner naming the broker commit the site describes, a 404 page that finds what was meant, and the
// browser-side touches of enhance.ts (scroll cues, diagram enlarging, table card labels).
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { h, onMounted } from 'vue';
import ApiReference from './components/ApiReference.vue';
import EnvReference from './components/EnvReference.vue';
import NotFound from './components/NotFound.vue';
import RetiredSurfaces from './components/RetiredSurfaces.vue';
import UpstreamBanner from './components/UpstreamBanner.vue';
import { startEnhancing } from './enhance.ts';
import './style.css';

export default {
  extends: DefaultTheme,
  // layout-bottom exists in every layout (home, doc, page), so the banner is on every page.
  Layout: () =>
    h(DefaultTheme.Layout, null, {
      'layout-bottom': () => h(UpstreamBanner),
      'not-found': () => h(NotFound),
    }),
  setup() {
    onMounted(startEnhancing);
  },
  enhanceApp({ app }) {
    app.component('ApiReference', ApiReference);
    app.component('EnvReference', EnvReference);
    app.component('RetiredSurfaces', RetiredSurfaces);
  },
} satisfies Theme;
