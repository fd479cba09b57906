// The alerts panel: hotline items addressed to this party (and picture alerts not yet on the
// hotline), most pressing first, with severity, a countdown to loss of separation or entry,
// the acknowledgement deadline, who has acknowledged, an acknowledge button and the thread.

import { state, on, emit, currentItems, currentPicture, serverNow, may } from "./state.js";
import { itemState, severityRank, secondsToEvent } from "./alertstate.js";
import { countdown, distance, el, utc } from "./format.js";
import { partyColor } from "./colors.js";

const STATE_RANK = { unacked: 3, waiting: 2, acked: 1, cleared: 0 };
const KIND = { alert: "Alert", filing: "Filing", notice_violation: "Notice", message: "Message", emergency: "EMERGENCY" };

function derivedSeverity(a) {
  if (a.kind === "separation") return a.time_to_loss_s != null && a.time_to_loss_s <= 60 ? "urgent" : "warning";
  if (a.kind === "infringement") return (a.depth_m || 0) > 0 || (a.time_to_entry_s ?? 1e9) <= 60 ? "urgent" : "warning";
  return "caution";
}

function derivedTitle(a) {
  const tr = (a.tracks || []).join(", ");
  if (a.kind === "separation") return `Loss of separation: ${tr}`;
  if (a.kind === "infringement") return (a.depth_m || 0) > 0 ? `Infringement: ${tr} inside ${a.airspace_id}` : `Predicted infringement of ${a.airspace_id}: ${tr}`;
  return `Nonconformance: ${tr}`;
}

/** Items to show: the hotline's, plus picture alerts that no item carries yet. */
export function visibleItems(showCleared) {
  const items = [...currentItems().values()];
  const carried = new Set(items.filter((i) => i.alert).map((i) => i.alert.alert_id));
  for (const a of currentPicture()?.alerts || []) {
    if (carried.has(a.alert_id) || a.active === false) continue;
    items.push({
      id: `alert:${a.alert_id}`,
      kind: "alert",
      severity: derivedSeverity(a),
      title: derivedTitle(a),
      created_at: a.raised_at,
      state: "open",
      parties: (a.parties || []).map((p) => ({ party: p, acked_at: null })),
      alert: a,
      pictureOnly: true,
      messages: [],
    });
  }
  return items
    .filter((i) => showCleared || itemState(i) !== "cleared")
    .sort(
      (a, b) =>
        STATE_RANK[itemState(b)] - STATE_RANK[itemState(a)] ||
        severityRank(b.severity) - severityRank(a.severity) ||
        Date.parse(b.created_at) - Date.parse(a.created_at),
    );
}

export class AlertsPanel {
  constructor({ list, status, countEl, showCleared, live, onLocate }) {
    this.list = list;
    this.status = status;
    this.countEl = countEl;
    this.showCleared = showCleared;
    this.live = live;
    this.onLocate = onLocate;
    this.cards = new Map();
    this.open = new Set();
    for (const ev of ["items", "picture", "mode", "feed-status"]) on(ev, () => this.render());
    showCleared.addEventListener("change", () => this.render());
    setInterval(() => this.tick(), 1000);
  }

  setLive(live) {
    this.live = live;
  }

  render() {
    const items = visibleItems(this.showCleared.checked);
    const ids = new Set(items.map((i) => i.id));
    for (const [id, card] of this.cards) if (!ids.has(id)) (card.li.remove(), this.cards.delete(id));
    items.forEach((item, i) => {
      let card = this.cards.get(item.id);
      if (!card) {
        card = this.makeCard(item);
        this.cards.set(item.id, card);
      }
      this.fill(card, item);
      if (this.list.children[i] !== card.li) this.list.insertBefore(card.li, this.list.children[i] || null);
    });
    const unacked = items.filter((i) => itemState(i) === "unacked").length;
    this.countEl.textContent = String(unacked);
    this.countEl.classList.toggle("hot", unacked > 0);
    this.status.textContent = this.statusText(items.length);
    this.status.classList.toggle("bad", state.mode === "live" && state.live.hotlineStatus !== "live");
    if (state.selectedItem && !ids.has(state.selectedItem)) state.selectedItem = null;
    this.tick();
  }

  statusText(n) {
    if (state.mode === "replay") return `Replay: items as they stood at the replayed time (${n}).`;
    const h = state.live.hotlineStatus;
    if (h === "unavailable") return "Hotline unavailable on this server — alerts from the picture only, no acknowledgements.";
    if (h === "error" || h === "reconnecting") return `Hotline ${h}: ${state.live.hotlineDetail || "retrying"}`;
    return n ? "" : "No open alerts or messages.";
  }

  makeCard(item) {
    const li = el("li", { class: "alert", dataset: { itemId: item.id }, tabindex: "-1" });
    const head = el("div", { class: "alert-head" });
    const meta = el("div", { class: "alert-meta" });
    const acks = el("div", { class: "acks", "aria-label": "Acknowledgements" });
    const actions = el("div", { class: "alert-actions" });
    const thread = el("div", { class: "thread", hidden: true });
    const msgs = el("ol", { "aria-label": "Thread" });
    const input = el("input", { type: "text", placeholder: "Message to the other duty officers", "aria-label": "Message" });
    const send = el("button", { type: "submit" }, "Send");
    const form = el("form", { class: "thread-form" }, input, send);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      send.disabled = true;
      try {
        await this.live.say(item.id, text);
        input.value = "";
      } catch (err) {
        input.setCustomValidity(err.message);
        input.reportValidity();
        setTimeout(() => input.setCustomValidity(""), 3000);
      } finally {
        send.disabled = false;
      }
    });
    thread.append(msgs, form);
    li.append(head, meta, acks, actions, thread);
    li.addEventListener("click", () => this.select(item.id, false));
    return { li, head, meta, acks, actions, thread, msgs, form, cd: null, dl: null };
  }

  fill(card, item) {
    const st = itemState(item);
    const sev = item.severity || "info";
    card.item = item;
    card.li.className = `alert sev-${sev} state-${st}${st === "unacked" && !item.pictureOnly ? " unacked" : ""}`;
    card.li.dataset.state = st;
    card.li.setAttribute("aria-current", state.selectedItem === item.id ? "true" : "false");
    card.li.setAttribute("aria-label", `${sev} ${KIND[item.kind] || item.kind}: ${item.title}`);
    card.cd = el("span", { class: "countdown", "aria-label": "Time to event" });
    card.head.replaceChildren(
      el("span", { class: "sev" }, sev),
      el("span", { class: "kind muted" }, KIND[item.kind] || item.kind),
      el("span", { class: "alert-title" }, item.title || ""),
      card.cd,
    );
    const a = item.alert;
    card.dl = el("span", { class: "deadline" });
    const meta = [el("span", {}, `raised ${utc(Date.parse(item.created_at))}`), card.dl];
    if (item.escalation_level) meta.push(el("span", { class: "overdue" }, `escalated ×${item.escalation_level}`));
    if (a?.kind === "separation" && a.dcpa_m != null) meta.push(el("span", {}, `CPA ${distance(a.dcpa_m)}, ${Math.round(a.vertical_m ?? 0)} m vertical`));
    if (a?.kind === "infringement") meta.push(el("span", {}, (a.depth_m || 0) > 0 ? `${Math.round(a.depth_m)} m inside, ${Math.round(a.time_inside_s || 0)} s` : `entry ${a.airspace_id || ""}`));
    if (a?.tracks?.length) {
      const pic = currentPicture();
      const names = a.tracks.map((id) => {
        const t = pic?.tracks?.find((x) => x.id === id);
        return t?.callsign ? `${t.callsign} (${t.party})` : id;
      });
      meta.push(el("span", { class: "tracks" }, names.join(" · ")));
    }
    if (item.pictureOnly) meta.push(el("span", {}, "from the picture (not on the hotline)"));
    card.meta.replaceChildren(...meta);
    const text = item.body && typeof item.body.text === "string" ? item.body.text : null;
    if (text) card.meta.after(card.body || (card.body = el("p", { class: "alert-body" })));
    if (card.body) {
      card.body.textContent = text ? `${item.body.from ? item.body.from + ": " : ""}${text}` : "";
      card.body.hidden = !text;
    }
    card.acks.replaceChildren(
      ...(item.parties || []).map((p) => {
        const done = !!p.acked_at;
        const who = p.party === state.me?.party ? `${p.party} (you)` : p.party;
        const chip = el(
          "span",
          { class: `ack ${done ? "done" : "pending"}`, dataset: { party: p.party }, title: done ? `acknowledged ${p.acked_at} by ${p.acked_by || "?"}${p.signed ? ", signed" : ""}` : "not acknowledged" },
          `${done ? "✓" : "…"} ${who}${done ? ` ${utc(Date.parse(p.acked_at))}` : ""}`,
        );
        chip.style.borderColor = done ? "" : partyColor(p.party);
        return chip;
      }),
    );
    // rebuild the buttons only when they change: a button replaced between mouse-down and
    // mouse-up (a picture arrives every second) would swallow the click
    const sig = JSON.stringify([st, (item.messages || []).length, this.open.has(item.id), state.mode, !!item.pictureOnly]);
    if (card.sig !== sig) {
      card.sig = sig;
      const buttons = [];
      const mineOpen = st === "unacked" && !item.pictureOnly && state.mode === "live";
      if (mineOpen) {
        const b = el("button", { type: "button", class: "ack-btn", title: "Acknowledge (A)" }, "Acknowledge");
        if (!may("ack")) {
          b.disabled = true;
          b.title = `role ${state.me?.role} may not acknowledge`;
        }
        b.addEventListener("click", (e) => {
          e.stopPropagation();
          this.ack(item.id, b);
        });
        buttons.push(b);
      }
      if (!item.pictureOnly) {
        const n = (item.messages || []).length;
        const t = el("button", { type: "button", class: "ghost", "aria-expanded": this.open.has(item.id) ? "true" : "false", title: "Thread (T)" }, `Thread (${n})`);
        t.addEventListener("click", (e) => {
          e.stopPropagation();
          this.toggleThread(item.id);
        });
        buttons.push(t);
      }
      const g = el("button", { type: "button", class: "ghost", title: "Show on the map (G)" }, "Show on map");
      g.addEventListener("click", (e) => {
        e.stopPropagation();
        this.onLocate(card.item);
      });
      buttons.push(g);
      card.actions.replaceChildren(...buttons);
    }
    const open = this.open.has(item.id);
    card.thread.hidden = !open;
    card.form.hidden = state.mode !== "live" || !may("message");
    if (open) {
      card.msgs.replaceChildren(
        ...(item.messages || []).map((m) =>
          el("li", {}, el("span", { class: "who" }, `${m.party}${m.role ? ` (${m.role})` : ""}:`), m.text, el("span", { class: "when" }, utc(Date.parse(m.time)))),
        ),
      );
      if (!(item.messages || []).length) card.msgs.replaceChildren(el("li", { class: "muted" }, "No messages yet."));
    }
  }

  tick() {
    const now = state.mode === "replay" ? state.replay.time || serverNow() : serverNow();
    for (const card of this.cards.values()) {
      const item = card.item;
      const s = secondsToEvent(item.alert, now);
      if (card.cd) {
        if (s == null || item.alert?.active === false) card.cd.textContent = "";
        else {
          const what = item.alert.kind === "infringement" ? ((item.alert.depth_m || 0) > 0 ? "INSIDE" : "entry") : "LoS";
          card.cd.textContent = s <= 0 ? `${what} NOW` : `${what} ${countdown(s)}`;
          card.cd.classList.toggle("later", s > 120);
        }
      }
      if (card.dl) {
        const d = Date.parse(item.deadline_at);
        if (Number.isNaN(d) || itemState(item) === "acked" || itemState(item) === "cleared") card.dl.textContent = "";
        else {
          const left = (d - now) / 1000;
          card.dl.textContent = left >= 0 ? `ack due in ${countdown(left)}` : `ack OVERDUE ${countdown(-left)}`;
          card.dl.className = left < 0 ? "deadline overdue" : "deadline";
        }
      }
    }
  }

  async ack(id, button) {
    if (button) button.disabled = true;
    try {
      await this.live.ack(id);
    } catch (e) {
      this.status.textContent = `Acknowledge failed: ${e.message}`;
      this.status.classList.add("bad");
      if (button) button.disabled = false;
    }
  }

  async toggleThread(id) {
    if (this.open.has(id)) this.open.delete(id);
    else {
      this.open.add(id);
      if (state.mode === "live") this.live.loadThread(id).catch(() => {});
    }
    this.render();
    if (this.open.has(id)) this.cards.get(id)?.form.querySelector("input")?.focus();
  }

  select(id, focus = true) {
    state.selectedItem = id;
    this.render();
    const card = this.cards.get(id);
    if (card && focus) {
      card.li.focus();
      card.li.scrollIntoView({ block: "nearest" });
    }
    emit("selection", { item: id });
  }

  move(delta) {
    const ids = [...this.cards.keys()].filter((id) => this.cards.get(id).li.isConnected);
    const order = [...this.list.children].map((li) => li.dataset.itemId).filter((id) => ids.includes(id));
    if (!order.length) return;
    const i = order.indexOf(state.selectedItem);
    const next = order[Math.max(0, Math.min(order.length - 1, i < 0 ? 0 : i + delta))];
    this.select(next);
  }

  selected() {
    return this.cards.get(state.selectedItem)?.item || null;
  }
}
