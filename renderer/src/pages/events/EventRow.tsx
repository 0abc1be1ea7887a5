// One event in the timeline: spot picture beside the registration photo, who (or stranger),
// score, box, capture device and time, and the two corrections.
import { useState } from 'react';
import type { EventView } from '../../../../electron/api/events';
import { EnrolStranger } from './EnrolStranger';
import { EventPicture, forgetPicture } from './EventPicture';
import { IdentifyPerson } from './IdentifyPerson';
import { clock } from '../../time-format';

const PERSON_TYPES: Record<number, string> = { 1: 'staff', 2: 'visitor', 3: 'blacklist', 4: 'stranger', 5: 'VIP' };

/** An event's time: the time of day with the zone, and the date when it is not today. */
export const when = (ms: number): string => clock(ms);

export function EventRow({ e, fresh, epName, groups, onChanged }: { e: EventView; fresh: boolean; epName: string; groups: string[]; onChanged(e: EventView): void }) {
  const [open, setOpen] = useState<null | 'enrol' | 'identify'>(null);
  const who = e.stranger ? 'Stranger' : e.identityName || e.identityId;
  const done = (u: EventView) => {
    forgetPicture(u.id);
    onChanged(u);
  };
  return (
    <li className={`event-row${fresh ? ' fresh' : ''}${e.stranger ? ' stranger' : ''}`} data-event={e.id} aria-label={`${who} at ${when(e.timestamp)}`}>
      <div className="event-pics">
        <EventPicture id={e.id} which="spot" has={e.hasSpotPic} label={`Spot picture of ${who}`} />
        <EventPicture id={e.id} which="registration" has={e.hasRegPhoto} label={`Registration photo of ${who}`} />
      </div>
      <div className="event-body">
        <div className="event-who">
          <span className="strong">{who}</span>
          {!e.stranger && e.identityId && <span className="mono muted"> {e.identityId}</span>}{' '}
          <span className={`tag ${e.stranger ? 'warn' : 'ok'}`}>{e.stranger ? 'stranger' : PERSON_TYPES[e.personType] ?? `type ${e.personType}`}</span>
          <span className="event-score" title="similarity to the best match">
            score <span className="strong">{e.score.toFixed(2)}</span>
          </span>
        </div>
        <dl className="event-facts">
          <div>
            <dt>Time</dt>
            <dd>
              <time dateTime={new Date(e.timestamp).toISOString()}>{when(e.timestamp)}</time>
            </dd>
          </div>
          <div>
            <dt>Box</dt>
            <dd className="wrap-anywhere" title={e.devSno}>
              {e.boxName || e.devSno}
            </dd>
          </div>
          <div>
            <dt>Capture device</dt>
            <dd className="wrap-anywhere" title={e.epId}>
              {epName || e.deviceIp || e.epId || '—'}
            </dd>
          </div>
          {e.groupName && (
            <div>
              <dt>Group</dt>
              <dd className="wrap-anywhere" data-group-id={e.groupId ?? undefined}>
                {e.groupName}
                {e.groupId !== null && String(e.groupId) !== e.groupName && <span className="mono muted"> · id {e.groupId}</span>}
              </dd>
            </div>
          )}
          {e.age !== null && (
            <div>
              <dt>Age / sex</dt>
              <dd>
                {e.age}
                {e.sex === 0 ? ' · male' : e.sex === 1 ? ' · female' : ''}
              </dd>
            </div>
          )}
        </dl>
        {(e.correctedPersonId || e.enrolledPersonId) && (
          <p className="event-note">
            {e.enrolledPersonId && (
              <>
                Enrolled as <span className="mono">{e.enrolledPersonId}</span>.{' '}
              </>
            )}
            {e.correctedPersonId && (
              <>
                Corrected: this is <span className="mono">{e.correctedPersonId}</span>.
              </>
            )}
          </p>
        )}
        {open === null && (
          <div className="event-actions">
            {e.stranger && !e.enrolledPersonId && e.hasSpotPic && (
              <button type="button" className="secondary small" onClick={() => setOpen('enrol')}>
                Enrol this stranger
              </button>
            )}
            {e.hasSpotPic && (
              <button type="button" className="secondary small" onClick={() => setOpen('identify')}>
                This is…
              </button>
            )}
          </div>
        )}
        {open === 'enrol' && <EnrolStranger event={e} groups={groups} onDone={done} onClose={() => setOpen(null)} />}
        {open === 'identify' && <IdentifyPerson event={e} onDone={done} onClose={() => setOpen(null)} />}
      </div>
    </li>
  );
}
