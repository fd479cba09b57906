// The REST side of the picture: parties, protected airspace, own intents and conflicts.
// Everything is what the server lets this party see; nothing is inferred or cached beyond it.

import { api } from "./api.js";
import { state, emit } from "./state.js";
import { setParties } from "./colors.js";
import { forD3 } from "./map/geo.js";
import { intentGeometry } from "./map/shapes.js";

export async function loadParties() {
  state.parties = await api("/v1/parties");
  setParties(state.parties.map((p) => p.id));
  emit("parties");
}

export async function loadAirspace() {
  const list = await api("/v1/airspace");
  const full = await Promise.all(
    list.map((a) =>
      api(`/v1/airspace/${encodeURIComponent(a.id)}`)
        .then((fc) => ({ ...a, fc, geo: forD3({ type: "FeatureCollection", features: fc.features || [] }) }))
        .catch(() => ({ ...a, fc: null, geo: null })),
    ),
  );
  state.airspace = full;
  emit("airspace");
}

export async function loadIntents() {
  const [intents, conflicts] = await Promise.all([api("/v1/intents"), api("/v1/conflicts")]);
  for (const it of intents) it.geo = intentGeometry(it);
  for (const c of conflicts) c.geos = (c.overlaps || []).map((o) => forD3(o.geometry)).filter(Boolean);
  state.intents = intents;
  state.conflicts = conflicts;
  emit("intents");
}

/** Refresh intents and conflicts now and every `periodMs` (another party's filing can add a
 *  conflict with ours at any time). */
export function pollIntents(periodMs = 15000) {
  const tick = () => loadIntents().catch((e) => emit("data-error", e));
  return setInterval(tick, periodMs);
}
