// A count beside a page's title in the sidebar (e.g. the Devices page's active alerts); the
// page supplies the hook that reads it. Nothing shows for zero or null.
import './nav-badge.css';

export function NavBadge({ use, label }: { use: () => number | null; label: string }) {
  const n = use();
  if (!n) return null;
  return (
    <span className="nav-badge" aria-label={`${n} ${label}`} title={`${n} ${label}`}>
      {n > 99 ? '99+' : n}
    </span>
  );
}
