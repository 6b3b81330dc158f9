// Access to the indicator API. The bearer token lives in sessionStorage (this tab only); it comes
// from the URL fragment, which browsers never send to the server, or from the login form.
const KEY = "pilar.dasbor.token";

/** The API refused the token (401) or the region (403). */
export class AccessError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Take `#token=...` out of the address bar into sessionStorage; return the other fragment values. */
export function takeFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) {
    sessionStorage.setItem(KEY, token.trim());
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return params;
}

export const hasToken = () => Boolean(sessionStorage.getItem(KEY));
export const saveToken = (token) => sessionStorage.setItem(KEY, token.trim());
export const forgetToken = () => sessionStorage.removeItem(KEY);

/** GET a JSON document; empty parameters are left out (no region = the caller's own region). */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) query.set(name, String(value));
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` },
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  if (response.status === 401) {
    throw new AccessError(401, "Token tidak berlaku atau sudah kedaluwarsa. Silakan masuk lagi.");
  }
  if (response.status === 403) {
    throw new AccessError(403, "Anda tidak berhak melihat wilayah ini.");
  }
  if (!response.ok) {
    throw new Error(`Gagal memuat ${path} (HTTP ${response.status}).`);
  }
  return response.json();
}

/** Reference data served with the page (province tiles, hazard and stage names); no token. */
export async function getReference() {
  const response = await fetch("dashboard/reference.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`Gagal memuat data rujukan (HTTP ${response.status}).`);
  return response.json();
}
