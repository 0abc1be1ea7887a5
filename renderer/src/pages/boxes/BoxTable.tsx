// The live list of discovered boxes. The tick boxes pick boxes for the Deploy page; clicking a
// row (anywhere but its tick box) opens its details.
import type { BoxRow } from '../../../../electron/api/boxes';
import { ago } from './format';

/** `compact` (details panel open) leaves out hostname, MAC and sources; the panel shows them. */
export function BoxTable(props: {
  rows: BoxRow[];
  selected: string | null;
  onSelect: (id: string) => void;
  now: number;
  compact?: boolean;
  /** Rows ticked for a deploy. */
  checked: ReadonlySet<string>;
  onCheck: (ids: string[], on: boolean) => void;
}) {
  const full = !props.compact;
  const allChecked = props.rows.length > 0 && props.rows.every((r) => props.checked.has(r.id));
  const someChecked = props.rows.some((r) => props.checked.has(r.id));
  return (
    <div className={props.compact ? 'table-wrap compact-table' : 'table-wrap'}>
      <table className="boxes" aria-label="Boxes">
        <thead>
          <tr>
            <th className="pick">
              <input
                type="checkbox"
                aria-label="Select all boxes"
                checked={allChecked}
                ref={(el) => {
                  if (el) el.indeterminate = someChecked && !allChecked;
                }}
                onChange={(e) => props.onCheck(props.rows.map((r) => r.id), e.target.checked)}
              />
            </th>
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
              <td className="pick" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  name="pick"
                  aria-label={`Select ${r.id} for deploy`}
                  checked={props.checked.has(r.id)}
                  onChange={(e) => props.onCheck([r.id], e.target.checked)}
                />
              </td>
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
