// Recording and replay. The console records every live picture and hotline event it receives;
// the replay view puts a time slider over a recorded run — this session's, or a file — and
// shows it on the same map and panels.
//
// A recording is NDJSON (or a JSON array): each line a Picture of docs/api-live.md
// ({"time", "cycle", "tracks", "alerts"}), a hotline stream event ({"seq", "event", "time",
// "item"}) or an Item. Lines of other kinds are skipped and counted.

import { state, emit } from "./state.js";
import { utcDate, utc } from "./format.js";


const MAX_FRAMES = 3600;
const MAX_TRACK_RECORDS = 3_000_000;

class Recorder {
  constructor() {
    this.frames = [];
    this.events = [];
    this.trackRecords = 0;
  }

  addPicture(p) {
    this.frames.push(p);
    this.trackRecords += (p.tracks || []).length;
    while (this.frames.length > MAX_FRAMES || (this.trackRecords > MAX_TRACK_RECORDS && this.frames.length > 1)) {
      this.trackRecords -= (this.frames.shift().tracks || []).length;
    }
  }

  addEvent(ev) {
    this.events.push(ev);
    if (this.events.length > 20000) this.events.shift();
  }

  addItem(item) {
    this.events.push({ seq: 0, event: "item.snapshot", time: item.updated_at || item.created_at, item });
  }

  toNdjson() {
    return [...this.frames, ...this.events].map((x) => JSON.stringify(x)).join("\n") + "\n";
  }
}

export const recorder = new Recorder();

/** A recording's text → {frames, events, skipped}. */
export function parseRecording(text) {
  let rows;
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) rows = JSON.parse(trimmed);
  else if (trimmed.startsWith("{") && !trimmed.includes("\n")) {
    const o = JSON.parse(trimmed);
    rows = o.frames ? [...o.frames, ...(o.events || [])] : [o];
  } else {
    rows = [];
    for (const line of trimmed.split(/\r?\n/)) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        rows.push(null);
      }
    }
  }
  const frames = [];
  const events = [];
  let skipped = 0;
  for (const r of rows) {
    if (r && Array.isArray(r.tracks) && r.time) frames.push(r);
    else if (r && r.event && r.item) events.push(r);
    else if (r && r.id && r.kind && Array.isArray(r.parties)) events.push({ seq: 0, event: "item.snapshot", time: r.updated_at || r.created_at, item: r });
    else skipped++;
  }
  const t = (x) => Date.parse(x.time);
  frames.sort((a, b) => t(a) - t(b));
  events.sort((a, b) => t(a) - t(b) || a.seq - b.seq);
  return { frames, events, skipped };
}

export class ReplayController {
  constructor(els) {
    this.els = els;
    this.run = null;
    this.index = 0;
    this.playing = false;
    const { slider, play, speed, file, save, session } = els;
    slider.addEventListener("input", () => this.seek(Number(slider.value)));
    slider.addEventListener("keydown", (e) => {
      if (e.key === " ") {
        e.preventDefault();
        this.toggle();
      }
    });
    play.addEventListener("click", () => this.toggle());
    speed.addEventListener("change", () => this.playing && this.restart());
    file.addEventListener("change", async () => {
      const f = file.files[0];
      if (!f) return;
      try {
        this.load(parseRecording(await f.text()), f.name);
      } catch (e) {
        this.say(`cannot read ${f.name}: ${e.message}`);
      }
      file.value = "";
    });
    save.addEventListener("click", () => this.save());
    session.addEventListener("click", () => this.loadSession());
  }

  say(text) {
    this.els.time.value = text;
    this.els.time.textContent = text;
  }

  loadSession() {
    this.load({ frames: [...recorder.frames], events: [...recorder.events], skipped: 0 }, "this session");
  }

  load(run, name) {
    this.pause();
    this.run = { ...run, name };
    state.replay.name = name;
    const n = run.frames.length;
    this.els.slider.max = String(Math.max(0, n - 1));
    this.els.slider.value = "0";
    if (!n) {
      state.replay.picture = null;
      state.replay.items = new Map();
      this.say(`${name}: no pictures`);
      emit("picture");
      emit("items");
      return;
    }
    this.seek(0);
    emit("replay-loaded", { name, frames: n, skipped: run.skipped });
    emit("feed-status");
  }

  seek(i) {
    if (!this.run || !this.run.frames.length) return;
    this.index = Math.max(0, Math.min(this.run.frames.length - 1, i));
    this.els.slider.value = String(this.index);
    const p = this.run.frames[this.index];
    const t = Date.parse(p.time);
    const items = new Map();
    for (const ev of this.run.events) {
      if (Date.parse(ev.time) > t) break;
      const old = items.get(ev.item.id);
      items.set(ev.item.id, { ...old, ...ev.item, messages: ev.item.messages || old?.messages });
    }
    state.replay.picture = p;
    state.replay.items = items;
    state.replay.time = t;
    const first = Date.parse(this.run.frames[0].time);
    const last = Date.parse(this.run.frames[this.run.frames.length - 1].time);
    this.say(`${new Date(t).toISOString().slice(0, 19).replace("T", " ")}Z (${this.index + 1}/${this.run.frames.length}, ${utc(first)}–${utc(last)})`);
    this.els.slider.setAttribute("aria-valuetext", utcDate(t));
    emit("picture", p);
    emit("items");
  }

  toggle() {
    if (this.playing) this.pause();
    else this.playFrom();
  }

  playFrom() {
    if (!this.run || this.run.frames.length < 2) return;
    if (this.index >= this.run.frames.length - 1) this.seek(0);
    this.playing = true;
    this.els.play.textContent = "❚❚";
    this.els.play.setAttribute("aria-pressed", "true");
    this.restart();
  }

  restart() {
    clearTimeout(this.timer);
    const step = () => {
      if (!this.playing) return;
      if (this.index >= this.run.frames.length - 1) {
        this.pause();
        return;
      }
      const a = Date.parse(this.run.frames[this.index].time);
      const b = Date.parse(this.run.frames[this.index + 1].time);
      const dt = Math.max(16, Math.min(5000, (b - a) / Number(this.els.speed.value)));
      this.timer = setTimeout(() => {
        this.seek(this.index + 1);
        step();
      }, dt);
    };
    step();
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.els.play.textContent = "▶";
    this.els.play.setAttribute("aria-pressed", "false");
  }

  save() {
    const blob = new Blob([recorder.toNdjson()], { type: "application/x-ndjson" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `skyaccord-${state.me?.party || "run"}-${new Date().toISOString().slice(0, 19).replace(/:/g, "")}.ndjson`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }
}
