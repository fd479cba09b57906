// Drawing an area on the map: click to add vertices (or, from the keyboard, pan with the
// arrows and press V to add the point under the centre cross), Enter or double-click
// finishes, Backspace removes the last vertex, Esc cancels.

import { state, emit } from "../state.js";

export class DrawTool {
  constructor(view, hintEl) {
    this.view = view;
    this.hint = hintEl;
    this.cursor = null;
    view.addLayer("draw", "overlay", (ctx, v) => this.draw(ctx, v));
    view.on("click", ({ lonlat }) => {
      if (!state.drawing) return false;
      this.add(lonlat);
      return true;
    });
    view.on("move", ({ lonlat }) => {
      if (!state.drawing) return;
      this.cursor = lonlat;
      view.invalidate("overlay");
    });
    view.on("key", ({ key, event }) => {
      if (!state.drawing) return false;
      if (key === "Enter" || key === "dblclick") this.finish();
      else if (key === "Escape") this.cancel();
      else if (key === "Backspace") this.undo();
      else if (key === "v" || key === "V") this.add(view.invert(view.w / 2, view.h / 2));
      else return false;
      event?.preventDefault?.();
      return true;
    });
  }

  start() {
    state.drawing = { points: [] };
    this.view.el.classList.add("drawing");
    this.view.el.focus();
    this.say();
    emit("drawing", true);
    this.view.invalidate("overlay");
  }

  say() {
    const n = state.drawing?.points.length || 0;
    this.hint.hidden = !state.drawing;
    this.hint.textContent =
      `Drawing: ${n} point${n === 1 ? "" : "s"} — click (or V at the centre cross) to add, ` +
      "Enter to finish, Backspace to undo, Esc to cancel";
  }

  add(lonlat) {
    state.drawing.points.push([+lonlat[0].toFixed(5), +lonlat[1].toFixed(5)]);
    this.say();
    this.view.invalidate("overlay");
  }

  undo() {
    state.drawing.points.pop();
    this.say();
    this.view.invalidate("overlay");
  }

  finish() {
    const pts = [];
    for (const p of state.drawing?.points || []) {
      const q = pts[pts.length - 1];
      if (!q || Math.abs(q[0] - p[0]) > 1e-4 || Math.abs(q[1] - p[1]) > 1e-4) pts.push(p);
    }
    this.stop();
    if (pts.length < 3) {
      emit("drawn", null);
      return;
    }
    emit("drawn", { type: "Polygon", coordinates: [[...pts, pts[0]]] });
  }

  cancel() {
    this.stop();
    emit("drawn", null);
  }

  stop() {
    state.drawing = null;
    this.view.el.classList.remove("drawing");
    this.hint.hidden = true;
    emit("drawing", false);
    this.view.invalidate("overlay");
  }

  draw(ctx, v) {
    if (!state.drawing) return;
    const cx = v.w / 2;
    const cy = v.h / 2;
    ctx.strokeStyle = "rgba(255, 209, 102, 0.7)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(cx - 10, cy);
    ctx.lineTo(cx + 10, cy);
    ctx.moveTo(cx, cy - 10);
    ctx.lineTo(cx, cy + 10);
    ctx.stroke();
    const pts = state.drawing.points.map(([lon, lat]) => v.project(lon, lat));
    if (!pts.length) return;
    ctx.beginPath();
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
    if (this.cursor) {
      const c = v.project(this.cursor[0], this.cursor[1]);
      ctx.lineTo(c[0], c[1]);
    }
    ctx.closePath();
    ctx.fillStyle = "rgba(255, 209, 102, 0.12)";
    ctx.fill();
    ctx.strokeStyle = "#ffd166";
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.fillStyle = "#ffd166";
    for (const p of pts) ctx.fillRect(p[0] - 3, p[1] - 3, 6, 6);
  }
}
