// Recent refused logins (newest first): when, from which peer, as which user, and why — so a
// technician sees a box with a wrong password or a guest login from the LAN at once.
import type { RefusedLogin } from '../../../../electron/api/broker';
import { duration } from './format';

export function RefusedLoginsCard({ refused, at }: { refused: RefusedLogin[]; at: number }) {
  const rows = [...refused].reverse();
  return (
    <section className="card broker-table-card" aria-label="Refused logins">
      <div className="section-head">
        <h2>
          Refused logins <span className="count">{rows.length}</span>
        </h2>
      </div>
      {rows.length === 0 ? (
        <p className="broker-none">No login was refused since the broker started.</p>
      ) : (
        <ul className="refused-list">
          {rows.map((r, i) => (
            <li key={`${r.at}-${r.peer}-${i}`} data-refused={r.user}>
              <span className="muted" data-col="when">
                {at - r.at < 5000 ? 'just now' : `${duration(at - r.at)} ago`}
              </span>
              <span className="mono" data-col="peer" title={r.peer}>
                {r.peer}
              </span>
              <span data-col="user" title={r.user}>
                {r.user || <span className="muted">(none)</span>}
              </span>
              <span data-col="reason" title={r.reason}>
                {r.reason}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
