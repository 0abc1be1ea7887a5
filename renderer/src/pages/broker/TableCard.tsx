// A card with a titled, counted table of live broker stats, or a one-line empty state.
import type { ReactNode } from 'react';

export interface TableCardProps {
  title: string;
  count: number;
  /** What the empty card says. */
  empty: ReactNode;
  /** The <thead> row's cells. */
  head: ReactNode;
  children: ReactNode;
  /** Extra class of the <table>. */
  tableClass?: string;
}

export function TableCard({ title, count, empty, head, children, tableClass }: TableCardProps) {
  return (
    <section className="card broker-table-card" aria-label={title}>
      <div className="section-head">
        <h2>
          {title} <span className="count">{count}</span>
        </h2>
      </div>
      {count === 0 ? (
        <p className="broker-none">{empty}</p>
      ) : (
        <div className="table-wrap">
          <table className={`boxes compact broker-table${tableClass ? ` ${tableClass}` : ''}`}>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}
