// Browser-side touches to rendered pages, re-applied whenever the page content changes (navigation, a
// Mermaid diagram rendering or re-rendering after a theme switch):
// - anything that still scrolls sideways gets `data-scroll` (start | middle | end), which the CSS turns into
//   a fade on the side that hides more, and keyboard focus (tabindex) so it can be scrolled without a mouse;
// - a diagram wider than the column gets an "Enlarge diagram" button that shows it full size in a dialog;
// - tables whose cells carry no card label (the runbook's env tables, written in the page) get them from
//   their header row, and break opportunities after `_` and `/` in their code, as the generated tables have.

const SCROLLERS = '.vp-doc table, .vp-doc div[class*="language-"] > pre, .vp-doc .mermaid';
const LABELLED_TABLES = '.vp-doc .runbook-env table';

function markScroller(el: HTMLElement): void {
  const hidden = el.scrollWidth - el.clientWidth;
  if (hidden <= 1) {
    if (el.dataset.scroll) delete el.dataset.scroll;
    return;
  }
  const left = el.scrollLeft;
  el.dataset.scroll = left <= 1 ? 'start' : left >= hidden - 1 ? 'end' : 'middle';
  if (!el.hasAttribute('tabindex')) el.tabIndex = 0;
}

const watched = new WeakSet<Element>();
const resizes =
  typeof ResizeObserver === 'undefined'
    ? null
    : new ResizeObserver((entries) => {
        for (const entry of entries) markScroller(entry.target as HTMLElement);
      });

function watchScrollers(): void {
  for (const el of Array.from(document.querySelectorAll<HTMLElement>(SCROLLERS))) {
    markScroller(el);
    if (watched.has(el)) continue;
    watched.add(el);
    el.addEventListener('scroll', () => markScroller(el), { passive: true });
    resizes?.observe(el);
  }
}

let dialog: HTMLDialogElement | null = null;

function openDiagram(diagram: HTMLElement): void {
  if (!dialog) {
    dialog = document.createElement('dialog');
    dialog.className = 'ak-diagram-dialog';
    dialog.setAttribute('aria-label', 'Diagram at full size');
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'ak-diagram-close';
    close.textContent = 'Close';
    close.addEventListener('click', () => dialog?.close());
    const body = document.createElement('div');
    body.className = 'ak-diagram-body';
    dialog.append(close, body);
    // A click on the backdrop (the dialog element itself, outside its content) closes it too.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog?.close();
    });
    document.body.append(dialog);
  }
  const svg = diagram.querySelector('svg');
  const body = dialog.querySelector('.ak-diagram-body');
  if (!svg || !body) return;
  body.replaceChildren(svg.cloneNode(true));
  dialog.showModal();
}

function addEnlargeButtons(): void {
  for (const diagram of Array.from(document.querySelectorAll<HTMLElement>('.vp-doc .mermaid'))) {
    let button = diagram.previousElementSibling as HTMLButtonElement | null;
    if (!button?.classList.contains('ak-diagram-enlarge')) {
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'ak-diagram-enlarge';
      button.textContent = 'Enlarge diagram';
      button.addEventListener('click', () => openDiagram(diagram));
      diagram.before(button);
    }
    // Only a diagram that does not fit needs it.
    button.hidden = !diagram.dataset.scroll;
  }
}

function labelTables(): void {
  for (const table of Array.from(document.querySelectorAll<HTMLTableElement>(LABELLED_TABLES))) {
    const heads = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent?.trim() ?? '');
    for (const row of Array.from(table.querySelectorAll('tbody tr'))) {
      Array.from(row.children).forEach((cell, i) => {
        if (cell.tagName === 'TD' && !cell.hasAttribute('data-label') && heads[i])
          cell.setAttribute('data-label', heads[i] as string);
      });
    }
    for (const code of Array.from(table.querySelectorAll('code'))) {
      const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      const nodes: Text[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
      for (const node of nodes) {
        const parts = (node.nodeValue ?? '').split(/(?<=[_/])(?=[^_/])/);
        if (parts.length < 2) continue;
        const fragment = document.createDocumentFragment();
        parts.forEach((part, i) => {
          if (i > 0) fragment.append(document.createElement('wbr'));
          fragment.append(part);
        });
        node.replaceWith(fragment);
      }
    }
  }
}

function enhance(): void {
  labelTables();
  watchScrollers();
  addEnlargeButtons();
}

let scheduled = false;
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    enhance();
  });
}

/** Starts watching the page; called once in the browser. */
export function startEnhancing(): void {
  enhance();
  new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  window.addEventListener('resize', schedule, { passive: true });
}
