// `::: retired [title]` — a callout for surfaces that no longer exist, built like VitePress's own containers.

import container from 'markdown-it-container';
import type { MarkdownRenderer } from 'vitepress';

export const retiredLabel = 'Retired';

export function retiredContainer(md: MarkdownRenderer): void {
  md.use(container, 'retired', {
    render(
      tokens: { info: string; nesting: number }[],
      idx: number,
      _options: unknown,
      env: { references?: unknown },
    ) {
      const token = tokens[idx];
      if (token?.nesting !== 1) return '</div>\n';
      const title = token.info.trim().slice('retired'.length).trim();
      // The label is always there, so the callout reads as retired even when it has its own title.
      const titleHtml = title ? ` ${md.renderInline(title, { references: env.references })}` : '';
      return (
        `<div class="retired custom-block" role="note" aria-label="${retiredLabel}">` +
        `<p class="custom-block-title"><span class="retired-label">${retiredLabel}</span>${titleHtml}</p>\n`
      );
    },
  });
}
