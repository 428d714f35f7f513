// Site configuration: pages live in docs/, the sidebar groups them by purpose, Mermaid renders diagrams.
import { fileURLToPath } from 'node:url';
import { icons as simpleIcons } from '@iconify-json/simple-icons';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { withMermaid } from 'vitepress-plugin-mermaid';
import { retiredContainer } from './markdown/retired-container.ts';
import { searchBoost, searchRender } from './search.ts';

const repository = 'https://github.com/litentry/agentkeys-operator-docs';

/**
 * The path the site is served under: `/` locally, the repository's path on GitHub Pages. This is the one
 * place it is set; the Pages workflow passes AGENTKEYS_DOCS_BASE, and links go through VitePress's base.
 */
export function siteBase(value = process.env.AGENTKEYS_DOCS_BASE): string {
  const trimmed = (value ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}

// Generated pages are edited through their data files, so the edit link points there. The function is
// serialised into the client bundle, so it must not use anything from this module's scope.
function editLink({ filePath }: { filePath: string }): string {
  const sources: Record<string, string> = {
    'reference/broker-api.md': 'docs/reference/broker.openapi.yaml',
    'reference/env.md': 'docs/reference/env.yaml',
    'retired.md': 'drift.yaml',
  };
  return `https://github.com/litentry/agentkeys-operator-docs/edit/main/${sources[filePath] ?? `docs/${filePath}`}`;
}

const favicon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#3451b2"/>' +
  '<circle cx="12" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/>' +
  '<path d="M17 16h10M23 16v5M27 16v4" stroke="#fff" stroke-width="3"/></svg>';

// The theme inlines named social icons only into a build; the dev server would fetch them from a CDN, so
// the mark is inlined here for both.
const githubMark = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">${simpleIcons.icons.github?.body ?? ''}</svg>`;

export function nav(): DefaultTheme.NavItem[] {
  return [
    { text: 'Get started', link: '/dev-setup', activeMatch: '^/dev-setup' },
    { text: 'Operate', link: '/operator-runbook-stage7', activeMatch: '^/(operator-runbook|stage7-demo)' },
    { text: 'Understand', link: '/arch', activeMatch: '^/arch' },
    {
      text: 'Reference',
      link: '/reference/broker-api',
      activeMatch: '^/(reference/(broker-api|env)|retired|archived/)',
    },
    {
      text: 'Contribute',
      link: '/runbook-template',
      activeMatch: '^/(runbook-template|reference/drift-rules)',
    },
  ];
}

export function sidebar(): DefaultTheme.SidebarItem[] {
  // Operating (deploy, verify, look up) comes first; pages for people who change this repository come last.
  return [
    {
      text: 'Get started',
      items: [
        { text: 'New here? Start here', link: '/#new-here' },
        { text: 'Dev setup', link: '/dev-setup' },
      ],
    },
    {
      text: 'Operate',
      items: [
        { text: 'Stage 7 operator runbook', link: '/operator-runbook-stage7' },
        { text: 'Stage 7 demo & verification', link: '/stage7-demo-and-verification' },
      ],
    },
    { text: 'Understand', items: [{ text: 'Architecture', link: '/arch' }] },
    {
      text: 'Reference',
      items: [
        { text: 'Broker API', link: '/reference/broker-api' },
        { text: 'Environment variables', link: '/reference/env' },
        { text: 'Retired surfaces', link: '/retired' },
      ],
    },
    {
      text: 'Contribute',
      items: [
        { text: 'Runbook template', link: '/runbook-template' },
        { text: 'Drift checker rules', link: '/reference/drift-rules' },
      ],
    },
  ];
}

export default withMermaid(
  defineConfig({
    title: 'AgentKeys operator docs',
    base: siteBase(),
    description: 'Run, verify and understand the AgentKeys credential broker (Stage 7).',
    lang: 'en-US',
    srcDir: 'docs',
    srcExclude: ['README.md'],
    cleanUrls: true,
    lastUpdated: true,
    appearance: true,
    // An inline icon, so browsers do not ask the server for a /favicon.ico that does not exist.
    head: [['link', { rel: 'icon', href: `data:image/svg+xml,${encodeURIComponent(favicon)}` }]],
    markdown: {
      // GitHub's high-contrast palettes keep comments and keywords above 4.5:1 on the code background.
      theme: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' },
      config: (md) => {
        retiredContainer(md);
      },
    },
    themeConfig: {
      nav: nav(),
      sidebar: sidebar(),
      outline: { level: [2, 3] },
      search: {
        provider: 'local',
        options: {
          _render: searchRender,
          miniSearch: { searchOptions: { boostDocument: searchBoost } },
          // Without an aria-label the button is named by its visible text ("Search", Ctrl K), as WCAG 2.5.3 asks.
          translations: { button: { buttonText: 'Search', buttonAriaLabel: '' } },
        },
      },
      editLink: {
        pattern: editLink,
        text: 'Edit this page on GitHub',
      },
      socialLinks: [{ icon: { svg: githubMark }, link: repository, ariaLabel: 'GitHub' }],
    },
    // Diagrams keep their natural size (16 px labels) instead of shrinking to the column; a diagram wider than
    // the column scrolls sideways and opens full size on request (theme/diagrams.ts).
    mermaid: {
      securityLevel: 'strict',
      themeVariables: { fontSize: '16px' },
      flowchart: { useMaxWidth: false, wrappingWidth: 240 },
      sequence: {
        useMaxWidth: false,
        actorFontSize: 16,
        messageFontSize: 16,
        noteFontSize: 16,
        wrap: true,
        width: 150,
        actorMargin: 30,
      },
    },
    vite: {
      // Mermaid's chunks are large by nature; the warning would only repeat that on every build.
      build: { chunkSizeWarningLimit: 4000 },
      // `mermaid` is theme/mermaid.ts, which turns Mermaid's automatic start-up off. The dev server serves
      // Mermaid's ES chunks as they are unless it pre-bundles them, and those import CommonJS packages
      // (fastdom) by default export, which only a pre-bundle turns into ES modules.
      resolve: {
        alias: [
          { find: /^mermaid$/, replacement: fileURLToPath(new URL('./theme/mermaid.ts', import.meta.url)) },
        ],
      },
      optimizeDeps: { include: ['mermaid/dist/mermaid.core.mjs'] },
    },
  }),
);
