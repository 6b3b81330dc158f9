// The panels below the map: summary cards, the worst-covered regions, referrals and disasters.
import { barChart, formatNumber } from "./charts.js";
import { band } from "./peta.js";

const WORST = 10;

export const formatDate = (iso) =>
  iso ? new Date(iso).toLocaleString("id-ID", { dateStyle: "medium", timeStyle: "short" }) : "-";

export function total(rows, field) {
  return rows.reduce((sum, row) => sum + (row[field] || 0), 0);
}

/** Below target first, then the lowest ratio. */
function byCoverage(a, b) {
  if (a.below_target !== b.below_target) return a.below_target ? -1 : 1;
  return a.ratio - b.ratio;
}

function card(label, value) {
  const element = document.createElement("div");
  element.className = "kartu";
  const number = Object.assign(document.createElement("div"), { className: "nilai", textContent: value });
  const caption = Object.assign(document.createElement("div"), { className: "label", textContent: label });
  element.append(number, caption);
  return element;
}

function cell(row, text, numeric = false) {
  const td = row.insertCell();
  td.textContent = text;
  if (numeric) td.className = "angka";
  return td;
}

/** Totals of the coverage rows of the region shown. */
export function renderSummary(container, rows) {
  const active = total(rows, "psks_active");
  const open = total(rows, "pmks_open");
  container.replaceChildren(
    card("PSKS aktif", formatNumber(active)),
    card("PSKS bersertifikat", formatNumber(total(rows, "psks_certified"))),
    card("PMKS terbuka", formatNumber(open)),
    card("Rasio PSKS:PMKS", open ? formatNumber(active / open) : "-"),
    card("Wilayah di bawah target", `${rows.filter((r) => r.below_target).length} dari ${rows.length}`),
  );
}

/** The worst-covered regions; a click on a regency drills down to its districts. */
export function renderWorst(table, heading, rows, { level, target, nameOf, onPick }) {
  heading.textContent =
    level === "district" ? "Kecamatan dengan cakupan terendah" : "Kabupaten/kota dengan cakupan terendah";
  const body = table.tBodies[0];
  body.replaceChildren();
  // Regions without open PMKS have nothing to cover: they are never "worst".
  const worst = rows.filter((row) => row.ratio !== null).sort(byCoverage).slice(0, WORST);
  if (worst.length === 0) {
    const only = body.insertRow().insertCell();
    only.colSpan = 6;
    only.textContent = "Belum ada wilayah dengan PMKS terbuka.";
  }
  for (const item of worst) {
    const row = body.insertRow();
    cell(row, level === "district" ? item.name : `${item.name}, ${nameOf(item.region.slice(0, 2))}`);
    cell(row, formatNumber(item.psks_active), true);
    cell(row, formatNumber(item.psks_certified), true);
    cell(row, formatNumber(item.pmks_open), true);
    cell(row, formatNumber(item.ratio), true);
    const b = band(item.ratio, target);
    cell(row, b.label).className = `status ${b.key}`;
    if (level !== "district") {
      row.className = "bisa-klik";
      row.addEventListener("click", () => onPick(item.region));
    }
  }
  table.dataset.rows = String(worst.length);
}

/** The referral funnel as bars, with the median and 90th percentile times. */
export function renderReferrals(svg, note, funnel) {
  barChart(
    svg,
    [
      { label: "Dirujuk", value: funnel.referred },
      { label: "Diterima", value: funnel.accepted },
      { label: "Ditolak", value: funnel.declined, bad: true },
      { label: "Kedaluwarsa", value: funnel.expired, bad: true },
      { label: "Ditarik", value: funnel.withdrawn, bad: true },
      { label: "Selesai", value: funnel.completed },
    ],
    "Alur rujukan",
  );
  const hours = (t) => `median ${formatNumber(t.median)} jam, p90 ${formatNumber(t.p90)} jam`;
  note.textContent =
    `Waktu hingga diterima: ${hours(funnel.time_to_accept_hours)}. ` +
    `Waktu hingga selesai: ${hours(funnel.time_to_complete_hours)}.`;
}

/** Active (not closed) disasters: call-out figures and one table row each. */
export function renderDisasters(summary, table, rows, { reference, nameOf }) {
  const active = rows.filter((row) => row.status !== "closed");
  const minutes = active.map((row) => row.minutes_to_first_deployment).filter((m) => m !== null);
  summary.replaceChildren(
    card("Bencana aktif", formatNumber(active.length)),
    card("Relawan diterjunkan", formatNumber(total(active, "volunteers_deployed"))),
    card("Relawan mengonfirmasi", formatNumber(total(active, "volunteers_acknowledged"))),
    card("Menit tercepat ke penerjunan", minutes.length ? formatNumber(Math.min(...minutes)) : "-"),
  );
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const item of active) {
    const row = body.insertRow();
    cell(row, reference.hazards[item.hazard] || item.hazard);
    cell(row, reference.stages[item.status] || item.status);
    cell(row, item.regions.map(nameOf).join(", "));
    cell(row, formatDate(item.declared_at));
    cell(row, formatNumber(item.minutes_to_first_deployment), true);
    cell(row, formatNumber(item.volunteers_deployed), true);
    cell(row, formatNumber(item.volunteers_acknowledged), true);
    cell(row, formatNumber(item.notifications_delivered), true);
  }
  table.dataset.rows = String(active.length);
}
