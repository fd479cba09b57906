// The live feeds of docs/api-live.md: the picture (GET /v1/picture, then WS
// /v1/picture/stream at 1 Hz, falling back to polling) and the hotline (GET
// /v1/hotline/items, then WS /v1/hotline/stream?cursor=N so nothing is missed across
// reconnects). A 404 means the server has no live API: the console says "live feed
// unavailable" and keeps checking.

import { api, ApiError, LiveSocket } from "./api.js";
import { state, emit } from "./state.js";
import { recorder } from "./replay.js";

const RETRY_UNAVAILABLE_MS = 10000;
const STALE_MS = 5000;

function setStatus(which, status, detail = "") {
  state.live[`${which}Status`] = status;
  state.live[`${which}Detail`] = detail;
  emit("feed-status");
}

function describe(e) {
  if (e instanceof ApiError) return e.status ? `HTTP ${e.status}: ${e.message}` : e.message;
  return String(e);
}

/** Merge a new snapshot of an item into the one we have (threads are kept if the snapshot
 *  has none). */
export function mergeItem(item) {
  const old = state.items.get(item.id);
  const merged = { ...old, ...item };
  if (old && !item.messages) merged.messages = old.messages;
  state.items.set(item.id, merged);
  return merged;
}

export class LiveFeeds {
  constructor() {
    this.cursorKey = `skyaccord.cursor.${state.me?.party}.${state.me?.token_id}`;
    this.cursor = Number(sessionStorage.getItem(this.cursorKey) || 0);
    this.startedAt = Date.now();
    this.known = new Set();
    this.timers = [];
    this.stopped = false;
  }

  start() {
    this.startPicture();
    this.startHotline();
    this.timers.push(setInterval(() => this.checkStale(), 1000));
  }

  stop() {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    clearTimeout(this.picRetry);
    clearTimeout(this.hotRetry);
    clearInterval(this.poll);
    clearInterval(this.hotPoll);
    this.picWs?.close();
    this.hotWs?.close();
  }

  // --- picture -------------------------------------------------------------------------------

  async startPicture() {
    if (this.stopped) return;
    try {
      this.applyPicture(await api("/v1/picture"));
      setStatus("picture", "live");
      this.openPictureSocket();
    } catch (e) {
      // 404: no live API on this server; 503: it has one but the engine is not running
      const gone = e instanceof ApiError && (e.status === 404 || e.status === 503);
      if (gone) setStatus("picture", "unavailable", e.status === 404 ? "the server has no live picture" : e.message);
      else setStatus("picture", "error", describe(e));
      this.picRetry = setTimeout(() => this.startPicture(), gone ? RETRY_UNAVAILABLE_MS : 3000);
    }
  }

  openPictureSocket() {
    this.picWs = new LiveSocket("/v1/picture/stream", {
      onMessage: (p) => {
        if (p && Array.isArray(p.tracks)) this.applyPicture(p);
      },
      onStatus: (s) => {
        if (s === "open") {
          clearInterval(this.poll);
          this.poll = null;
          setStatus("picture", "live");
        } else if (!this.poll) {
          // the stream is down: poll the snapshot once a second while the socket retries
          this.poll = setInterval(() => this.pollPicture(), 1000);
          this.pollPicture();
        }
      },
    });
  }

  async pollPicture() {
    try {
      this.applyPicture(await api("/v1/picture"));
      setStatus("picture", "live", "polling (stream unavailable)");
    } catch (e) {
      setStatus("picture", "error", describe(e));
    }
  }

  applyPicture(p) {
    const t = Date.parse(p.time);
    if (!Number.isNaN(t)) {
      const skew = t - Date.now();
      // the picture is at most a cycle old: follow the newest estimate, smoothed
      state.live.skewMs = state.live.pictures ? 0.8 * state.live.skewMs + 0.2 * skew : skew;
    }
    state.live.pictures = (state.live.pictures || 0) + 1;
    state.live.picture = p;
    state.live.lastPictureAt = Date.now();
    recorder.addPicture(p);
    emit("picture", p);
  }

  checkStale() {
    if (state.live.pictureStatus === "live" && Date.now() - (state.live.lastPictureAt || 0) > STALE_MS) {
      setStatus("picture", "stale", "no picture for more than 5 s");
    } else if (state.live.pictureStatus === "stale" && Date.now() - state.live.lastPictureAt < STALE_MS) {
      setStatus("picture", "live");
    }
  }

  // --- hotline -------------------------------------------------------------------------------

  async startHotline() {
    if (this.stopped) return;
    try {
      const items = await api("/v1/hotline/items", { query: { state: "open", limit: 100 } });
      for (const it of items) {
        mergeItem(it);
        this.known.add(it.id);
        recorder.addItem(it);
      }
      emit("items");
      setStatus("hotline", "live");
      this.openHotlineSocket();
    } catch (e) {
      const gone = e instanceof ApiError && (e.status === 404 || e.status === 503);
      if (gone) setStatus("hotline", "unavailable", e.status === 404 ? "the server has no hotline" : e.message);
      else setStatus("hotline", "error", describe(e));
      this.hotRetry = setTimeout(() => this.startHotline(), gone ? RETRY_UNAVAILABLE_MS : 3000);
    }
  }

  openHotlineSocket() {
    this.hotWs = new LiveSocket("/v1/hotline/stream", {
      params: () => ({ cursor: this.cursor }),
      onMessage: (ev) => this.applyEvent(ev),
      onStatus: (s) => {
        if (s === "open") {
          clearInterval(this.hotPoll);
          this.hotPoll = null;
          setStatus("hotline", "live");
        } else if (!this.hotPoll) {
          // the stream does not stay up: poll the items meanwhile (the socket keeps retrying)
          this.hotPoll = setInterval(() => this.pollItems(), 1000);
          this.pollItems();
        }
      },
    });
  }

  async pollItems() {
    try {
      const items = await api("/v1/hotline/items", { query: { limit: 100 } });
      for (const it of items.reverse()) {
        const old = state.items.get(it.id);
        if (old && old.updated_at === it.updated_at && (old.messages || []).length === (it.messages || []).length) continue;
        const isNew = !this.known.has(it.id);
        this.known.add(it.id);
        const merged = mergeItem(it);
        recorder.addItem(merged);
        const fresh = Date.parse(it.created_at) >= this.startedAt + state.live.skewMs - 10000;
        if (isNew && fresh) emit("cue", { item: merged, event: "item.created", level: "item" });
      }
      emit("items");
      setStatus("hotline", "live", "polling (stream unavailable)");
    } catch (e) {
      setStatus("hotline", "error", describe(e));
    }
  }

  applyEvent(ev) {
    if (!ev || typeof ev.seq !== "number") return;
    if (ev.seq <= this.cursor) return; // already seen (reconnect overlap)
    this.cursor = ev.seq;
    sessionStorage.setItem(this.cursorKey, String(ev.seq));
    if (!ev.item) return;
    const isNew = !this.known.has(ev.item.id);
    this.known.add(ev.item.id);
    const item = mergeItem(ev.item);
    if (ev.event === "message" && ev.message) {
      item.messages = item.messages || [];
      if (!item.messages.some((m) => m.id === ev.message.id)) item.messages.push(ev.message);
    }
    recorder.addEvent(ev);
    emit("items", ev);
    const evTime = Date.parse(ev.time);
    const fresh = Number.isNaN(evTime) || evTime >= this.startedAt + state.live.skewMs - 10000;
    if (!fresh) return;
    if (isNew || ev.event === "item.escalated") emit("cue", { item, event: ev.event, level: "item" });
    else if (ev.event === "message") {
      const last = (item.messages || [])[item.messages.length - 1];
      if (!last || last.party !== state.me?.party) emit("cue", { item, event: ev.event, level: "message" });
    }
  }

  // --- actions ---------------------------------------------------------------------------------

  async ack(itemId) {
    const res = await api(`/v1/hotline/items/${encodeURIComponent(itemId)}/ack`, { method: "POST", body: {} });
    if (res && res.id === itemId && res.parties) mergeItem(res);
    else mergeItem(await api(`/v1/hotline/items/${encodeURIComponent(itemId)}`));
    emit("items");
  }

  async loadThread(itemId) {
    const it = await api(`/v1/hotline/items/${encodeURIComponent(itemId)}`);
    mergeItem(it);
    emit("items");
  }

  async say(itemId, text) {
    const m = await api(`/v1/hotline/items/${encodeURIComponent(itemId)}/messages`, { method: "POST", body: { text } });
    const it = state.items.get(itemId);
    if (it && m && m.id) {
      it.messages = it.messages || [];
      if (!it.messages.some((x) => x.id === m.id)) it.messages.push(m);
    }
    emit("items");
  }

  async message(to, text, emergency) {
    const item = await api("/v1/hotline/messages", { method: "POST", body: { to, text, emergency } });
    if (item && item.id) {
      this.known.add(item.id);
      mergeItem(item);
    }
    emit("items");
    return item;
  }
}
