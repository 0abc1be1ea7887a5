// An event's spot picture or registration photo, read through the API (events.picture) only
// when its row scrolls into view, and kept in a small cache so paging and filters do not read
// it again.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api';

const CACHE_MAX = 400;
const cache = new Map<string, string>(); // `${which}:${id}` → data URL (insertion order = age)

function remember(key: string, url: string): void {
  cache.set(key, url);
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
}

/** Drops a cached picture (the registration photo changes after enrol / this-is-X). */
export function forgetPicture(id: string): void {
  cache.delete(`registration:${id}`);
}

export function EventPicture({ id, which, has, label }: { id: string; which: 'spot' | 'registration'; has: boolean; label: string }) {
  const key = `${which}:${id}`;
  const [src, setSrc] = useState<string | null>(() => cache.get(key) ?? null);
  const [failed, setFailed] = useState(false);
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setSrc(cache.get(key) ?? null);
    setFailed(false);
    if (!has || cache.has(key)) return;
    const el = holder.current;
    if (!el) return;
    let live = true;
    const load = () => {
      api.call('events.picture', { id, which }).then(
        (p) => {
          const url = `data:${p.type};base64,${p.data}`;
          remember(key, url);
          if (live) setSrc(url);
        },
        () => live && setFailed(true),
      );
    };
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        load();
      }
    });
    io.observe(el);
    return () => {
      live = false;
      io.disconnect();
    };
  }, [key, has, id, which]);

  return (
    <div ref={holder} className={`event-pic ${which}`} data-pic={which}>
      {src ? (
        <img src={src} alt={label} />
      ) : (
        <span className="event-pic-none">{!has ? (which === 'spot' ? 'no picture' : 'no photo') : failed ? 'not available' : ''}</span>
      )}
      <span className="event-pic-label">{which === 'spot' ? 'spot' : 'registered'}</span>
    </div>
  );
}
