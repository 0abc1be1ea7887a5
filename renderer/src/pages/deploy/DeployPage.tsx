// The Deploy page. (Placeholder until its work lands.)
export function DeployPage() {
  return <div className="page"><div className="empty"><p>Coming in this release.</p></div></div>;
}
