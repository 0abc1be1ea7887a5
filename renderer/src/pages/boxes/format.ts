export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return new Date(ms).toLocaleString();
}

/** The problem text from agent/protocol names the wire field; the UI names the setting. */
export function friendly(problem: string | null): string | null {
  if (!problem) return null;
  return problem.replace(/^dev_sno\b/, 'DevSno').replace(/^login_url\b/, 'LoginUrl').replace(/\bdev_sno\b/g, 'DevSno').replace(/\blogin_url\b/g, 'LoginUrl');
}
