// Layout checks for the end-to-end tests: what sticks out of a frame or is cut inside it, and
// whether a select shows its chosen option in full.
import type { Locator, Page } from 'playwright-core';

/** Whether every element matching `sel` lies inside the box of `frame` (names the ones that stick out). */
export async function outside(page: Page, frame: string, sel: string): Promise<string[]> {
  return page.evaluate(
    ([frame, sel]) => {
      const f = document.querySelector(frame)!.getBoundingClientRect();
      return Array.from(document.querySelectorAll<HTMLElement>(sel))
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left < f.left - 0.5 || r.right > f.right + 0.5;
        })
        .map((el) => `${el.textContent?.trim()} ${Math.round(el.getBoundingClientRect().right)} > ${Math.round(f.right)}`);
    },
    [frame, sel] as const,
  );
}

/** The width a select needs to show its chosen option in full (the same select, sized to that
 *  option alone), and the width it has. */
export function selectWidths(select: Locator): Promise<{ need: number; has: number }> {
  return select.evaluate((el: HTMLSelectElement) => {
    const probe = el.cloneNode(false) as HTMLSelectElement;
    probe.append(el.selectedOptions[0]!.cloneNode(true));
    Object.assign(probe.style, { width: 'auto', minWidth: '0', maxWidth: 'none', position: 'absolute', visibility: 'hidden' });
    el.after(probe);
    const need = probe.offsetWidth;
    probe.remove();
    return { need, has: el.offsetWidth };
  });
}

/** What inside `frame` sticks out of it or hides part of its own content (overflow hidden, an ellipsis). */
export async function cutOff(page: Page, frame: string): Promise<string[]> {
  return page.evaluate((frame) => {
    const box = document.querySelector(frame)!;
    const f = box.getBoundingClientRect();
    // (no named helper in here: the test's TypeScript build would wrap it in a function the page lacks)
    return Array.from(box.querySelectorAll<HTMLElement>('*')).flatMap((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return [];
      const what = `${el.tagName.toLowerCase()}${el.dataset.col ? `[${el.dataset.col}]` : ''} "${el.textContent?.trim().slice(0, 50)}"`;
      if (r.left < f.left - 0.5 || r.right > f.right + 0.5) return [`${what} sticks out: ${Math.round(r.right)} > ${Math.round(f.right)}`];
      if (getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) return [`${what} cut: ${el.scrollWidth} > ${el.clientWidth}`];
      return [];
    });
  }, frame);
}
