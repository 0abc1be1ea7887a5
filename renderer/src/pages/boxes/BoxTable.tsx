// The live list of discovered boxes.
import type { BoxRow } from '../../../../electron/api/boxes';
import { ago } from './format';

/** `compact` (details panel open) leaves out hostname, MAC and sources; the panel shows them. */
export function BoxTable(props: { rows: BoxRow[]; selected: string | null; onSelect: (id: string) => void; now: number; compact?: boolean }) {
  const full = !props.compact;
  return (
    <div className={props.compact ? 'table-wrap compact-table' : 'table-wrap'}>
      <table className="boxes" aria-label="Boxes">
        <thead>
          <tr>
            <th>Address</th>
            <th>DevSno</th>
            <th>LoginUrl</th>
            {full && <th>Hostname</th>}
            {full && <th>MAC</th>}
            <th>Runs</th>
            {full && <th>Found by</th>}
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr
              key={r.id}
              className={r.id === props.selected ? 'selected' : undefined}
              onClick={() => props.onSelect(r.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  props.onSelect(r.id);
                }
              }}
              tabIndex={0}
              aria-selected={r.id === props.selected}
              data-box={r.id}
            >
              <td className="mono strong">{r.id}</td>
              <td className="mono">{r.dev_sno ?? <span className="muted">not set</span>}</td>
              <td className="mono ellipsis" title={r.login_url ?? undefined}>
                {r.login_url ?? <span className="muted">not set</span>}
              </td>
              {full && <td>{r.hostname ?? <span className="muted">—</span>}</td>}
              {full && <td className="mono">{r.mac ?? <span className="muted">—</span>}</td>}
              <td>
                {r.kind === 'se3-agent' ? (
                  <span className="tag agent">agent {r.agentVersion ?? ''}</span>
                ) : (
                  <span className="tag vendor">vendor firmware</span>
                )}
              </td>
              {full && (
                <td className="nowrap">
                  {r.sources.map((s) => (
                    <span key={s} className="tag source">
                      {s === 'mdns' ? 'mDNS' : 'probe'}
                    </span>
                  ))}
                </td>
              )}
              <td className="muted nowrap">{ago(r.lastSeen, props.now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
