// The keyboard side of an inline confirmation ("Wipe…" → "Yes, wipe the box" / "Cancel"): when it
// opens, the focus goes to its safe answer (the element marked data-safe), so it is not lost with
// the button that asked; Escape closes it; when it closes, the focus goes back to the button that
// opened it (marked data-opens="<kind>"), unless the user has moved on elsewhere.
import { useEffect, useRef, type KeyboardEvent } from 'react';

export function useConfirmFocus<T extends HTMLElement, K extends string>(open: K | null, close: () => void) {
  const ref = useRef<T>(null);
  const last = useRef<K | null>(null);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    if (open) {
      last.current = open;
      box.querySelector<HTMLElement>('[data-safe]')?.focus();
    } else if (last.current) {
      const active = document.activeElement;
      if (!active || active === document.body || box.contains(active)) box.querySelector<HTMLElement>(`[data-opens="${last.current}"]`)?.focus();
      last.current = null;
    }
  }, [open]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    }
  };
  return { ref, onKeyDown };
}

/** Before closing something that may hold the focus (a panel, an editor): gives the focus to the
 *  element matching `to` once it is closed, when the focus was inside `from` or on the page. */
export function returnFocus(from: Element | null, to: string): void {
  const active = document.activeElement;
  if (active && active !== document.body && !from?.contains(active)) return;
  requestAnimationFrame(() => document.querySelector<HTMLElement>(to)?.focus());
}
