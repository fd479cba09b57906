// Filing an operational intent: an area drawn on the map or pasted as GeoJSON, altitudes and a
// time window; "Check conflicts" runs POST /v1/intents?dry_run=true and shows the conflicts,
// notice violations or the 409 listing the overlapping intents whose current version (OVN) was
// not presented; "File" commits exactly what was checked.

import { api, ApiError } from "./api.js";
import { state, emit, on, may } from "./state.js";
import { el, utcDate, area, altitude } from "./format.js";
import { forD3 } from "./map/geo.js";

const pad = (n) => String(n).padStart(2, "0");

/** ms → "YYYY-MM-DD HH:MM" (UTC, 24 h: the same for every officer whatever the locale). */
function toInput(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "YYYY-MM-DD HH:MM[:SS]" or with a T, in UTC → RFC 3339; anything else is passed on for the
 *  server to name the field and the reason. */
function fromInput(v) {
  const m = /^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?Z?\s*$/.exec(v || "");
  return m ? `${m[1]}T${m[2]}${m[3] || ":00"}Z` : (v || "").trim() || null;
}

/** Pasted GeoJSON → {geometry, properties} (Polygon, MultiPolygon, or Point with a radius). */
export function parseArea(text) {
  const o = JSON.parse(text);
  const props = {};
  const polys = [];
  let point = null;
  const take = (g, p) => {
    if (!g) return;
    if (p) Object.assign(props, p);
    if (g.type === "Polygon") polys.push(g.coordinates);
    else if (g.type === "MultiPolygon") polys.push(...g.coordinates);
    else if (g.type === "Point") point = g;
    else if (g.type === "Feature") take(g.geometry, g.properties);
    else if (g.type === "FeatureCollection") g.features.forEach((f) => take(f.geometry, f.properties));
    else if (g.type === "GeometryCollection") g.geometries.forEach((x) => take(x));
    else throw new Error(`unsupported GeoJSON type ${g.type}`);
  };
  take(o);
  if (point && !polys.length) {
    if (!props.radius) throw new Error("a Point needs a radius property, e.g. {\"value\": 5, \"units\": \"NM\"}");
    return { geometry: point, properties: props };
  }
  if (!polys.length) throw new Error("no Polygon in the GeoJSON");
  const geometry = polys.length === 1 ? { type: "Polygon", coordinates: polys[0] } : { type: "MultiPolygon", coordinates: polys };
  return { geometry, properties: props };
}

export class FilingPanel {
  constructor(form, { draw, onFocus, onFiled }) {
    this.f = form;
    this.draw = draw;
    this.onFocus = onFocus;
    this.onFiled = onFiled;
    this.$ = (id) => form.querySelector(`#${id}`);
    this.result = this.$("filing-result");
    this.checked = null; // the body that last passed the check
    const now = Date.now();
    this.$("f-t0").value = toInput(now + 30 * 60000);
    this.$("f-t1").value = toInput(now + 2 * 3600000);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.check();
    });
    this.$("f-commit").addEventListener("click", () => this.commit());
    this.$("f-draw").addEventListener("click", () => (state.drawing ? this.draw.finish() : this.draw.start()));
    this.$("f-clear").addEventListener("click", () => {
      this.$("f-geojson").value = "";
      this.changed();
    });
    form.addEventListener("input", () => this.changed());
    this.$("f-geojson").addEventListener("change", () => this.fromPaste());
    on("drawn", (g) => {
      if (g) {
        this.$("f-geojson").value = JSON.stringify(g);
        this.changed();
      }
      this.$("f-geojson").focus();
    });
    on("drawing", (d) => {
      this.$("f-draw").setAttribute("aria-pressed", d ? "true" : "false");
      this.$("f-draw").textContent = d ? "Finish drawing (Enter)" : "Draw on map (D)";
    });
  }

  applyRole() {
    const ok = may("file");
    const note = this.$("filing-role");
    note.hidden = ok;
    note.textContent = ok ? "" : `Your role (${state.me?.role}) may check filings but not file them; planners and admins file.`;
  }

  /** Read properties out of pasted GeoJSON into the form (altitudes and times). */
  fromPaste() {
    const text = this.$("f-geojson").value.trim();
    if (!text) return;
    try {
      const { properties: p } = parseArea(text);
      const alt = (x) => (typeof x === "string" ? x : x && x.value != null ? `${x.value} ${String(x.units).toLowerCase() === "fl" ? "" : x.units}`.trim() : null);
      if (p.altitude_lower) this.$("f-alt-lo").value = typeof p.altitude_lower === "object" && String(p.altitude_lower.units).toUpperCase() === "FL" ? `FL${p.altitude_lower.value}` : alt(p.altitude_lower);
      if (p.altitude_upper) this.$("f-alt-hi").value = typeof p.altitude_upper === "object" && String(p.altitude_upper.units).toUpperCase() === "FL" ? `FL${p.altitude_upper.value}` : alt(p.altitude_upper);
      const t = (x) => Date.parse(typeof x === "object" ? x.value : x);
      if (p.time_start && !Number.isNaN(t(p.time_start))) this.$("f-t0").value = toInput(t(p.time_start));
      if (p.time_end && !Number.isNaN(t(p.time_end))) this.$("f-t1").value = toInput(t(p.time_end));
    } catch {
      /* reported on check */
    }
    this.changed();
  }

  changed() {
    this.checked = null;
    this.$("f-commit").disabled = true;
    this.$("f-commit").title = "Run the check first";
    let geo = null;
    try {
      const text = this.$("f-geojson").value.trim();
      if (text) {
        const { geometry } = parseArea(text);
        if (geometry.type !== "Point") geo = forD3(geometry);
      }
    } catch {
      geo = null;
    }
    state.preview = geo ? { geo, overlaps: [] } : null;
    emit("preview");
  }

  body() {
    const text = this.$("f-geojson").value.trim();
    if (!text) throw new Error("Area: draw a polygon on the map or paste GeoJSON");
    let parsed;
    try {
      parsed = parseArea(text);
    } catch (e) {
      throw new Error(`GeoJSON: ${e.message}`);
    }
    let details;
    try {
      details = JSON.parse(this.$("f-details").value || "{}");
    } catch (e) {
      throw new Error(`Details: not JSON (${e.message})`);
    }
    const properties = {
      altitude_lower: this.$("f-alt-lo").value.trim(),
      altitude_upper: this.$("f-alt-hi").value.trim(),
      time_start: fromInput(this.$("f-t0").value),
      time_end: fromInput(this.$("f-t1").value),
    };
    if (parsed.geometry.type === "Point") properties.radius = parsed.properties.radius;
    const body = {
      geojson: { type: "Feature", properties, geometry: parsed.geometry },
      state: this.$("f-state").value,
      priority: Number(this.$("f-priority").value || 0),
      details,
      key: this.$("f-key").value.split(/\s+/).filter(Boolean),
    };
    const id = this.$("f-id").value.trim();
    if (id) body.id = id;
    return body;
  }

  show(kind, title, ...content) {
    this.result.replaceChildren(el("div", { class: `result ${kind}`, dataset: { result: kind } }, el("h3", {}, title), ...content));
  }

  setOverlaps(list) {
    const geo = state.preview?.geo || null;
    state.preview = { geo, overlaps: list.map((o) => ({ geo: forD3(o.geometry), label: o.label })) };
    emit("preview");
    const boxes = list.map((o) => forD3(o.geometry));
    if (geo || boxes.length) this.onFocus({ type: "GeometryCollection", geometries: [...(geo ? [geo] : []), ...boxes] });
  }

  conflictList(conflicts) {
    return el(
      "ul",
      { class: "conflicts" },
      ...conflicts.map((c) => {
        const o = c.overlaps?.[0];
        return el(
          "li",
          { dataset: { other: c.id } },
          `${c.kind === "airspace" ? "protected airspace" : "intent"} ${c.id} of ${c.owner}`,
          o ? el("div", { class: "sub" }, `${area(o.area_m2)} · ${altitude(o.altitude_lower)}–${altitude(o.altitude_upper)} · ${utcDate(Date.parse(o.time_start))} → ${utcDate(Date.parse(o.time_end))}`) : null,
        );
      }),
    );
  }

  overlapsOf(conflicts) {
    return conflicts.flatMap((c) => (c.overlaps || []).map((o) => ({ geometry: o.geometry, label: `${c.owner}:${c.id}` })));
  }

  async check() {
    let body;
    try {
      body = this.body();
    } catch (e) {
      this.show("bad", "Not checked", el("p", {}, e.message));
      return;
    }
    this.show("pending", "Checking…");
    try {
      const r = await api("/v1/intents", { method: "POST", body, query: { dry_run: "true" } });
      const n = r.conflicts.length;
      const notices = r.notice_violations || [];
      this.checked = JSON.stringify(body);
      this.$("f-commit").disabled = !may("file");
      this.$("f-commit").title = may("file") ? "File this intent" : `role ${state.me?.role} may not file`;
      this.show(
        n || notices.length ? "warn" : "ok",
        n ? `Check passed with ${n} conflict${n === 1 ? "" : "s"}` : "Check passed: no conflicts",
        n ? this.conflictList(r.conflicts) : null,
        notices.length
          ? el("ul", { class: "notices" }, ...notices.map((v) => el("li", {}, `notice violation: ${v.to_party} is owed ${Math.round(v.required_s)} s of notice, would get ${Math.round(v.notice_s)} s`)))
          : null,
        el("p", { class: "muted small" }, "Nothing is stored until you press File."),
      );
      this.setOverlaps(this.overlapsOf(r.conflicts));
    } catch (e) {
      this.showError(e, body);
    }
  }

  showError(e, body) {
    if (e instanceof ApiError && e.status === 409 && Array.isArray(e.body.missing)) {
      const missing = e.body.missing;
      const add = el("button", { type: "button", class: "primary", id: "f-add-key" }, `Include ${missing.length === 1 ? "this version" : "these versions"} and check again`);
      add.addEventListener("click", () => {
        const key = new Set(this.$("f-key").value.split(/\s+/).filter(Boolean));
        for (const m of missing) key.add(m.ovn);
        this.$("f-key").value = [...key].join("\n");
        this.$("f-key").closest("details").open = true;
        this.check();
      });
      this.show(
        "bad",
        `409: ${missing.length} overlapping intent${missing.length === 1 ? "" : "s"} not seen`,
        el("p", {}, "You must present the current version (OVN) of every other party's intent this filing overlaps. Review them:"),
        el(
          "ul",
          { class: "missing" },
          ...missing.map((m) =>
            el(
              "li",
              { dataset: { missing: m.id } },
              `${m.owner}'s intent ${m.id} · v${m.version} · ${m.state}`,
              el("div", { class: "sub" }, `${utcDate(Date.parse(m.time_start))} → ${utcDate(Date.parse(m.time_end))} · ovn ${m.ovn}`),
            ),
          ),
        ),
        add,
      );
      this.setOverlaps(missing.flatMap((m) => (m.conflict?.overlaps || []).map((o) => ({ geometry: o.geometry, label: `${m.owner}:${m.id} (not seen)` }))));
      return;
    }
    const msg = e instanceof ApiError ? `${e.status} ${e.body.error || ""}: ${e.message}` : e.message;
    this.show("bad", e.status === 422 ? "Invalid filing" : "Refused", el("p", {}, msg), e.body?.error_id ? el("p", { class: "muted small" }, `error id ${e.body.error_id}`) : null);
  }

  async commit() {
    if (!this.checked) return;
    const body = JSON.parse(this.checked);
    this.$("f-commit").disabled = true;
    try {
      const r = await api("/v1/intents", { method: "POST", body });
      this.show(
        "ok",
        `Filed ${r.intent.id} (version ${r.intent.version}, ${r.intent.state})`,
        r.conflicts.length ? this.conflictList(r.conflicts) : el("p", {}, "No conflicts."),
      );
      this.checked = null;
      state.preview = null;
      emit("preview");
      this.$("f-id").value = "";
      this.onFiled(r);
    } catch (e) {
      this.showError(e, body);
    }
  }
}
