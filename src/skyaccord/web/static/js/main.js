// The console: sign-in, then the map, the panels and the live feeds.

import { api, ApiError } from "./api.js";
import { state, emit, on } from "./state.js";
import { MapView } from "./map/view.js";
import { Basemap } from "./map/basemap.js";
import { installShapeLayers } from "./map/shapes.js";
import { installTrackLayers } from "./map/tracks.js";
import { DrawTool } from "./map/draw.js";
import { bbox, unionBoxes, forD3 } from "./map/geo.js";
import { bodyGeometries } from "./alertstate.js";
import { loadParties, loadAirspace, loadIntents, pollIntents } from "./data.js";
import { LiveFeeds } from "./live.js";
import { AlertsPanel } from "./alerts.js";
import { IntentsPanel } from "./intents.js";
import { FilingPanel } from "./filing.js";
import { ReplayController } from "./replay.js";
import { installCue, unlockAudio, setMuted, isMuted } from "./cue.js";
import { partyColor } from "./colors.js";
import { el, utc, knots, feetPerMinute, flightLevel } from "./format.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "skyaccord.token";

// --- sign-in -------------------------------------------------------------------------------

function tokenFromHash() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, "", location.pathname + location.search); // keep it out of history
  return decodeURIComponent(m[1]);
}

async function signIn(token) {
  const me = await api("/v1/me", { token });
  if (!me.party) throw new ApiError(403, { message: "the operator's token has no party: sign in with a party's token" });
  state.token = token;
  state.me = me;
  sessionStorage.setItem(TOKEN_KEY, token);
  return me;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = "";
  location.reload();
}

async function boot() {
  const form = $("signin-form");
  const err = $("signin-error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    unlockAudio();
    err.hidden = true;
    try {
      await signIn($("signin-token").value.trim());
      start();
    } catch (ex) {
      err.textContent = ex.status === 401 ? `Sign-in refused: ${ex.message}` : `Sign-in failed: ${ex.message}`;
      err.hidden = false;
    }
  });
  const token = tokenFromHash() || sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try {
      await signIn(token);
      start();
      return;
    } catch (ex) {
      sessionStorage.removeItem(TOKEN_KEY);
      err.textContent = `Sign-in refused: ${ex.message}`;
      err.hidden = false;
    }
  }
  $("signin").hidden = false;
}

// --- the console -----------------------------------------------------------------------------

let view;
let live;
let alerts;
let replay;

function focusGeo(geo) {
  if (!geo) return;
  try {
    const b = bbox(geo);
    if (b && b.flat().every(Number.isFinite)) view.fit(b, 60);
  } catch {
    /* nothing to fit */
  }
}

function renderWhoami() {
  const p = state.parties.find((x) => x.id === state.me.party);
  const dot = el("span", { class: "dot" });
  dot.style.background = partyColor(state.me.party);
  $("whoami").replaceChildren(
    el("span", { class: "party-chip", id: "me-party", dataset: { party: state.me.party } }, dot, p?.name || state.me.party),
    el("span", { class: "role", id: "me-role" }, state.me.role.replace("_", " ")),
  );
  $("legend").replaceChildren(
    ...state.parties.map((q) => {
      const d = el("span", { class: "dot" });
      d.style.background = partyColor(q.id);
      return el("div", {}, d, q.name + (q.id === state.me.party ? " (you)" : ""));
    }),
  );
}

function renderFeedStatus() {
  const s = $("feed-status");
  if (state.mode === "replay") {
    s.replaceChildren(el("span", {}, `replay: ${state.replay.name || "no recording"}`));
    return;
  }
  const label = (name, st, detail) => {
    const txt = { live: "live", unavailable: name === "picture" ? "live feed unavailable" : "unavailable", error: "error", stale: "stale", reconnecting: "reconnecting", connecting: "connecting…" }[st] || st;
    return el("span", { class: st === "live" ? "good" : "bad", id: `status-${name}`, dataset: { status: st }, title: detail || "" }, `${name}: ${txt}`);
  };
  s.replaceChildren(label("picture", state.live.pictureStatus, state.live.pictureDetail), label("hotline", state.live.hotlineStatus, state.live.hotlineDetail));
  const banner = $("banner");
  if (state.live.pictureStatus === "unavailable") {
    const why = state.live.pictureDetail ? ` (${state.live.pictureDetail})` : "";
    banner.textContent = `Live feed unavailable${why}: no tracks or alerts are shown. Airspace, intents and filing work; the console keeps checking.`;
    banner.className = "banner";
    banner.hidden = false;
  } else if (state.live.pictureStatus === "stale") {
    banner.textContent = "The live picture is stale: no update for more than 5 seconds.";
    banner.className = "banner";
    banner.hidden = false;
  } else banner.hidden = true;
}

function setMode(mode) {
  if (state.mode === mode) return;
  state.mode = mode;
  $("mode-live").setAttribute("aria-pressed", String(mode === "live"));
  $("mode-replay").setAttribute("aria-pressed", String(mode === "replay"));
  $("replay-bar").hidden = mode !== "replay";
  const banner = $("banner");
  if (mode === "replay") {
    banner.textContent = "REPLAY — the map and panels show the recorded run at the slider's time, not the live picture.";
    banner.className = "banner replay";
    banner.hidden = false;
    if (!replay.run) replay.loadSession();
    $("replay-slider").focus();
  } else {
    replay.pause();
  }
  emit("mode");
  emit("feed-status");
}

function selectTab(name) {
  for (const t of ["alerts", "intents", "file"]) {
    const on_ = t === name;
    $(`tab-${t}`).setAttribute("aria-selected", String(on_));
    $(`tab-${t}`).tabIndex = on_ ? 0 : -1;
    $(`panel-${t}`).hidden = !on_;
  }
}

function renderTrackCard({ track } = {}) {
  const card = $("track-card");
  const t = track || (state.selectedTrack && (state.mode === "replay" ? state.replay.picture : state.live.picture)?.tracks?.find((x) => x.id === state.selectedTrack));
  if (!t) {
    card.hidden = true;
    return;
  }
  const dl = el("dl", {});
  const row = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, v));
  row("party", t.party);
  row("track", t.id);
  if (t.icao24) row("ICAO 24", t.icao24);
  row("position", `${t.lat_deg.toFixed(4)}, ${t.lon_deg.toFixed(4)}`);
  row("altitude", `FL${flightLevel(t.alt_m)} (${Math.round(t.alt_m)} m)`);
  row("speed", knots(t.gs_mps));
  row("track", `${Math.round(t.track_deg ?? 0)}°`);
  if (t.vrate_mps != null) row("vertical", feetPerMinute(t.vrate_mps));
  if (t.coasting) row("state", "coasting");
  card.replaceChildren(el("strong", {}, t.callsign || t.id), dl);
  card.hidden = false;
}

function openMessage(emergency) {
  const dlg = $("msg-dialog");
  dlg.classList.toggle("emergency", emergency);
  $("msg-title").textContent = emergency ? "EMERGENCY message" : "Message";
  $("msg-send").textContent = emergency ? "Send EMERGENCY" : "Send";
  $("msg-send").className = emergency ? "danger" : "primary";
  $("msg-error").hidden = true;
  const others = state.parties.filter((p) => p.id !== state.me.party);
  $("msg-to").replaceChildren(
    el("legend", {}, "To"),
    ...others.map((p) => el("label", {}, el("input", { type: "checkbox", name: "to", value: p.id, checked: true }), p.name)),
  );
  dlg.dataset.emergency = emergency ? "1" : "0";
  dlg.showModal();
  $("msg-text").focus();
}

async function sendMessage(e) {
  e.preventDefault();
  const dlg = $("msg-dialog");
  const to = [...dlg.querySelectorAll("input[name=to]:checked")].map((x) => x.value);
  const text = $("msg-text").value.trim();
  const err = $("msg-error");
  if (!to.length || !text) {
    err.textContent = !to.length ? "Choose at least one party." : "Write a message.";
    err.hidden = false;
    return;
  }
  try {
    await live.message(to, text, dlg.dataset.emergency === "1");
    $("msg-text").value = "";
    dlg.close();
    selectTab("alerts");
  } catch (ex) {
    err.textContent = ex.status === 404 ? "Hotline unavailable on this server: the message was not sent." : `Not sent: ${ex.message}`;
    err.hidden = false;
  }
}

function keyboard(e) {
  const tag = e.target.tagName;
  const typing = (tag === "INPUT" && !["range", "checkbox", "radio", "button", "file"].includes(e.target.type)) || tag === "TEXTAREA" || tag === "SELECT" || e.target.isContentEditable;
  if (typing) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector("dialog[open]")) return;
  const k = e.key;
  const act = {
    1: () => selectTab("alerts"),
    2: () => selectTab("intents"),
    3: () => selectTab("file"),
    j: () => (selectTab("alerts"), alerts.move(1)),
    k: () => (selectTab("alerts"), alerts.move(-1)),
    a: () => {
      const it = alerts.selected();
      if (it) alerts.ack(it.id);
    },
    t: () => {
      const it = alerts.selected();
      if (it) alerts.toggleThread(it.id);
    },
    g: () => {
      const it = alerts.selected();
      if (it) locateItem(it);
    },
    e: () => openMessage(true),
    m: () => $("btn-mute").click(),
    l: () => setMode("live"),
    r: () => setMode("replay"),
    d: () => (selectTab("file"), $("f-draw").click()),
    "?": () => $("help-dialog").showModal(),
  }[k.length === 1 ? k.toLowerCase() : k];
  if (act && !(k === "d" && e.target.closest?.("#map") && state.drawing)) {
    e.preventDefault();
    act();
  }
}

function locateItem(item) {
  const pts = [];
  const a = item.alert;
  const pic = state.mode === "replay" ? state.replay.picture : state.live.picture;
  if (a) {
    for (const c of a.cpa || []) pts.push([c[1], c[0]]);
    if (a.entry_point) pts.push([a.entry_point[1], a.entry_point[0]]);
    for (const id of a.tracks || []) {
      const t = pic?.tracks?.find((x) => x.id === id);
      if (t) pts.push([t.lon_deg, t.lat_deg]);
    }
  }
  const boxes = pts.map(([x, y]) => [[x, y], [x, y]]);
  for (const g of bodyGeometries(item.body)) boxes.push(bbox(forD3(g)));
  const u = unionBoxes(boxes);
  if (!u) return;
  const [[w, s], [east, n]] = u;
  const pad = Math.max(0.1, (east - w) * 0.3, (n - s) * 0.3);
  view.fit([[w - pad, s - pad], [east + pad, n + pad]], 60);
}

async function start() {
  $("signin").hidden = true;
  $("app").hidden = false;
  document.addEventListener("keydown", unlockAudio, { once: true });
  document.addEventListener("pointerdown", unlockAudio, { once: true });

  view = new MapView($("map"));
  window.skyaccord = { state, view, emit }; // for operators' debugging and the browser tests
  const basemap = new Basemap(view, {
    onError: (e) => {
      $("banner").textContent = `Country borders not available (${e.message}): run scripts/install-data.sh on the server.`;
      $("banner").hidden = false;
    },
  });
  installShapeLayers(view);
  installTrackLayers(view);
  const draw = new DrawTool(view, $("draw-hint"));
  view.basemap = basemap;

  // readout and layer toggles
  view.on("move", ({ lonlat }) => {
    $("map-readout").textContent = `${lonlat[1].toFixed(4)}°, ${lonlat[0].toFixed(4)}° · ${Math.round(view.metresPerPixel())} m/px · ${view.stats.tracksDrawn ?? 0}/${view.stats.tracksTotal ?? 0} tracks`;
  });
  for (const cb of document.querySelectorAll("[data-layer]")) {
    cb.addEventListener("change", () => view.setVisible(cb.dataset.layer, cb.checked));
  }

  // header
  $("btn-signout").addEventListener("click", signOut);
  $("btn-help").addEventListener("click", () => $("help-dialog").showModal());
  $("btn-emergency").addEventListener("click", () => openMessage(true));
  $("btn-message").addEventListener("click", () => openMessage(false));
  $("msg-form").addEventListener("submit", sendMessage);
  $("msg-cancel").addEventListener("click", () => $("msg-dialog").close());
  const mute = $("btn-mute");
  const showMute = () => {
    mute.setAttribute("aria-pressed", String(isMuted()));
    mute.textContent = isMuted() ? "Sound off" : "Sound on";
    mute.setAttribute("aria-label", isMuted() ? "Audible cue muted" : "Audible cue on");
  };
  mute.addEventListener("click", () => {
    setMuted(!isMuted());
    showMute();
  });
  showMute();
  $("mode-live").addEventListener("click", () => setMode("live"));
  $("mode-replay").addEventListener("click", () => setMode("replay"));
  for (const t of ["alerts", "intents", "file"]) $(`tab-${t}`).addEventListener("click", () => selectTab(t));
  $("side").querySelector("[role=tablist]").addEventListener("keydown", (e) => {
    const order = ["alerts", "intents", "file"];
    const i = order.findIndex((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true");
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const n = order[(i + (e.key === "ArrowRight" ? 1 : 2)) % 3];
      selectTab(n);
      $(`tab-${n}`).focus();
    }
  });
  setInterval(() => ($("utc-clock").textContent = utc(Date.now() + state.live.skewMs)), 1000);
  document.addEventListener("keydown", keyboard);

  // panels
  live = new LiveFeeds();
  alerts = new AlertsPanel({
    list: $("alerts-list"),
    status: $("alerts-status"),
    countEl: $("alert-count"),
    showCleared: $("alerts-show-cleared"),
    live,
    onLocate: locateItem,
  });
  new IntentsPanel({ intents: $("intents-list"), conflicts: $("conflicts-list"), airspace: $("airspace-list"), onFocus: focusGeo });
  const filing = new FilingPanel($("filing-form"), {
    draw,
    onFocus: focusGeo,
    onFiled: () => loadIntents().catch(() => {}),
  });
  replay = new ReplayController({
    slider: $("replay-slider"),
    play: $("replay-play"),
    speed: $("replay-speed"),
    file: $("replay-file"),
    save: $("replay-save"),
    session: $("replay-session"),
    time: $("replay-time"),
  });
  installCue({ topbar: document.querySelector(".topbar"), announce: $("alerts-announce") });
  on("feed-status", renderFeedStatus);
  on("selection", renderTrackCard);
  on("picture", () => state.selectedTrack && renderTrackCard());
  on("replay-loaded", ({ frames }) => {
    const pic = state.replay.picture;
    if (pic?.tracks?.length && frames) {
      const b = unionBoxes(pic.tracks.slice(0, 5000).map((t) => [[t.lon_deg, t.lat_deg], [t.lon_deg, t.lat_deg]]));
      if (b) view.fit(b, 60);
    }
  });

  // data
  try {
    await loadParties();
  } catch (e) {
    $("banner").textContent = `Cannot load parties: ${e.message}`;
    $("banner").hidden = false;
  }
  renderWhoami();
  filing.applyRole();
  renderFeedStatus();
  const ready = [];
  ready.push(
    loadAirspace()
      .then(() => {
        // the shared area: every party's protected airspace
        const b = unionBoxes(state.airspace.filter((a) => a.geo).map((a) => bbox(a.geo)));
        if (b) view.fit(b, 60);
      })
      .catch((e) => console.error("airspace", e)),
  );
  ready.push(loadIntents().catch((e) => console.error("intents", e)));
  pollIntents();
  live.start();
  await Promise.all(ready);
  document.body.dataset.ready = "1";
}

boot();
