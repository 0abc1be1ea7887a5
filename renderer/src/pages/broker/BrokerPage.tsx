// The Broker page. (Placeholder until its work lands.)
export function BrokerPage() {
  return <div className="page"><div className="empty"><p>Coming in this release.</p></div></div>;
}
