// Drawing many tracks fast without WebGL: symbols and trails are written straight into a pixel
// buffer (Uint32Array over ImageData), then put on the canvas in one drawImage. Canvas path
// calls cost microseconds each in software rendering; a pixel write costs nanoseconds.

const BUCKETS = 16; // heading buckets for the symbol masks
const masks = new Map(); // size → [bucket] → Int16Array of (dx, dy) pairs

function symbolMasks(size) {
  if (masks.has(size)) return masks.get(size);
  const n = size * 2 + 3;
  const c = document.createElement("canvas");
  c.width = c.height = n;
  const g = c.getContext("2d", { willReadFrequently: true });
  const out = [];
  for (let b = 0; b < BUCKETS; b++) {
    g.clearRect(0, 0, n, n);
    g.save();
    g.translate(n / 2, n / 2);
    g.rotate((b * 2 * Math.PI) / BUCKETS);
    g.beginPath();
    g.moveTo(0, -size);
    g.lineTo(0.8 * size, 0.7 * size);
    g.lineTo(0, 0.25 * size);
    g.lineTo(-0.8 * size, 0.7 * size);
    g.closePath();
    g.fillStyle = "#fff";
    g.fill();
    g.restore();
    const d = g.getImageData(0, 0, n, n).data;
    const pts = [];
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (d[(y * n + x) * 4 + 3] > 110) pts.push(x - (n >> 1), y - (n >> 1));
    out.push(Int16Array.from(pts));
  }
  masks.set(size, out);
  return out;
}

/** "#rrggbb" and alpha 0..1 → a little-endian RGBA pixel. */
export function pixel(hex, a = 1) {
  const n = parseInt(hex.slice(1), 16);
  return (((a * 255) & 255) << 24 | (n & 255) << 16 | (n & 0xff00) | (n >> 16) & 255) >>> 0;
}

export class DenseLayer {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d");
  }

  begin(width, height, dpr) {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.image = this.ctx.createImageData(width, height);
      this.buf = new Uint32Array(this.image.data.buffer);
    } else this.buf.fill(0);
    this.w = width;
    this.h = height;
    this.dpr = dpr;
    this.size = Math.max(3, Math.round(5 * dpr));
    this.masks = symbolMasks(this.size);
  }

  /** A line from (x0, y0) to (x1, y1) in CSS pixels (Bresenham; clipped per pixel). */
  line(x0, y0, x1, y1, px) {
    const d = this.dpr;
    let ax = Math.round(x0 * d);
    let ay = Math.round(y0 * d);
    const bx = Math.round(x1 * d);
    const by = Math.round(y1 * d);
    const dx = Math.abs(bx - ax);
    const dy = -Math.abs(by - ay);
    if (dx > 4000 || -dy > 4000) return; // a jump, not a trail
    const sx = ax < bx ? 1 : -1;
    const sy = ay < by ? 1 : -1;
    let err = dx + dy;
    const { buf, w, h } = this;
    for (;;) {
      if (ax >= 0 && ay >= 0 && ax < w && ay < h) buf[ay * w + ax] = px;
      if (ax === bx && ay === by) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        ax += sx;
      }
      if (e2 <= dx) {
        err += dx;
        ay += sy;
      }
    }
  }

  /** A track symbol at (x, y) CSS pixels pointing along `trackDeg`; hollow when coasting. */
  symbol(x, y, trackDeg, px, hollow = false) {
    const b = Math.round(((((trackDeg || 0) % 360) + 360) % 360) / (360 / BUCKETS)) % BUCKETS;
    const m = this.masks[b];
    const cx = Math.round(x * this.dpr);
    const cy = Math.round(y * this.dpr);
    const { buf, w, h } = this;
    for (let i = 0; i < m.length; i += 2) {
      if (hollow && i % 4) continue; // a dotted symbol reads as "not current"
      const xx = cx + m[i];
      const yy = cy + m[i + 1];
      if (xx >= 0 && yy >= 0 && xx < w && yy < h) buf[yy * w + xx] = px;
    }
  }

  /** Puts the buffer on `ctx` (whose transform maps CSS pixels by dpr). */
  end(ctx, cssW, cssH) {
    this.ctx.putImageData(this.image, 0, 0);
    ctx.drawImage(this.canvas, 0, 0, cssW, cssH);
  }
}
