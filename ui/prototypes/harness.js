// Shared by the two image prototypes: 1,000 seeded polygons in image pixels and the frame-time
// measurement (requestAnimationFrame deltas while a view is panned, then zoomed, one step per
// frame). Each page defines window.protoView = { ready: Promise, pan(dx, dy), zoomBy(factor, x, y) }.
window.IMAGE_SIZE = 10000;
window.makePolygons = function makePolygons(count, seed) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const polygons = [];
  for (let polygonIdx = 0; polygonIdx < count; polygonIdx += 1) {
    const cx = random() * 9600 + 200, cy = random() * 9600 + 200, radius = 40 + random() * 150;
    const nPoints = 6 + Math.floor(random() * 7);
    const points = [];
    for (let pointIdx = 0; pointIdx < nPoints; pointIdx += 1) {
      const angle = (pointIdx / nPoints) * Math.PI * 2;
      const r = radius * (0.6 + random() * 0.4);
      points.push([cx + Math.cos(angle) * r, cy + Math.sin(angle) * r]);
    }
    polygons.push(points);
  }
  return polygons;
};
function percentile(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]; }
async function frames(n, step) {
  const deltas = [];
  let last = await new Promise(requestAnimationFrame);
  for (let frameIdx = 0; frameIdx < n; frameIdx += 1) {
    step(frameIdx);
    const now = await new Promise(requestAnimationFrame);
    deltas.push(now - last);
    last = now;
  }
  deltas.sort((a, b) => a - b);
  return { p50: +percentile(deltas, 0.5).toFixed(1), p95: +percentile(deltas, 0.95).toFixed(1), max: +deltas.at(-1).toFixed(1) };
}
window.measure = async function measure() {
  const firstDisplayMs = await window.protoView.ready;
  const w = innerWidth, h = innerHeight;
  const fitPan = await frames(30, (i) => window.protoView.pan(i % 30 < 15 ? 12 : -12, 6 * Math.sin(i / 5)));
  // Zoom in towards the centre to ~1:1 region, pan there, zoom back out.
  const zoomIn = await frames(40, () => window.protoView.zoomBy(1.09, w / 2, h / 2));
  const deepPan = await frames(30, (i) => window.protoView.pan(i % 30 < 15 ? 25 : -25, 10 * Math.sin(i / 5)));
  const zoomOut = await frames(40, () => window.protoView.zoomBy(1 / 1.09, w / 2, h / 2));
  return { firstDisplayMs: Math.round(firstDisplayMs), fitPan, zoomIn, deepPan, zoomOut, polygons: window.protoPolygonCount };
};
