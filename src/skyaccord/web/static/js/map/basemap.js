// Country borders from Natural Earth TopoJSON (npm world-atlas, served by this server under
// /vendor/world-atlas): land filled, coastlines and land borders stroked, a light graticule.
// 1:50m when zoomed out, 1:10m (loaded on demand) when zoomed in.

import { feature, mesh } from "topojson-client";
import { packLines, tracePacked, visible } from "./geo.js";

const SOURCES = {
  "50m": "/vendor/world-atlas/countries-50m.json",
  "10m": "/vendor/world-atlas/countries-10m.json",
};
const FINE_BELOW_M_PER_PX = 1500; // switch to 1:10m when a pixel is finer than this

function rings(geom) {
  if (!geom) return [];
  if (geom.type === "Polygon") return geom.coordinates;
  if (geom.type === "MultiPolygon") return geom.coordinates.flat();
  return [];
}

async function load(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const topo = await res.json();
  const countries = topo.objects.countries;
  const land = feature(topo, topo.objects.land || countries);
  const landRings = (land.features || [land]).flatMap((f) => rings(f.geometry));
  const borders = mesh(topo, countries, (a, b) => a !== b);
  const coast = mesh(topo, countries, (a, b) => a === b);
  return {
    land: packLines(landRings),
    borders: packLines(borders.coordinates),
    coast: packLines(coast.coordinates),
  };
}

export class Basemap {
  constructor(view, { onError } = {}) {
    this.view = view;
    this.data = {};
    this.loading = {};
    this.onError = onError || (() => {});
    this.error = null;
    view.addLayer("borders", "base", (ctx, v) => this.draw(ctx, v));
    this.ensure("50m");
  }

  ensure(res) {
    if (this.data[res] || this.loading[res]) return;
    this.loading[res] = load(SOURCES[res])
      .then((d) => {
        this.data[res] = d;
        this.view.invalidate("base");
      })
      .catch((e) => {
        this.error = e.message;
        this.onError(e);
      });
  }

  draw(ctx, v) {
    const fine = v.metresPerPixel() < FINE_BELOW_M_PER_PX;
    if (fine) this.ensure("10m");
    const d = (fine && this.data["10m"]) || this.data["50m"] || this.data["10m"];
    this.graticule(ctx, v);
    if (!d) return;
    const b = v.bounds();
    let lines = 0;
    ctx.beginPath();
    for (const r of d.land) if (visible(r, b, v.lon0)) { tracePacked(ctx, v, r, true); lines++; }
    ctx.fillStyle = "#131b24";
    ctx.fill("evenodd");
    ctx.lineJoin = "round";
    ctx.beginPath();
    for (const r of d.coast) if (visible(r, b, v.lon0)) { tracePacked(ctx, v, r); lines++; }
    ctx.strokeStyle = "#2e3d4d";
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.beginPath();
    let borderLines = 0;
    for (const r of d.borders) if (visible(r, b, v.lon0)) { tracePacked(ctx, v, r); borderLines++; }
    ctx.strokeStyle = "#5b6f84";
    ctx.lineWidth = 1.2;
    ctx.setLineDash([5, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
    v.stats.borderLines = borderLines;
    v.stats.basemapLines = lines + borderLines;
    v.stats.basemap = d === this.data["10m"] ? "ne-10m" : "ne-50m";
  }

  graticule(ctx, v) {
    const b = v.bounds();
    const span = b.east - b.west;
    const step = span > 120 ? 30 : span > 40 ? 10 : span > 12 ? 5 : span > 3 ? 1 : 0.25;
    ctx.beginPath();
    for (let lon = Math.ceil(b.west / step) * step; lon <= b.east; lon += step) {
      const [x] = v.project(lon, 0);
      ctx.moveTo(x, 0);
      ctx.lineTo(x, v.h);
    }
    for (let lat = Math.ceil(b.south / step) * step; lat <= b.north; lat += step) {
      const y = v.projY(lat);
      ctx.moveTo(0, y);
      ctx.lineTo(v.w, y);
    }
    ctx.strokeStyle = "rgba(90, 120, 150, 0.12)";
    ctx.lineWidth = 1;
    ctx.stroke();
  }
}
