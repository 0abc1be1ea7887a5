// The Photos page. (Placeholder until its work lands.)
export function PhotosPage() {
  return <div className="page"><div className="empty"><p>Coming in this release.</p></div></div>;
}
