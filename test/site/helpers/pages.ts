// The pages the site tests visit: every sidebar entry plus the pages reached from outside the sidebar.
import { sidebar } from '../../../.vitepress/config.ts';

export function sidebarLinks(): string[] {
  const links: string[] = [];
  const walk = (items: { link?: string; items?: unknown[] }[]) => {
    for (const item of items) {
      if (item.link) links.push(item.link);
      if (item.items) walk(item.items as { link?: string; items?: unknown[] }[]);
    }
  };
  walk(sidebar());
  return links;
}

export function allPages(): string[] {
  return ['/', ...sidebarLinks(), '/archived/'];
}

/** The built HTML file that serves a clean URL. */
export function htmlFile(link: string): string {
  return link.endsWith('/') ? `${link}index.html` : `${link}.html`;
}
