// What state an alert or hotline item is in, from the signed-in party's point of view.
// Pure functions over the contract's Item and Alert objects.

import { state, currentItems } from "./state.js";
import { ALERT } from "./colors.js";

export const SEVERITIES = ["info", "caution", "warning", "urgent", "emergency"];

export function severityRank(s) {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? 0 : i;
}

/** "unacked" (we must acknowledge), "waiting" (another party must), "acked" or "cleared". */
export function itemState(item) {
  if (!item) return "unacked";
  if (item.state === "cleared" || (item.alert && item.alert.active === false)) return "cleared";
  const me = state.me?.party;
  const mine = (item.parties || []).find((p) => p.party === me);
  if (mine && !mine.acked_at) return "unacked";
  if ((item.parties || []).some((p) => !p.acked_at)) return "waiting";
  return "acked";
}

export function itemColor(item) {
  return ALERT[itemState(item)];
}

/** The hotline item that carries an engine alert, if any. */
export function itemForAlert(alertId) {
  for (const it of currentItems().values()) if (it.alert && it.alert.alert_id === alertId) return it;
  return null;
}

export function alertColor(alert) {
  const item = itemForAlert(alert.alert_id);
  if (item) return itemColor(item);
  return alert.active === false ? ALERT.cleared : ALERT.unacked;
}

/** Seconds until the predicted event of an alert (loss of separation or entry), from the
 *  alert's own timestamp, so the countdown keeps running between updates. */
export function secondsToEvent(alert, nowMs) {
  if (!alert) return null;
  const t = alert.kind === "infringement" ? alert.time_to_entry_s : alert.time_to_loss_s;
  if (t == null) return null;
  const base = Date.parse(alert.updated_at || alert.time || alert.raised_at);
  if (Number.isNaN(base)) return t;
  return t - (nowMs - base) / 1000;
}

/** GeoJSON geometries (Polygon/MultiPolygon) carried by an item's body: the overlaps of a
 *  filing notice. Looks a few levels deep; never more than 50. */
export function bodyGeometries(body) {
  const out = [];
  const walk = (x, depth) => {
    if (!x || typeof x !== "object" || depth > 6 || out.length >= 50) return;
    if ((x.type === "Polygon" || x.type === "MultiPolygon") && Array.isArray(x.coordinates)) {
      out.push(x);
      return;
    }
    for (const v of Array.isArray(x) ? x : Object.values(x)) walk(v, depth + 1);
  };
  walk(body, 0);
  return out;
}
