// Face boxes and landmarks drawn over a thumbnail. The SVG uses the analysed image's own pixel
// coordinates as its viewBox and the same "contain" fit as the <img> under it, so the shapes
// land on the faces whatever size the thumbnail is drawn at.
import type { FiqaAnalysis } from '../../../../electron/api/photos';

export function FaceOverlay({ analysis, judged }: { analysis: FiqaAnalysis; judged: boolean }) {
  const { width, height } = analysis.image;
  const many = analysis.data.length > 1;
  const longest = Math.max(width, height);
  const label = longest * 0.05;
  return (
    <svg className="pc-face-overlay" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
      {analysis.data.map((face, i) => {
        const [x1, y1, x2, y2] = face.bbox;
        const w = x2 - x1;
        const tone = !judged ? 'info' : face.fiqa_result ? 'pass' : 'fail';
        // dots readable on a thumbnail (relative to the photo), but never bigger than the eyes
        const dot = Math.max(1.5, Math.min(longest * 0.011, w * 0.05));
        return (
          <g key={i} className={`pc-face pc-${tone}`} data-testid="face-box">
            <rect x={x1} y={y1} width={w} height={y2 - y1} rx={w * 0.04} vectorEffect="non-scaling-stroke" />
            {face.landmarks.map(([x, y], j) => (
              <circle key={j} cx={x} cy={y} r={dot} vectorEffect="non-scaling-stroke" data-testid="landmark" />
            ))}
            {many && (
              <text x={x1} y={y1 > label * 1.1 ? y1 - label * 0.25 : y2 + label * 0.95} fontSize={label}>
                {i + 1}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
