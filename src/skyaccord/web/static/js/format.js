// Formatting for people: times in UTC, altitudes as flight levels and metres, distances in
// km and NM, countdowns as m:ss. Pure functions.

// metres per unit: the one place the console converts units
export const FT = 0.3048;
export const NM = 1852;
export const KT = NM / 3600;
export const FT_PER_MIN = FT / 60;
export const LENGTH_UNITS = { M: 1, KM: 1000, FT, NM };

export function utc(ms, { seconds = true } = {}) {
  if (ms == null || Number.isNaN(ms)) return "—";
  const s = new Date(ms).toISOString();
  return s.slice(11, seconds ? 19 : 16) + "Z";
}

export function utcDate(ms) {
  if (ms == null || Number.isNaN(ms)) return "—";
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}Z`;
}

export function parseTime(v) {
  if (v == null) return NaN;
  if (typeof v === "object") v = v.value;
  return Date.parse(v);
}

/** "FL190 (5791 m)"; `alt` is metres or a wire altitude {value, units, reference}. */
export function altitude(alt) {
  if (alt == null) return "—";
  if (typeof alt === "object") {
    const u = String(alt.units || "M").toUpperCase();
    if (u === "FL") return `FL${Math.round(alt.value)}`;
    if (u === "FT") return `${Math.round(alt.value)} ft`;
    return `${Math.round(alt.value)} m`;
  }
  return `FL${String(Math.round(alt / FT / 100)).padStart(3, "0")}`;
}

export function flightLevel(m) {
  if (m == null || Number.isNaN(m)) return "";
  return String(Math.max(0, Math.round(m / FT / 100))).padStart(3, "0");
}

export function distance(m) {
  if (m == null) return "—";
  if (m < 10000) return `${(m / 1000).toFixed(2)} km (${(m / NM).toFixed(1)} NM)`;
  return `${(m / 1000).toFixed(0)} km (${(m / NM).toFixed(0)} NM)`;
}

export function knots(mps) {
  return mps == null ? "—" : `${Math.round(mps / KT)} kt`;
}

export function feetPerMinute(mps) {
  return mps == null ? "—" : `${Math.round(mps / FT_PER_MIN)} ft/min`;
}

/** 95 → "1:35", -3 → "-0:03". */
export function countdown(s) {
  if (s == null || Number.isNaN(s)) return "—";
  const neg = s < 0;
  const a = Math.abs(Math.round(s));
  const m = Math.floor(a / 60);
  const r = String(a % 60).padStart(2, "0");
  const h = Math.floor(m / 60);
  const body = h > 0 ? `${h}:${String(m % 60).padStart(2, "0")}:${r}` : `${m}:${r}`;
  return (neg ? "-" : "") + body;
}

export function area(m2) {
  if (m2 == null) return "—";
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(1)} km²` : `${Math.round(m2)} m²`;
}

/** A tiny element builder: el("li", {class: "x", onclick: f}, child, "text", ...). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
