// Times as a site operator reads them: the time of day with the time zone (events come from
// boxes whose clocks and the operator's browser may not share a zone), and the date too when
// it is not today.

/** e.g. "14:03:07 CET" today, "2 Jan 2026, 14:03:07 CET" another day (the browser's zone). */
export function clock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const today = d.toDateString() === new Date(now).toDateString();
  const time: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' };
  return today ? d.toLocaleTimeString([], time) : d.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', ...time });
}

/** The browser's time zone, as the From/To fields and times on the pages use it (e.g. "Europe/Berlin"). */
export function zoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}
