// The live list of discovered boxes. The tick boxes pick boxes for the Deploy page; clicking a
// row (anywhere but its tick box) opens its details. Every column sorts (click its header
// again to reverse). A box missing from the latest scan is marked offline. Laid out to fit
// 1024 px wide windows: address, what runs there, host name and MAC share one cell; codes
// never wrap.
import type { BoxRow } from '../../../../electron/api/boxes';
import type { SortKey } from './boxes-store';
import { stateTone, stateWords } from './box-list';
import { ago } from './format';

function SortHeader(props: { label: string; k: SortKey; sort: { key: SortKey; dir: 1 | -1 }; onSort: (k: SortKey) => void; className?: string }) {
  const active = props.sort.key === props.k;
  return (
    <th className={props.className} aria-sort={active ? (props.sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => props.onSort(props.k)} title={`Sort by ${props.label.toLowerCase()}`}>
        {props.label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (props.sort.dir === 1 ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

export function LoginCell(props: { row: BoxRow }) {
  const { login, broker } = props.row;
  if (props.row.kind === 'vendor' && !login) return <span className="muted small">no /health (vendor firmware)</span>;
  return (
    <span className="login-state">
      {props.row.offline && <span className="muted small">last known:</span>}
      <span className={`state-dot ${props.row.offline ? 'none' : stateTone(login)}`} aria-hidden="true" />
      <span title={login?.error ?? (login?.since ? `since ${new Date(login.since).toLocaleString()}` : undefined)}>{stateWords(login, 'login')}</span>
      {broker && <span className={`tag broker-${stateTone(broker)}`}>broker {stateWords(broker, 'broker')}</span>}
    </span>
  );
}

/** `compact` (details panel open) leaves out LoginUrl and Last seen; the panel shows them. */
export function BoxTable(props: {
  rows: BoxRow[];
  selected: string | null;
  onSelect: (id: string) => void;
  now: number;
  compact?: boolean;
  sort: { key: SortKey; dir: 1 | -1 };
  onSort: (key: SortKey) => void;
  /** Rows ticked for a deploy. */
  checked: ReadonlySet<string>;
  onCheck: (ids: string[], on: boolean) => void;
}) {
  const full = !props.compact;
  const allChecked = props.rows.length > 0 && props.rows.every((r) => props.checked.has(r.id));
  const someChecked = props.rows.some((r) => props.checked.has(r.id));
  const head = (label: string, k: SortKey, className?: string) => <SortHeader label={label} k={k} sort={props.sort} onSort={props.onSort} className={className} />;
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
            {head('Box', 'address')}
            {head('DevSno', 'dev_sno')}
            {full && head('LoginUrl', 'login_url', 'col-url')}
            {head('Login', 'login')}
            {full && head('Last seen', 'lastSeen', 'col-seen')}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr
              key={r.id}
              className={[r.id === props.selected ? 'selected' : '', r.offline ? 'offline' : ''].join(' ').trim() || undefined}
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
              <td
                className="pick"
                onClick={(e) => e.stopPropagation()}
                // only the keys the row acts on: Escape still reaches the details panel
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && e.stopPropagation()}
              >
                <input
                  type="checkbox"
                  name="pick"
                  aria-label={`Select ${r.id} for deploy`}
                  checked={props.checked.has(r.id)}
                  onChange={(e) => props.onCheck([r.id], e.target.checked)}
                />
              </td>
              <td className="box-cell">
                <span className="mono strong nowrap">{r.id}</span>
                {r.offline && (
                  <span className="tag offline" title="This box did not answer the latest scan that covered its address">
                    offline
                  </span>
                )}
                <span className="sub">
                  {r.kind === 'se3-agent' ? <span className="tag agent">agent {r.agentVersion ?? ''}</span> : <span className="tag vendor">vendor firmware</span>}
                  <span className="muted">
                    {[r.hostname, r.mac].filter(Boolean).join(' · ')}
                    {full && r.sources.length > 0 && ` · ${r.sources.map((s) => (s === 'mdns' ? 'mDNS' : 'probe')).join('+')}`}
                  </span>
                </span>
              </td>
              <td className="mono nowrap">{r.dev_sno ?? <span className="muted">not set</span>}</td>
              {full && (
                <td className="mono ellipsis col-url" title={r.login_url ?? undefined}>
                  {r.login_url ?? <span className="muted">not set</span>}
                </td>
              )}
              <td data-testid="login-state">
                <LoginCell row={r} />
              </td>
              {full && <td className="muted nowrap col-seen">{ago(r.lastSeen, props.now)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
