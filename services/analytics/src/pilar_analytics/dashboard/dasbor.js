// Dasbor Pilar: loads the indicators of the chosen region and draws every panel.
// State for tests and scripts: <body data-state="loading|ready|login|error">, and data-* counts
// on the map (#peta), the charts (svg) and the tables.
import { AccessError, forgetToken, getJson, getReference, hasToken, saveToken, takeFragment } from "./api.js";
import { lineChart } from "./charts.js";
import { formatDate, renderDisasters, renderReferrals, renderSummary, renderWorst, total } from "./panels.js";
import { renderLegend, renderMap } from "./peta.js";

const $ = (id) => document.getElementById(id);
const TRENDS = {
  coverage: "Rasio cakupan",
  cases_open: "Kasus PMKS terbuka",
  referrals_completed: "Rujukan selesai",
};
const WORST_PROVINCES = 5;
const REFRESH_MS = 60000;
const state = { region: "", target: "", asOf: "", reference: null, names: new Map(), ticket: 0 };

const parentOf = (code) => (code.includes(".") ? code.split(".").slice(0, -1).join(".") : code.slice(0, -2));
const nameOf = (code) => state.names.get(code) || code;

function setState(value, message = "") {
  document.body.dataset.state = value;
  $("pesan").textContent = message;
}

/** Province rows for the map; a provincial operator sees only its own, summed from its regencies. */
async function provinceRows(coverage) {
  const national =
    coverage.level === "province"
      ? coverage
      : await getJson("indicators/coverage", { as_of: state.asOf, target: state.target });
  if (national.level === "province") return national.rows;
  if (national.level !== "regency" || national.rows.length === 0) return [];
  const active = total(national.rows, "psks_active");
  const open = total(national.rows, "pmks_open");
  const region = parentOf(national.rows[0].region);
  return [{ region, psks_active: active, pmks_open: open, ratio: open ? active / open : null }];
}

/** Rows for the worst-covered list: the rows below national level, else the worst provinces' regencies. */
async function worstRows(coverage) {
  if (coverage.level !== "province") return coverage.rows;
  const provinces = coverage.rows.filter((row) => row.ratio !== null).slice(0, WORST_PROVINCES);
  const lists = await Promise.all(
    provinces.map((row) =>
      getJson("indicators/coverage", { region: row.region, as_of: state.asOf, target: state.target }),
    ),
  );
  return lists.flatMap((list) => list.rows);
}

function renderTrail(region) {
  const codes = [];
  for (let code = region; code; code = parentOf(code)) codes.unshift(code);
  const trail = ["", ...codes].map((code, i, all) => {
    const label = code ? nameOf(code) : "Nasional";
    if (i === all.length - 1) return Object.assign(document.createElement("span"), { textContent: label });
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: label });
    button.addEventListener("click", () => goTo(code));
    return button;
  });
  $("jejak").replaceChildren(...trail);
}

function remember(rows) {
  for (const row of rows) state.names.set(row.region, row.name);
}

async function load() {
  const ticket = ++state.ticket;
  setState("loading");
  const scope = { region: state.region, as_of: state.asOf };
  try {
    const [coverage, referrals, disasters, ...trends] = await Promise.all([
      getJson("indicators/coverage", { ...scope, target: state.target }),
      getJson("indicators/referrals", scope),
      getJson("indicators/disasters", scope),
      ...Object.keys(TRENDS).map((indicator) =>
        getJson("indicators/trend", { indicator, region: state.region, days: 30 }),
      ),
    ]);
    const [provinces, worst] = await Promise.all([provinceRows(coverage), worstRows(coverage)]);
    if (ticket !== state.ticket) return; // a newer load has started
    remember(coverage.rows);
    remember(worst);
    // Without a region the API answers for the caller's own one: name it from its rows.
    const first = coverage.rows[0];
    const own = coverage.level === "province" || !first ? "" : parentOf(first.region);
    const region = state.region || own;
    const provinceMap = new Map(provinces.map((row) => [row.region.slice(0, 2), row]));
    renderMap($("peta"), state.reference, provinceMap, coverage.target, region.slice(0, 2), goTo);
    renderSummary($("ringkasan"), coverage.rows);
    const worstOptions = { level: coverage.level, target: coverage.target, nameOf, onPick: goTo };
    renderWorst($("terendah"), $("judul-terendah"), worst, worstOptions);
    Object.entries(TRENDS).forEach(([indicator, label], i) => {
      lineChart($(`tren-${indicator}`), trends[i].points, label);
    });
    renderReferrals($("corong"), $("waktu-rujukan"), referrals);
    const disasterOptions = { reference: state.reference, nameOf };
    renderDisasters($("bencana-ringkas"), $("bencana"), disasters.rows, disasterOptions);
    renderTrail(region);
    $("per-tanggal").textContent = formatDate(coverage.as_of);
    if (!$("target").value) $("target").value = String(coverage.target);
    document.body.dataset.level = coverage.level;
    setState("ready");
  } catch (error) {
    if (ticket !== state.ticket) return;
    if (error instanceof AccessError && error.status === 401) {
      forgetToken();
      showLogin(error.message);
      return;
    }
    setState("error", error.message);
  }
}

function goTo(region) {
  state.region = region;
  const fragment = region ? `#wilayah=${region}` : "";
  history.replaceState(null, "", location.pathname + location.search + fragment);
  load();
}

function showLogin(message) {
  $("masuk").hidden = false;
  $("isi").hidden = true;
  $("masuk-pesan").textContent = message;
  setState("login");
}

function showMain() {
  $("masuk").hidden = true;
  $("isi").hidden = false;
}

function wireForms() {
  $("masuk-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveToken($("token").value);
    $("token").value = "";
    showMain();
    load();
  });
  $("saring").addEventListener("submit", (event) => {
    event.preventDefault();
    state.target = $("target").value;
    state.asOf = $("per").value;
    load();
  });
  $("keluar").addEventListener("click", () => {
    forgetToken();
    showLogin("Anda telah keluar.");
  });
}

async function start() {
  const fragment = takeFragment();
  state.region = fragment.get("wilayah") || "";
  renderLegend($("legenda"));
  wireForms();
  try {
    state.reference = await getReference();
  } catch (error) {
    setState("error", error.message);
    return;
  }
  for (const province of state.reference.provinces) state.names.set(province.code, province.name);
  if (!hasToken()) return showLogin("Masukkan token akses untuk melihat data.");
  showMain();
  await load();
  setInterval(() => {
    const idle = document.body.dataset.state === "ready";
    if (document.visibilityState === "visible" && hasToken() && idle) load();
  }, REFRESH_MS);
}

start();
