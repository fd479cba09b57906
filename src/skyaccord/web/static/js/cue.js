// The cue for new hotline items: a flash of the top bar, the tab title, a screen-reader
// announcement and a tone (Web Audio, no sound files). Unacknowledged items of severity
// warning or above repeat the tone every few seconds until acknowledged or muted.

import { state, on, currentItems } from "./state.js";
import { itemState, severityRank } from "./alertstate.js";

let ctx = null;
let muted = sessionStorage.getItem("skyaccord.muted") === "1";
let reminder = null;

/** Audio needs a user gesture first: call this from one (sign-in, any key or click). */
export function unlockAudio() {
  if (ctx) {
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    return;
  }
  try {
    ctx = new AudioContext();
  } catch {
    ctx = null;
  }
}

function tone(freq, start, dur, gain = 0.12) {
  if (!ctx) return;
  const o = ctx.createOscillator();
  const g = ctx.createGain();
  o.type = "square";
  o.frequency.value = freq;
  g.gain.setValueAtTime(0, ctx.currentTime + start);
  g.gain.linearRampToValueAtTime(gain, ctx.currentTime + start + 0.01);
  g.gain.setValueAtTime(gain, ctx.currentTime + start + dur - 0.02);
  g.gain.linearRampToValueAtTime(0, ctx.currentTime + start + dur);
  o.connect(g).connect(ctx.destination);
  o.start(ctx.currentTime + start);
  o.stop(ctx.currentTime + start + dur + 0.02);
}

export function playFor(severity) {
  document.body.dataset.tones = String(Number(document.body.dataset.tones || 0) + 1);
  if (muted || !ctx) return;
  const r = severityRank(severity);
  if (r >= 4) [0, 0.18, 0.36, 0.7, 0.88, 1.06].forEach((t) => tone(1175, t, 0.12, 0.16));
  else if (r >= 2) [0, 0.3].forEach((t, i) => tone(i ? 660 : 880, t, 0.22));
  else tone(660, 0, 0.15, 0.08);
}

export function setMuted(m) {
  muted = m;
  sessionStorage.setItem("skyaccord.muted", m ? "1" : "0");
}

export function isMuted() {
  return muted;
}

function pendingUrgent() {
  let worst = null;
  for (const it of currentItems().values()) {
    if (itemState(it) !== "unacked" || severityRank(it.severity) < 2) continue;
    if (!worst || severityRank(it.severity) > severityRank(worst.severity)) worst = it;
  }
  return worst;
}

export function installCue({ topbar, announce }) {
  on("cue", ({ item, event, level }) => {
    if (state.mode === "replay") return;
    const n = Number(document.body.dataset.cues || 0) + 1;
    document.body.dataset.cues = String(n);
    topbar.classList.remove("flash");
    void topbar.offsetWidth; // restart the animation
    topbar.classList.add("flash");
    const what = level === "message" ? `New message on: ${item.title}` : `${(item.severity || "").toUpperCase()} ${item.title}`;
    announce.textContent = what;
    playFor(level === "message" ? "info" : item.severity);
    if (event === "item.escalated") playFor(item.severity);
  });
  reminder = setInterval(() => {
    if (state.mode === "replay") return;
    const w = pendingUrgent();
    const n = [...currentItems().values()].filter((i) => itemState(i) === "unacked").length;
    document.title = n ? `(${n}) skyaccord` : "skyaccord console";
    if (w) playFor(w.severity);
  }, 6000);
}
