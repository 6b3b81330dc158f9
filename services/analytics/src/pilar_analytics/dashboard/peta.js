// The map-like tile grid of the 38 provinces, coloured by coverage against the target.
import { formatNumber } from "./charts.js";

/** Coverage bands, worst first; the colours themselves are in dasbor.css. */
export const BANDS = [
  { key: "merah", label: "< 50% target", below: 0.5 },
  { key: "oranye", label: "50-75% target", below: 0.75 },
  { key: "kuning", label: "75-100% target", below: 1 },
  { key: "hijau", label: "Memenuhi target", below: Infinity },
];
const NO_CASES = { key: "kosong", label: "Tidak ada PMKS terbuka / belum ada data" };

/** The band of a PSKS:PMKS ratio measured against the target (null ratio: no open PMKS). */
export function band(ratio, target) {
  if (ratio === null || ratio === undefined) return NO_CASES;
  return BANDS.find((b) => ratio < b.below * target);
}

export function renderLegend(list) {
  list.replaceChildren(
    ...[...BANDS, NO_CASES].map((b) => {
      const item = document.createElement("li");
      item.className = b.key;
      item.textContent = b.label;
      return item;
    }),
  );
}

/**
 * Draw one tile per province at its grid place; rows are coverage rows keyed by province code.
 * Returns how many tiles got a coverage colour (had a ratio).
 */
export function renderMap(container, reference, rowsByProvince, target, selected, onPick) {
  container.style.gridTemplateColumns = `repeat(${reference.columns}, minmax(0, 1fr))`;
  let coloured = 0;
  const tiles = reference.provinces.map((province) => {
    const row = rowsByProvince.get(province.code);
    const ratio = row ? row.ratio : null;
    const b = band(ratio, target);
    if (ratio !== null && ratio !== undefined) coloured += 1;
    const tile = document.createElement("button");
    tile.type = "button";
    tile.className = `ubin ${b.key}${province.code === selected ? " terpilih" : ""}`;
    tile.style.gridColumn = String(province.column + 1);
    tile.style.gridRow = String(province.row + 1);
    tile.textContent = province.label;
    tile.dataset.region = province.code;
    tile.dataset.band = b.key;
    const figures = row && `PSKS aktif ${row.psks_active}, PMKS terbuka ${row.pmks_open}`;
    tile.title = row
      ? `${province.name}: rasio ${formatNumber(ratio)} (${figures})`
      : `${province.name}: belum ada data`;
    tile.addEventListener("click", () => onPick(province.code));
    return tile;
  });
  container.replaceChildren(...tiles);
  container.dataset.coloured = String(coloured);
  return coloured;
}
