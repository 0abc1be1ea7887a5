// Boxes → Deploy: the Boxes page hands the selected boxes to the Deploy page through session
// storage (so the hand-off survives the route change and a reload, and nothing else is shared).
const KEY = 'se3kit.deploy.targets';

/** Called by the Boxes page: remembers the targets and opens #/deploy. */
export function openDeployWith(hosts: string[]): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(hosts));
  } catch {
    /* storage disabled: the page opens without targets */
  }
  window.location.hash = '#/deploy';
}

/** Called by the Deploy page once: the handed-over targets (then forgotten), or null. */
export function takeHandedTargets(): string[] | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return null;
    sessionStorage.removeItem(KEY);
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
  } catch {
    return null;
  }
}
