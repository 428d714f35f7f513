// The pages the site tests visit: every sidebar entry plus the pages reached from outside the sidebar.
import { readdirSync } from 'node:fs';
import { sidebar } from '../../../.vitepress/config.ts';

export function sidebarLinks(): string[] {
  const links: string[] = [];
  const walk = (items: { link?: string; items?: unknown[] }[]) => {
    for (const item of items) {
      // An entry may point at a section of a page (`/#new-here`): the page is what is visited.
      const link = item.link?.replace(/#.*$/, '');
      if (link && !links.includes(link)) links.push(link);
      if (item.items) walk(item.items as { link?: string; items?: unknown[] }[]);
    }
  };
  walk(sidebar());
  return links;
}

export function allPages(): string[] {
  return [...new Set(['/', ...sidebarLinks(), '/archived/'])];
}

/** The built HTML file that serves a clean URL. */
export function htmlFile(link: string): string {
  return link.endsWith('/') ? `${link}index.html` : `${link}.html`;
}

/** Every page a build produced, as clean URLs (the 404 page excluded). */
export function builtPages(dist: string): string[] {
  return readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.html') && file !== '404.html')
    .map(
      (file) =>
        `/${file
          .replace(/\\/g, '/')
          .replace(/(^|\/)index\.html$/, '$1')
          .replace(/\.html$/, '')}`,
    )
    .sort();
}
