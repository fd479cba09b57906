// Tracks and the predicted geometry of alerts, on the "live" canvas. Built for 10k+ tracks:
// one Path2D per party for symbols and one for trails, culling to the view, labels only
// where they can be read (few tracks in view, or the track is in an alert or selected).

import { state, currentPicture, currentItems, on, emit } from "../state.js";
import { partyColor, alpha, ALERT } from "../colors.js";
import { alertColor, itemColor, secondsToEvent, bodyGeometries, itemState } from "../alertstate.js";
import { countdown, distance, flightLevel, KT } from "../format.js";
import { forD3 } from "./geo.js";
import { DenseLayer, pixel } from "./dense.js";

const LABEL_LIMIT = 400; // label every track when at most this many are in view
const LEADER_LIMIT = 2000; // draw 60 s speed leaders when at most this many are in view
const VECTOR_LIMIT = 600; // above this many in view, draw into a pixel buffer (map/dense.js)
const dense = new DenseLayer();
const D2R = Math.PI / 180;

let hit = { xs: new Float32Array(0), ys: new Float32Array(0), idx: new Int32Array(0), n: 0 };

function text(ctx, s, x, y, color) {
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(8, 12, 16, 0.92)";
  ctx.strokeText(s, x, y);
  ctx.fillStyle = color;
  ctx.fillText(s, x, y);
}

function labelFont(ctx) {
  ctx.font = "11px ui-monospace, 'DejaVu Sans Mono', monospace";
  ctx.textAlign = "left";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(8, 12, 16, 0.92)";
}

/** Track ids in alerts → the alert colour (the most urgent state wins). */
function alertTrackColors(pic) {
  const rank = { [ALERT.unacked]: 3, [ALERT.waiting]: 2, [ALERT.acked]: 1, [ALERT.cleared]: 0 };
  const m = new Map();
  const add = (ids, color) => {
    for (const id of ids || []) if (!m.has(id) || rank[color] > rank[m.get(id)]) m.set(id, color);
  };
  for (const a of pic.alerts || []) add(a.tracks, alertColor(a));
  for (const it of currentItems().values()) if (it.alert && itemState(it) !== "cleared") add(it.alert.tracks, itemColor(it));
  return m;
}

function drawDense(ctx, v, tracks, showTrails) {
  dense.begin(v.canvases.live.width, v.canvases.live.height, v.dpr);
  const colors = new Map();
  const col = (party) => {
    let c = colors.get(party);
    if (!c) colors.set(party, (c = { body: pixel(partyColor(party)), trail: pixel(partyColor(party), 0.45) }));
    return c;
  };
  if (showTrails) {
    for (let h = 0; h < hit.n; h++) {
      const t = tracks[hit.idx[h]];
      if (!t.trail || !t.trail.length) continue;
      const px = col(t.party).trail;
      let [px0, py0] = v.project(t.trail[0][1], t.trail[0][0]);
      for (let j = 1; j <= t.trail.length; j++) {
        const [x1, y1] = j < t.trail.length ? v.project(t.trail[j][1], t.trail[j][0]) : [hit.xs[h], hit.ys[h]];
        dense.line(px0, py0, x1, y1, px);
        px0 = x1;
        py0 = y1;
      }
    }
  }
  for (let h = 0; h < hit.n; h++) {
    const t = tracks[hit.idx[h]];
    dense.symbol(hit.xs[h], hit.ys[h], t.track_deg, col(t.party).body, t.coasting);
  }
  dense.end(ctx, v.w, v.h);
}

function drawVector(ctx, v, tracks, showTrails, mpp) {
  const groups = new Map();
  const group = (party) => {
    let g = groups.get(party);
    if (!g) groups.set(party, (g = { body: new Path2D(), hollow: new Path2D(), trail: new Path2D(), lead: new Path2D() }));
    return g;
  };
  const s = 7; // symbol size, px
  for (let h = 0; h < hit.n; h++) {
    const t = tracks[hit.idx[h]];
    const x = hit.xs[h];
    const y = hit.ys[h];
    const g = group(t.party);
    if (showTrails && t.trail && t.trail.length) {
      const [x0, y0] = v.project(t.trail[0][1], t.trail[0][0]);
      g.trail.moveTo(x0, y0);
      for (let j = 1; j < t.trail.length; j++) {
        const p = t.trail[j];
        const [xj, yj] = v.project(p[1], p[0]);
        g.trail.lineTo(xj, yj);
      }
      g.trail.lineTo(x, y);
    }
    const th = (t.track_deg || 0) * D2R;
    const sn = Math.sin(th);
    const cs = Math.cos(th);
    const p = t.coasting ? g.hollow : g.body;
    // chevron pointing along the track
    p.moveTo(x + s * sn, y - s * cs);
    p.lineTo(x - 0.7 * s * cs - 0.8 * s * sn, y - 0.7 * s * sn + 0.8 * s * cs);
    p.lineTo(x - 0.25 * s * sn, y + 0.25 * s * cs);
    p.lineTo(x + 0.7 * s * cs - 0.8 * s * sn, y + 0.7 * s * sn + 0.8 * s * cs);
    p.closePath();
  }
  const leaders = hit.n <= LEADER_LIMIT;
  if (leaders) {
    for (let h = 0; h < hit.n; h++) {
      const t = tracks[hit.idx[h]];
      if (!t.gs_mps) continue;
      const len = (t.gs_mps * 60) / mpp;
      if (len < 3) continue;
      const th = (t.track_deg || 0) * D2R;
      const g = group(t.party);
      g.lead.moveTo(hit.xs[h], hit.ys[h]);
      g.lead.lineTo(hit.xs[h] + len * Math.sin(th), hit.ys[h] - len * Math.cos(th));
    }
  }
  ctx.lineJoin = "round";
  for (const [party, g] of groups) {
    const c = partyColor(party);
    if (showTrails) {
      ctx.strokeStyle = alpha(c, 0.38);
      ctx.lineWidth = 1.2;
      ctx.stroke(g.trail);
    }
    if (leaders) {
      ctx.strokeStyle = alpha(c, 0.7);
      ctx.lineWidth = 1;
      ctx.stroke(g.lead);
    }
    ctx.fillStyle = c;
    ctx.fill(g.body);
    ctx.strokeStyle = c;
    ctx.lineWidth = 1.3;
    ctx.stroke(g.hollow);
  }
}

export function drawTracks(ctx, v) {
  const pic = currentPicture();
  const tracks = pic?.tracks || [];
  const n = tracks.length;
  if (hit.xs.length < n) hit = { xs: new Float32Array(n), ys: new Float32Array(n), idx: new Int32Array(n), n: 0 };
  hit.n = 0;
  v.stats.tracksTotal = n;
  v.stats.tracksDrawn = 0;
  if (!n) return;
  const t0 = performance.now();
  const alerting = alertTrackColors(pic);
  const showTrails = v.isVisible("trails");
  const showLabels = v.isVisible("labels");
  const mpp = v.metresPerPixel();
  const W = v.w + 40;
  const H = v.h + 40;
  // cull to the view and project once
  for (let i = 0; i < n; i++) {
    const t = tracks[i];
    const [x, y] = v.project(t.lon_deg, t.lat_deg);
    if (x < -40 || y < -40 || x > W || y > H) continue;
    hit.xs[hit.n] = x;
    hit.ys[hit.n] = y;
    hit.idx[hit.n] = i;
    hit.n++;
  }
  const inView = hit.n;
  if (inView > VECTOR_LIMIT) drawDense(ctx, v, tracks, showTrails);
  else drawVector(ctx, v, tracks, showTrails, mpp);
  // alert rings and the selected track
  const sel = state.selectedTrack;
  for (let h = 0; h < hit.n; h++) {
    const t = tracks[hit.idx[h]];
    const col = alerting.get(t.id);
    if (col) {
      ctx.beginPath();
      ctx.arc(hit.xs[h], hit.ys[h], 11, 0, 2 * Math.PI);
      ctx.strokeStyle = col;
      ctx.lineWidth = 2.2;
      ctx.stroke();
    }
    if (sel && t.id === sel) {
      ctx.strokeStyle = "#ffd166";
      ctx.lineWidth = 1.5;
      ctx.strokeRect(hit.xs[h] - 13, hit.ys[h] - 13, 26, 26);
    }
  }
  if (showLabels) {
    labelFont(ctx);
    const all = inView <= LABEL_LIMIT;
    for (let h = 0; h < hit.n; h++) {
      const t = tracks[hit.idx[h]];
      const col = alerting.get(t.id);
      if (!all && !col && t.id !== sel) continue;
      const x = hit.xs[h] + 10;
      const y = hit.ys[h] - 4;
      const c = col || partyColor(t.party);
      text(ctx, t.callsign || t.icao24 || t.id, x, y, c);
      const fl = `FL${flightLevel(t.alt_m)}${t.vrate_mps > 2 ? "↑" : t.vrate_mps < -2 ? "↓" : ""}`;
      const kt = t.gs_mps != null ? ` ${Math.round(t.gs_mps / KT)}` : "";
      text(ctx, fl + kt, x, y + 12, alpha(c, 0.85));
    }
  }
  v.stats.tracksDrawn = inView;
  v.stats.tracksRenderer = inView > VECTOR_LIMIT ? "pixels" : "vector";
  v.stats.tracksMs = performance.now() - t0;
}

function dashedLine(ctx, a, b) {
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}

export function drawAlertGeometry(ctx, v) {
  const pic = currentPicture();
  const byId = new Map();
  for (const t of pic?.tracks || []) byId.set(t.id, t);
  const alerts = new Map();
  for (const a of pic?.alerts || []) alerts.set(a.alert_id, a);
  for (const it of currentItems().values()) if (it.alert && !alerts.has(it.alert.alert_id) && itemState(it) !== "cleared") alerts.set(it.alert.alert_id, it.alert);
  const now = Date.now() + state.live.skewMs;
  let drawn = 0;
  labelFont(ctx);
  for (const a of alerts.values()) {
    const col = alertColor(a);
    ctx.strokeStyle = col;
    ctx.fillStyle = col;
    ctx.lineWidth = 1.8;
    const tte = secondsToEvent(a, state.mode === "replay" ? Date.parse(pic?.time) || now : now);
    if (a.kind === "separation" && a.cpa && a.cpa.length === 2) {
      const pts = a.cpa.map(([lat, lon]) => v.project(lon, lat));
      ctx.setLineDash([4, 4]);
      (a.tracks || []).forEach((id, i) => {
        const t = byId.get(id);
        if (t && pts[i]) dashedLine(ctx, v.project(t.lon_deg, t.lat_deg), pts[i]);
      });
      ctx.setLineDash([]);
      ctx.lineWidth = 2.5;
      dashedLine(ctx, pts[0], pts[1]);
      for (const p of pts) {
        ctx.beginPath();
        ctx.arc(p[0], p[1], 5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      const mx = (pts[0][0] + pts[1][0]) / 2 + 8;
      const my = (pts[0][1] + pts[1][1]) / 2 + 14;
      text(ctx, `CPA ${distance(a.dcpa_m)} · ${Math.round(a.vertical_m ?? 0)} m`, mx, my, col);
      if (tte != null) text(ctx, `LoS ${tte <= 0 ? "NOW" : "in " + countdown(tte)}`, mx, my + 12, col);
      drawn++;
    } else if (a.kind === "infringement" && a.entry_point) {
      const p = v.project(a.entry_point[1], a.entry_point[0]);
      const t = byId.get((a.tracks || [])[0]);
      if (t) {
        ctx.setLineDash([4, 4]);
        dashedLine(ctx, v.project(t.lon_deg, t.lat_deg), p);
        ctx.setLineDash([]);
      }
      ctx.beginPath();
      ctx.moveTo(p[0], p[1] - 7);
      ctx.lineTo(p[0] + 7, p[1]);
      ctx.lineTo(p[0], p[1] + 7);
      ctx.lineTo(p[0] - 7, p[1]);
      ctx.closePath();
      ctx.lineWidth = 2.5;
      ctx.stroke();
      const inside = (a.depth_m || 0) > 0;
      const what = inside ? `INSIDE ${a.airspace_id || ""} ${Math.round(a.depth_m)} m deep` : `entry ${a.airspace_id || ""}`;
      text(ctx, what, p[0] + 10, p[1] + 4, col);
      if (!inside && tte != null) text(ctx, `in ${countdown(tte)}`, p[0] + 10, p[1] + 16, col);
      drawn++;
    }
  }
  // overlaps carried by hotline items (filing notices)
  for (const it of currentItems().values()) {
    if (it.kind !== "filing" || itemState(it) === "cleared") continue;
    const col = itemColor(it);
    for (const g of bodyGeometries(it.body)) {
      ctx.beginPath();
      v.path.context(ctx)(forD3(g));
      ctx.fillStyle = alpha(col, 0.2);
      ctx.fill("evenodd");
      ctx.strokeStyle = col;
      ctx.lineWidth = 2;
      ctx.stroke();
      drawn++;
    }
  }
  v.stats.alertShapes = drawn;
}

/** The track nearest to (x, y) within r pixels, or null. */
export function trackAt(x, y, r = 12) {
  const pic = currentPicture();
  let best = -1;
  let bd = r * r;
  for (let h = 0; h < hit.n; h++) {
    const dx = hit.xs[h] - x;
    const dy = hit.ys[h] - y;
    const d = dx * dx + dy * dy;
    if (d <= bd) {
      bd = d;
      best = hit.idx[h];
    }
  }
  return best >= 0 ? pic?.tracks?.[best] || null : null;
}

export function installTrackLayers(view) {
  view.addLayer("alerts", "live", drawAlertGeometry);
  view.addLayer("tracks", "live", drawTracks);
  for (const ev of ["picture", "items", "mode", "selection"]) on(ev, () => view.invalidate("live"));
  view.on("click", ({ x, y }) => {
    if (state.drawing) return false;
    const t = trackAt(x, y);
    state.selectedTrack = t ? t.id : null;
    emit("selection", { track: t });
    return !!t;
  });
}
