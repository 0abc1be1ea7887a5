// The Events page's filter: what the operator picked (kept in the page store) → the API's
// EventFilter, and the same test applied to an event pushed live (events.new), so the live
// timeline shows exactly what a reload would.
import type { EventFilter, EventView } from '../../../../electron/api/events';

export interface FilterChoice {
  devSno: string;
  epId: string;
  personId: string;
  kind: 'all' | 'known' | 'stranger';
  /** datetime-local values ('' = open). */
  since: string;
  until: string;
}

export const NO_FILTER: FilterChoice = { devSno: '', epId: '', personId: '', kind: 'all', since: '', until: '' };

function ms(local: string): number | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? t : undefined;
}

export function toApiFilter(f: FilterChoice): EventFilter {
  const out: EventFilter = {};
  if (f.devSno) out.devSno = f.devSno;
  if (f.epId) out.epId = f.epId;
  if (f.personId.trim()) out.personId = f.personId.trim();
  if (f.kind !== 'all') out.kind = f.kind;
  const since = ms(f.since);
  const until = ms(f.until);
  if (since !== undefined) out.since = since;
  if (until !== undefined) out.until = until;
  return out;
}

/** Whether an event belongs in the list shown for this filter. */
export function matches(e: EventView, f: EventFilter): boolean {
  if (f.devSno && e.devSno !== f.devSno) return false;
  if (f.epId && e.epId !== f.epId) return false;
  if (f.personId && e.identityId !== f.personId && e.correctedPersonId !== f.personId && e.enrolledPersonId !== f.personId) return false;
  if (f.kind === 'known' && e.stranger) return false;
  if (f.kind === 'stranger' && !e.stranger) return false;
  if (f.since !== undefined && e.timestamp < f.since) return false;
  if (f.until !== undefined && e.timestamp >= f.until) return false;
  return true;
}

export function isFiltered(f: FilterChoice): boolean {
  return Object.keys(NO_FILTER).some((k) => f[k as keyof FilterChoice] !== NO_FILTER[k as keyof FilterChoice]);
}
