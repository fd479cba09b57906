// Geometry helpers for drawing: winding for d3-geo, bounding boxes, and a fast canvas tracer
// for dense vector data (borders) with culling and longitude unwrapping.

import { geoArea, geoBounds } from "d3-geo";

/** A GeoJSON geometry with rings wound as d3-geo expects (spherical: the smaller region is
 *  inside). GeoJSON from other tools often uses the opposite (RFC 7946) winding. */
export function forD3(geometry) {
  if (!geometry) return geometry;
  const fixPoly = (rings) => {
    const poly = { type: "Polygon", coordinates: rings };
    return geoArea(poly) > 2 * Math.PI ? rings.map((r) => [...r].reverse()) : rings;
  };
  if (geometry.type === "Polygon") return { type: "Polygon", coordinates: fixPoly(geometry.coordinates) };
  if (geometry.type === "MultiPolygon") return { type: "MultiPolygon", coordinates: geometry.coordinates.map(fixPoly) };
  if (geometry.type === "Feature") return { ...geometry, geometry: forD3(geometry.geometry) };
  if (geometry.type === "FeatureCollection") return { ...geometry, features: geometry.features.map(forD3) };
  if (geometry.type === "GeometryCollection") return { ...geometry, geometries: geometry.geometries.map(forD3) };
  return geometry;
}

/** [[west, south], [east, north]] of a GeoJSON object (east < west across the antimeridian). */
export function bbox(obj) {
  return geoBounds(obj);
}

/** Union of boxes (ignores the antimeridian subtleties; good enough to fit a view). */
export function unionBoxes(boxes) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const b of boxes) {
    if (!b) continue;
    let [[bw, bs], [be, bn]] = b;
    if (be < bw) be += 360;
    w = Math.min(w, bw); s = Math.min(s, bs); e = Math.max(e, be); n = Math.max(n, bn);
  }
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** Dense lines/rings packed for fast drawing: {coords: Float64Array [lon, lat, ...], w, s, e, n}. */
export function packLines(lines) {
  return lines
    .filter((l) => l.length >= 2)
    .map((l) => {
      const coords = new Float64Array(l.length * 2);
      let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
      let prev = l[0][0];
      let off = 0;
      for (let i = 0; i < l.length; i++) {
        let lon = l[i][0] + off;
        // unwrap: keep consecutive longitudes continuous
        if (lon - prev > 180) { off -= 360; lon -= 360; } else if (lon - prev < -180) { off += 360; lon += 360; }
        prev = lon;
        const lat = l[i][1];
        coords[2 * i] = lon;
        coords[2 * i + 1] = lat;
        if (lon < w) w = lon; if (lon > e) e = lon; if (lat < s) s = lat; if (lat > n) n = lat;
      }
      return { coords, w, s, e, n };
    });
}

/** Does a packed line's box meet the view's box (in longitudes relative to the view centre)? */
export function visible(item, b, lon0) {
  if (item.n < b.south || item.s > b.north) return false;
  if (item.e - item.w >= 360) return true;
  // shift the item's longitudes to the window around lon0
  let shift = Math.round((lon0 - (item.w + item.e) / 2) / 360) * 360;
  return item.e + shift >= b.west && item.w + shift <= b.east;
}

/** Adds a packed line to the current canvas path (moveTo/lineTo) with the fast projection;
 *  returns the number of points. */
export function tracePacked(ctx, view, item, close = false) {
  const c = item.coords;
  const n = c.length / 2;
  // continuous from the first point, shifted to the window around the centre
  const [x0, y0] = view.project(c[0], c[1]);
  const lonShift = c[0];
  const k = view.k * Math.PI / 180;
  ctx.moveTo(x0, y0);
  let lastX = x0, lastY = y0;
  for (let i = 1; i < n; i++) {
    const x = x0 + k * (c[2 * i] - lonShift);
    const y = view.projY(c[2 * i + 1]);
    if (Math.abs(x - lastX) < 0.6 && Math.abs(y - lastY) < 0.6 && i < n - 1) continue;
    ctx.lineTo(x, y);
    lastX = x;
    lastY = y;
  }
  if (close) ctx.closePath();
  return n;
}
