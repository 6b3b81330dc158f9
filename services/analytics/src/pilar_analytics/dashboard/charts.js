// Hand-written SVG charts: a daily line chart and a horizontal bar chart. No libraries.
const SVG = "http://www.w3.org/2000/svg";
const NUMBER = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2 });

export const formatNumber = (value) => (value === null || value === undefined ? "-" : NUMBER.format(value));

function node(name, attributes, parent, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  parent.appendChild(element);
  return element;
}

function reset(svg, width, height, label) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("aria-label", label);
}

/** A round upper bound for the y axis, so grid lines fall on readable values. */
function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value);
  return step * magnitude;
}

const shortDate = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}`;

/** Draw daily points as a line; a null value (no figure that day) breaks the line. */
export function lineChart(svg, points, label) {
  const [width, height, left, right, top, bottom] = [420, 170, 40, 18, 10, 22];
  reset(svg, width, height, label);
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  svg.dataset.points = String(points.length);
  svg.dataset.values = String(values.length);
  if (values.length === 0) {
    node("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, svg, "Belum ada data");
    return;
  }
  const max = niceMax(Math.max(...values));
  const x = (i) => left + (i * (width - left - right)) / Math.max(points.length - 1, 1);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (max * tick) / 4;
    node("line", { class: "kisi", x1: left, x2: width - right, y1: y(value), y2: y(value) }, svg);
    node("text", { x: left - 4, y: y(value) + 3, "text-anchor": "end" }, svg, formatNumber(value));
  }
  for (const i of new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])) {
    node("text", { x: x(i), y: height - 6, "text-anchor": "middle" }, svg, shortDate(points[i].date));
  }
  let run = [];
  const flush = () => {
    if (run.length) node("polyline", { class: "garis-data", points: run.join(" ") }, svg);
    run = [];
  };
  points.forEach((point, i) => {
    if (point.value === null || point.value === undefined) return flush();
    run.push(`${x(i).toFixed(1)},${y(point.value).toFixed(1)}`);
    const dot = node("circle", { class: "titik", cx: x(i), cy: y(point.value), r: 2.5 }, svg);
    node("title", {}, dot, `${point.date}: ${formatNumber(point.value)}`);
  });
  flush();
}

/** Horizontal bars, one per stage: [{label, value, bad}] where `bad` marks losses of the funnel. */
export function barChart(svg, bars, label) {
  const [width, rowHeight, left, right] = [420, 26, 90, 50];
  const height = bars.length * rowHeight + 6;
  reset(svg, width, height, label);
  const max = Math.max(1, ...bars.map((b) => b.value));
  svg.dataset.bars = String(bars.length);
  svg.dataset.total = String(bars.reduce((sum, b) => sum + b.value, 0));
  bars.forEach((bar, i) => {
    const top = 4 + i * rowHeight;
    const length = ((width - left - right) * bar.value) / max;
    node("text", { x: left - 6, y: top + 15, "text-anchor": "end" }, svg, bar.label);
    const kind = bar.bad ? "batang buruk" : "batang";
    node("rect", { class: kind, x: left, y: top, width: length, height: 20 }, svg);
    node("text", { x: left + length + 4, y: top + 15 }, svg, formatNumber(bar.value));
  });
}
