// The map: a Mercator view on stacked <canvas> layers (no WebGL, no tiles). Layers register a
// draw function in one of three groups — "base" (borders, airspace, intents: redrawn when the
// view moves), "live" (tracks and alerts: redrawn on every picture) and "overlay" (drawing
// tool, hover) — so a 1 Hz picture with 10k tracks never redraws the borders.

import { geoMercator, geoPath } from "d3-geo";

const RAD = Math.PI / 180;
const MAX_LAT = 85;
const GROUPS = ["base", "live", "overlay"];

function mercY(latDeg) {
  const p = Math.max(-MAX_LAT, Math.min(MAX_LAT, latDeg)) * RAD;
  return Math.log(Math.tan(Math.PI / 4 + p / 2));
}

export class MapView {
  constructor(container, { center = [36.0, 33.5], zoom = 6 } = {}) {
    this.el = container;
    this.canvases = {};
    this.ctx = {};
    for (const g of GROUPS) {
      const c = document.createElement("canvas");
      c.dataset.layer = g;
      c.setAttribute("aria-hidden", "true");
      container.append(c);
      this.canvases[g] = c;
      this.ctx[g] = c.getContext("2d");
    }
    this.layers = [];
    this.hidden = new Set();
    this.lon0 = center[0];
    this.lat0 = center[1];
    this.k = 256 * 2 ** zoom / (2 * Math.PI); // px per radian
    this.dirty = new Set(GROUPS);
    this.frame = 0;
    this.listeners = { click: [], move: [], view: [], key: [] };
    this.stats = {};
    this.projection = geoMercator();
    this.path = geoPath(this.projection);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
    this.bindInput();
  }

  // --- geometry ------------------------------------------------------------------------------

  syncProjection() {
    this.projection
      .rotate([-this.lon0, 0])
      .center([0, this.lat0])
      .scale(this.k)
      .translate([this.w / 2, this.h / 2])
      .clipExtent([[-10, -10], [this.w + 10, this.h + 10]]);
    this.y0 = mercY(this.lat0);
  }

  /** [lon, lat] → [x, y] in CSS pixels (fast path, same as the d3 projection). */
  project(lon, lat) {
    let d = (lon - this.lon0) * RAD;
    if (d > Math.PI) d -= 2 * Math.PI;
    else if (d < -Math.PI) d += 2 * Math.PI;
    return [this.w / 2 + this.k * d, this.h / 2 - this.k * (mercY(lat) - this.y0)];
  }

  projY(lat) {
    return this.h / 2 - this.k * (mercY(lat) - this.y0);
  }

  invert(x, y) {
    const lon = this.lon0 + (x - this.w / 2) / this.k / RAD;
    const my = this.y0 - (y - this.h / 2) / this.k;
    const lat = (2 * Math.atan(Math.exp(my)) - Math.PI / 2) / RAD;
    return [((lon + 540) % 360) - 180, lat];
  }

  /** The visible box {west, east, south, north} (east may exceed 180 across the antimeridian). */
  bounds() {
    const [w, n] = this.invert(0, 0);
    const [, s] = this.invert(this.w, this.h);
    const half = this.w / 2 / this.k / RAD;
    return { west: this.lon0 - half, east: this.lon0 + half, south: s, north: n, w };
  }

  /** Metres per CSS pixel at the centre. */
  metresPerPixel() {
    return (6371008.8 * Math.cos(this.lat0 * RAD)) / this.k;
  }

  setView(lon, lat, k = this.k) {
    this.lon0 = ((lon + 540) % 360) - 180;
    this.lat0 = Math.max(-80, Math.min(80, lat));
    this.k = Math.max(80, Math.min(2e7, k));
    this.syncProjection();
    this.invalidate();
    for (const f of this.listeners.view) f(this);
  }

  /** Fit [[west, south], [east, north]] with a margin (px). */
  fit([[w, s], [e, n]], margin = 40) {
    if (e < w) e += 360;
    const kx = ((this.w - 2 * margin) / ((e - w) * RAD)) || this.k;
    const ky = ((this.h - 2 * margin) / (mercY(n) - mercY(s))) || this.k;
    const k = Math.min(kx, ky, 2e6);
    const yc = (mercY(n) + mercY(s)) / 2;
    const lat = (2 * Math.atan(Math.exp(yc)) - Math.PI / 2) / RAD;
    this.setView((w + e) / 2, lat, Number.isFinite(k) && k > 0 ? k : this.k);
  }

  zoomAt(factor, x = this.w / 2, y = this.h / 2) {
    const [lon, lat] = this.invert(x, y);
    const k = Math.max(80, Math.min(2e7, this.k * factor));
    // keep (lon, lat) under (x, y)
    const lon0 = lon - (x - this.w / 2) / k / RAD;
    const my = mercY(lat) + (y - this.h / 2) / k;
    const lat0 = (2 * Math.atan(Math.exp(my)) - Math.PI / 2) / RAD;
    this.setView(lon0, lat0, k);
  }

  panBy(dx, dy) {
    const lon0 = this.lon0 - dx / this.k / RAD;
    const my = this.y0 + dy / this.k;
    const lat0 = (2 * Math.atan(Math.exp(my)) - Math.PI / 2) / RAD;
    this.setView(lon0, lat0, this.k);
  }

  // --- drawing -------------------------------------------------------------------------------

  addLayer(name, group, draw) {
    this.layers.push({ name, group, draw, visible: true });
    this.invalidate(group);
  }

  /** Shows or hides a layer, or an option layers consult (e.g. "trails", "labels"). */
  setVisible(name, visible) {
    if (visible) this.hidden.delete(name);
    else this.hidden.add(name);
    for (const l of this.layers) if (l.name === name) l.visible = visible;
    this.invalidate();
  }

  isVisible(name) {
    return !this.hidden.has(name);
  }

  invalidate(group) {
    if (group) this.dirty.add(group);
    else GROUPS.forEach((g) => this.dirty.add(g));
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    for (const g of GROUPS) {
      if (!this.dirty.has(g)) continue;
      this.dirty.delete(g);
      const ctx = this.ctx[g];
      const t0 = performance.now();
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      ctx.clearRect(0, 0, this.w, this.h);
      for (const l of this.layers) {
        if (l.group !== g || !l.visible) continue;
        ctx.save();
        const tl = performance.now();
        try {
          l.draw(ctx, this);
          this.stats[`${l.name}LayerMs`] = performance.now() - tl;
        } catch (e) {
          console.error(`layer ${l.name}:`, e);
        }
        ctx.restore();
      }
      this.stats[`${g}Ms`] = performance.now() - t0;
    }
    this.stats.renders = (this.stats.renders || 0) + 1;
  }

  resize() {
    const r = this.el.getBoundingClientRect();
    this.w = Math.max(1, Math.round(r.width));
    this.h = Math.max(1, Math.round(r.height));
    this.dpr = window.devicePixelRatio || 1;
    for (const c of Object.values(this.canvases)) {
      c.width = Math.round(this.w * this.dpr);
      c.height = Math.round(this.h * this.dpr);
      c.style.width = `${this.w}px`;
      c.style.height = `${this.h}px`;
    }
    this.syncProjection();
    this.invalidate();
  }

  // --- input ---------------------------------------------------------------------------------

  on(event, fn) {
    this.listeners[event].push(fn);
  }

  bindInput() {
    const el = this.el;
    let drag = null;
    el.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, moved: false, id: e.pointerId };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener("pointermove", (e) => {
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      for (const f of this.listeners.move) f({ x, y, lonlat: this.invert(x, y) });
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      drag.x = e.clientX;
      drag.y = e.clientY;
      this.panBy(dx, dy);
    });
    const end = (e) => {
      if (!drag) return;
      const wasClick = !drag.moved;
      drag = null;
      if (!wasClick) return;
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      for (const f of this.listeners.click) if (f({ x, y, lonlat: this.invert(x, y), event: e })) break;
    };
    el.addEventListener("pointerup", end);
    el.addEventListener("pointercancel", () => (drag = null));
    el.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = el.getBoundingClientRect();
        this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    el.addEventListener("dblclick", (e) => {
      const r = el.getBoundingClientRect();
      if (this.listeners.key.some((f) => f({ key: "dblclick", event: e }))) return;
      this.zoomAt(2, e.clientX - r.left, e.clientY - r.top);
    });
    el.addEventListener("keydown", (e) => {
      if (this.listeners.key.some((f) => f({ key: e.key, event: e }))) {
        e.preventDefault();
        return;
      }
      const step = e.shiftKey ? 200 : 60;
      const keys = {
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
        "+": () => this.zoomAt(1.5),
        "=": () => this.zoomAt(1.5),
        "-": () => this.zoomAt(1 / 1.5),
        _: () => this.zoomAt(1 / 1.5),
      };
      const f = keys[e.key];
      if (f) {
        e.preventDefault();
        e.stopPropagation();
        f();
      }
    });
  }
}
