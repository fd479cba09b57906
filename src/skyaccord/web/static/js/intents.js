// The intents panel: own intents in full (with their private details), conflicts (another
// party's operation only as a reference and the overlap), and protected airspace.

import { state, on, emit } from "./state.js";
import { el, utcDate, area, altitude } from "./format.js";
import { partyColor } from "./colors.js";

function window_(a, b) {
  return `${utcDate(Date.parse(a))} → ${utcDate(Date.parse(b))}`;
}

export class IntentsPanel {
  constructor({ intents, conflicts, airspace, onFocus }) {
    this.els = { intents, conflicts, airspace };
    this.onFocus = onFocus;
    on("intents", () => this.renderIntents());
    on("airspace", () => this.renderAirspace());
  }

  focus(kind, id, geo) {
    state.highlight = { kind, id };
    emit("highlight");
    if (geo) this.onFocus(geo);
  }

  renderIntents() {
    const { intents, conflicts } = this.els;
    const own = [...state.intents].sort((a, b) => Date.parse(a.time_start) - Date.parse(b.time_start));
    intents.replaceChildren(
      ...(own.length
        ? own.map((it) =>
            el(
              "li",
              { dataset: { intentId: it.id } },
              el("span", { class: "swatch" }),
              el("button", { type: "button", class: "link", onclick: () => this.focus("intent", it.id, it.geo) }, it.id),
              ` · ${it.state} · v${it.version}`,
              el("div", { class: "sub" }, `${window_(it.time_start, it.time_end)} · ${it.band || ""}`),
              Object.keys(it.details || {}).length ? el("pre", { class: "details" }, JSON.stringify(it.details, null, 1)) : null,
            ),
          )
        : [el("li", { class: "muted" }, "No intents filed by your party.")]),
    );
    for (const sw of intents.querySelectorAll(".swatch")) sw.style.background = partyColor(state.me?.party);
    const me = state.me?.party;
    conflicts.replaceChildren(
      ...(state.conflicts.length
        ? state.conflicts.map((c) => {
            const mine = c.intent_owner === me;
            const ownId = mine ? c.intent_id : c.other_id;
            const other = mine ? { owner: c.other_owner, id: c.other_id } : { owner: c.intent_owner, id: c.intent_id };
            const what = c.kind === "airspace" ? `airspace ${other.id} of ${other.owner}` : `${other.owner}'s intent ${other.id}`;
            const o = (c.overlaps || [])[0];
            const band = o ? `${altitude(o.altitude_lower)}–${altitude(o.altitude_upper)}` : "";
            const li = el(
              "li",
              { dataset: { conflictId: String(c.id), other: other.id } },
              el("button", { type: "button", class: "link", onclick: () => this.focus("conflict", c.id, { type: "GeometryCollection", geometries: c.geos }) }, ownId),
              ` overlaps ${what}`,
              el("div", { class: "sub" }, `${area(c.area_m2)} · ${band} · ${window_(c.time_start, c.time_end)}`),
            );
            return li;
          })
        : [el("li", { class: "muted" }, "No conflicts.")]),
    );
  }

  renderAirspace() {
    const list = this.els.airspace;
    list.replaceChildren(
      ...state.airspace.map((a) => {
        const sw = el("span", { class: "swatch" });
        sw.style.background = partyColor(a.owner);
        return el(
          "li",
          { dataset: { airspaceId: a.id } },
          sw,
          el("button", { type: "button", class: "link", onclick: () => this.focus("airspace", a.id, a.geo) }, a.name || a.id),
          ` · ${a.owner} · ${a.kind}`,
          el("div", { class: "sub" }, `${a.id} · ${a.source || ""} · ${a.volumes} volume${a.volumes === 1 ? "" : "s"}`),
        );
      }),
    );
  }
}
