// A card with a titled, counted table of live broker stats, or a one-line empty state. Every
// cell carries data-label (its column's name): in a narrow card the rows stack into labelled
// blocks (stacked-table.css).
import type { CSSProperties, ReactNode } from 'react';

export interface TableCardProps {
  title: string;
  count: number;
  /** What the empty card says. */
  empty: ReactNode;
  /** The <thead> row's cells. */
  head: ReactNode;
  children: ReactNode;
  /** Labelled cells to a line when the card is narrow and rows stack (stacked-table.css; default 3). */
  stackCols?: number;
}

export function TableCard({ title, count, empty, head, children, stackCols }: TableCardProps) {
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
        <div className="table-wrap stack-wrap" style={stackCols ? ({ '--stack-cols': stackCols } as CSSProperties) : undefined}>
          <table className="boxes compact broker-table">
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
