// Polygons on the map: protected airspace, own intents, conflict overlaps and the filing
// preview. Drawn with d3-geo (great-circle edges, clipped to the view), coloured by party.

import { geoCentroid } from "d3-geo";
import { state, on } from "../state.js";
import { partyColor, alpha, ALERT } from "../colors.js";
import { forD3 } from "./geo.js";
import { altitude, LENGTH_UNITS } from "../format.js";

let hatchCache = new Map();

function hatch(ctx, color) {
  if (hatchCache.has(color)) return hatchCache.get(color);
  const c = document.createElement("canvas");
  c.width = c.height = 8;
  const g = c.getContext("2d");
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(-2, 10);
  g.lineTo(10, -2);
  g.moveTo(-2, 2);
  g.lineTo(2, -2);
  g.moveTo(6, 10);
  g.lineTo(10, 6);
  g.stroke();
  const p = ctx.createPattern(c, "repeat");
  hatchCache.set(color, p);
  return p;
}

function label(ctx, v, geom, text, color) {
  if (!text) return;
  const [lon, lat] = geoCentroid(geom);
  const [x, y] = v.project(lon, lat);
  if (x < 0 || y < 0 || x > v.w || y > v.h) return;
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(8, 12, 16, 0.9)";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

const DASH = { sovereign: [], buffer: [8, 4], restricted: [2, 3], reservation: [10, 3, 2, 3] };

export function drawAirspace(ctx, v) {
  let n = 0;
  const showLabels = v.metresPerPixel() < 2000;
  for (const a of state.airspace) {
    if (!a.geo) continue;
    const color = partyColor(a.owner);
    const hi = state.highlight?.kind === "airspace" && state.highlight.id === a.id;
    ctx.beginPath();
    v.path.context(ctx)(a.geo);
    ctx.fillStyle = alpha(color, hi ? 0.16 : 0.06);
    ctx.fill("evenodd");
    ctx.setLineDash(DASH[a.kind] || [6, 3]);
    ctx.strokeStyle = alpha(color, hi ? 1 : 0.75);
    ctx.lineWidth = hi ? 2.5 : 1.4;
    ctx.stroke();
    ctx.setLineDash([]);
    if (showLabels || hi) label(ctx, v, a.geo, a.name || a.id, alpha(color, 0.9));
    n += 1;
  }
  v.stats.airspaceDrawn = n;
}

export function drawIntents(ctx, v) {
  let own = 0;
  let overlaps = 0;
  const now = Date.now();
  for (const it of state.intents) {
    if (!it.geo || it.state === "Ended") continue;
    const color = partyColor(it.owner);
    const hi = state.highlight?.kind === "intent" && state.highlight.id === it.id;
    const future = Date.parse(it.time_start) > now;
    ctx.beginPath();
    v.path.context(ctx)(it.geo);
    ctx.fillStyle = alpha(color, hi ? 0.3 : future ? 0.1 : 0.18);
    ctx.fill("evenodd");
    ctx.setLineDash(future ? [6, 4] : []);
    ctx.strokeStyle = color;
    ctx.lineWidth = hi ? 3 : 1.8;
    ctx.stroke();
    ctx.setLineDash([]);
    label(ctx, v, it.geo, `${it.id} ${it.band || ""}`, color);
    own += 1;
  }
  // what conflicts reveal of other parties' operations (and of own ones, to them): overlaps
  for (const c of state.conflicts) {
    for (const o of c.geos || []) {
      const hi = state.highlight?.kind === "conflict" && state.highlight.id === c.id;
      ctx.beginPath();
      v.path.context(ctx)(o);
      ctx.fillStyle = hatch(ctx, alpha(ALERT.waiting, hi ? 0.9 : 0.55));
      ctx.fill("evenodd");
      ctx.strokeStyle = alpha(ALERT.waiting, hi ? 1 : 0.8);
      ctx.lineWidth = hi ? 2.5 : 1.2;
      ctx.stroke();
      if (hi || v.metresPerPixel() < 800) {
        const other = c.intent_owner === state.me?.party ? `${c.other_owner}:${c.other_id}` : `${c.intent_owner}:${c.intent_id}`;
        label(ctx, v, o, `overlap · ${other}`, ALERT.waiting);
      }
      overlaps += 1;
    }
  }
  v.stats.intentsDrawn = own;
  v.stats.overlapsDrawn = overlaps;
}

export function drawPreview(ctx, v) {
  const p = state.preview;
  if (!p) return;
  if (p.geo) {
    ctx.beginPath();
    v.path.context(ctx)(p.geo);
    ctx.fillStyle = "rgba(220, 230, 240, 0.10)";
    ctx.fill("evenodd");
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = "#dfe7ef";
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const o of p.overlaps || []) {
    ctx.beginPath();
    v.path.context(ctx)(o.geo);
    ctx.fillStyle = hatch(ctx, alpha(ALERT.preview, 0.85));
    ctx.fill("evenodd");
    ctx.strokeStyle = ALERT.preview;
    ctx.lineWidth = 2;
    ctx.stroke();
    label(ctx, v, o.geo, o.label, "#ffb3ad");
  }
  v.stats.previewOverlaps = (p.overlaps || []).length;
}

/** GeoJSON geometry for the map (d3 winding) of a stored intent's F3548 volumes. */
export function intentGeometry(it) {
  const polys = [];
  for (const v4 of it.volumes || []) {
    const vol = v4.volume || {};
    if (vol.outline_polygon) {
      const ring = vol.outline_polygon.vertices.map((p) => [p.lng, p.lat]);
      ring.push(ring[0]);
      polys.push([ring]);
    } else if (vol.outline_circle) {
      const ring = circleRing(vol.outline_circle);
      if (ring) polys.push([ring]);
    }
  }
  const band = it.volumes?.[0]?.volume
    ? `${altitude(it.volumes[0].volume.altitude_lower)}–${altitude(it.volumes[0].volume.altitude_upper)}`
    : "";
  it.band = band;
  return polys.length ? forD3({ type: "MultiPolygon", coordinates: polys }) : null;
}

function circleRing(c) {
  const R = 6371008.8;
  const f = LENGTH_UNITS[String(c.radius.units || "M").toUpperCase()];
  if (f == null) return null; // not a length unit the server sends: draw nothing rather than guess
  const r = (c.radius.value * f) / R;
  const lat = (c.center.lat * Math.PI) / 180;
  const lon = (c.center.lng * Math.PI) / 180;
  const ring = [];
  for (let i = 0; i <= 64; i++) {
    const b = (-i / 64) * 2 * Math.PI;
    const la = Math.asin(Math.sin(lat) * Math.cos(r) + Math.cos(lat) * Math.sin(r) * Math.cos(b));
    const lo = lon + Math.atan2(Math.sin(b) * Math.sin(r) * Math.cos(lat), Math.cos(r) - Math.sin(lat) * Math.sin(la));
    ring.push([(lo * 180) / Math.PI, (la * 180) / Math.PI]);
  }
  return ring;
}

export function installShapeLayers(view) {
  view.addLayer("airspace", "base", drawAirspace);
  view.addLayer("intents", "base", drawIntents);
  view.addLayer("preview", "overlay", drawPreview);
  on("airspace", () => view.invalidate("base"));
  on("intents", () => view.invalidate("base"));
  on("highlight", () => view.invalidate("base"));
  on("preview", () => view.invalidate("overlay"));
}
