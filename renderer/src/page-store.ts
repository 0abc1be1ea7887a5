// A small store per page, outside React: a page's state survives switching to another page
// and back (the component unmounts, the store stays). Fields named in `remember` are also
// kept in localStorage, so they come back on the next start (ranges, choices — never results).
import { useSyncExternalStore } from 'react';

export interface PageStore<T extends object> {
  get(): T;
  set(patch: Partial<T> | ((state: T) => Partial<T>)): void;
  subscribe(listener: () => void): () => void;
}

function load<T extends object>(key: string, fields: readonly (keyof T)[]): Partial<T> {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    if (!raw) return {};
    const saved = JSON.parse(raw) as Partial<T>;
    const out: Partial<T> = {};
    for (const f of fields) if (saved && typeof saved === 'object' && f in saved) out[f] = saved[f];
    return out;
  } catch {
    return {}; // storage disabled or a bad value: start from the defaults
  }
}

export function createPageStore<T extends object>(initial: T, persist?: { key: string; remember: readonly (keyof T)[] }): PageStore<T> {
  let state: T = { ...initial, ...(persist ? load<T>(persist.key, persist.remember) : {}) };
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(patch) {
      const p = typeof patch === 'function' ? patch(state) : patch;
      state = { ...state, ...p };
      if (persist && persist.remember.some((f) => f in p)) {
        try {
          const kept: Partial<T> = {};
          for (const f of persist.remember) kept[f] = state[f];
          globalThis.localStorage?.setItem(persist.key, JSON.stringify(kept));
        } catch {
          /* storage full or disabled: remembered for this session only */
        }
      }
      for (const l of listeners) l();
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** The store's state in a component (re-renders on every change). */
export function usePageStore<T extends object>(store: PageStore<T>): T {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
