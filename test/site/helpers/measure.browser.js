// Layout measurements run inside the page (added with page.addScriptTag). Plain JavaScript, so what runs in
// Chromium is exactly this file, untouched by a TypeScript transform. Every size is in CSS pixels as displayed.
(() => {
  const px = (value) => Number.parseFloat(value) || 0;
  const text = (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  // Rounding: Chromium lays text out on fractional pixels; half a pixel is not a visible clip.
  const slack = 1;

  const inside = (inner, outer) =>
    inner.left >= outer.left - slack &&
    inner.right <= outer.right + slack &&
    inner.top >= outer.top - slack &&
    inner.bottom <= outer.bottom + slack;

  /** The box the text of an element takes, which for HTML labels can be larger than the element. */
  function textBox(el) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (rects.length === 0) return null;
    return {
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
      top: Math.min(...rects.map((r) => r.top)),
      bottom: Math.max(...rects.map((r) => r.bottom)),
    };
  }

  /** Every text label of every Mermaid diagram: its displayed font size and whether its box clips it. */
  function diagramLabels() {
    const out = [];
    document.querySelectorAll('.vp-doc .mermaid svg').forEach((svg, diagram) => {
      // HTML labels (flowcharts): the text lives in a foreignObject, which clips what does not fit.
      for (const fo of svg.querySelectorAll('foreignObject')) {
        const label = text(fo);
        if (!label) continue;
        const leaf = [...fo.querySelectorAll('*')].reverse().find((el) => text(el)) ?? fo;
        const scale = fo.getScreenCTM()?.a ?? 1;
        const box = textBox(fo);
        const frame = fo.getBoundingClientRect();
        // The shape the label sits in (node rectangle, cylinder…), when it has one.
        const node = fo.closest('.node');
        const shape = node?.querySelector('rect, path, polygon, circle, ellipse');
        const shapeBox = shape?.getBoundingClientRect();
        out.push({
          diagram,
          label,
          fontPx: px(getComputedStyle(leaf).fontSize) * scale,
          clipped: box ? !inside(box, frame) || (shapeBox ? !inside(box, shapeBox) : false) : false,
        });
      }
      // SVG text (sequence diagrams, edge labels drawn as text): scaled by the SVG's own transform.
      for (const el of svg.querySelectorAll('text')) {
        const label = text(el);
        if (!label || el.closest('foreignObject')) continue;
        const scale = el.getScreenCTM()?.a ?? 1;
        const box = el.getBoundingClientRect();
        // Actor and note labels sit on a rectangle drawn just before them in the same group.
        const group = el.parentElement;
        const rect = group?.querySelector(':scope > rect');
        const rectBox = rect?.getBoundingClientRect();
        out.push({
          diagram,
          label,
          fontPx: px(getComputedStyle(el).fontSize) * scale,
          clipped: rectBox && rectBox.width > 0 ? !inside(box, rectBox) : false,
        });
      }
    });
    return out;
  }

  /** Lines of code blocks whose text runs past the block's visible edge (needs a sideways scroll to read). */
  function hiddenCode() {
    const out = [];
    document.querySelectorAll('.vp-doc div[class*="language-"]').forEach((block, index) => {
      const pre = block.querySelector('pre');
      if (!pre) return;
      const lang = [...block.classList].find((c) => c.startsWith('language-'))?.slice(9) ?? '';
      const frame = pre.getBoundingClientRect();
      const right = frame.left + pre.clientLeft + pre.clientWidth - px(getComputedStyle(pre).paddingRight);
      for (const line of pre.querySelectorAll('.line')) {
        const box = textBox(line);
        if (box && box.right > right + slack) out.push({ index, lang, line: line.textContent ?? '' });
      }
    });
    return out;
  }

  // A word may break only after `_`, `-` or `/` (and at spaces); anything else is a break inside a word.
  const pieces = /[^\s_\-/]*[_\-/]+|[^\s_\-/]+/g;

  /** Cells of the given tables where a piece of a word starts on one line and ends on the next. */
  function brokenWords(selector) {
    const out = [];
    for (const table of document.querySelectorAll(selector)) {
      const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const value = node.nodeValue ?? '';
        for (const match of value.matchAll(pieces)) {
          const word = match[0];
          if (word.length < 2) continue;
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + word.length);
          const tops = new Set(
            [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top / 4)),
          );
          if (tops.size > 1) out.push({ word, cell: text(node.parentElement?.closest('td, th') ?? table) });
        }
      }
    }
    return out;
  }

  /** How each table matching the selector is laid out: as a table, or as stacked cards (one block per row). */
  function tableLayouts(selector) {
    return [...document.querySelectorAll(selector)].map((table) => {
      const row = table.querySelector('tbody tr');
      const head = table.querySelector('thead');
      const cell = row?.querySelector('td');
      return {
        rowDisplay: row ? getComputedStyle(row).display : '',
        headVisible: head ? head.getBoundingClientRect().height > 1 : false,
        label: cell ? getComputedStyle(cell, '::before').content : '',
        overflows: table.scrollWidth > table.clientWidth + slack,
        width: table.getBoundingClientRect().width,
      };
    });
  }

  /** Elements in the page body that scroll sideways, and whether each shows a cue that it does. */
  function sidewaysScrollers() {
    const out = [];
    for (const el of document.querySelectorAll('.vp-doc *')) {
      const style = getComputedStyle(el);
      if (!/(auto|scroll)/.test(style.overflowX)) continue;
      if (el.scrollWidth <= el.clientWidth + slack) continue;
      const mask = style.maskImage && style.maskImage !== 'none' ? style.maskImage : style.webkitMaskImage;
      out.push({
        tag: el.tagName.toLowerCase(),
        className: typeof el.className === 'string' ? el.className : '',
        cue: el.dataset.scroll ?? '',
        masked: Boolean(mask && mask !== 'none'),
        focusable: el.tabIndex >= 0,
      });
    }
    return out;
  }

  window.__akMeasure = { diagramLabels, hiddenCode, brokenWords, tableLayouts, sidewaysScrollers };
})();
