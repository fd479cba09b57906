// The console's shared state and a tiny event bus. Modules read `state` and announce changes
// with `emit(name)`; whoever draws or lists something listens with `on(name, fn)`.

export const state = {
  token: null,
  me: null, // {party, role, token_id}
  parties: [], // [{id, name, contact}]
  airspace: [], // [{id, owner, kind, name, features: [GeoJSON Feature]}]
  intents: [], // own intents, in full
  conflicts: [], // rows of GET /v1/conflicts (other parties only as references + overlaps)
  mode: "live", // "live" | "replay"
  live: { picture: null, pictureStatus: "connecting", hotlineStatus: "connecting", skewMs: 0 },
  replay: { picture: null, items: new Map() },
  items: new Map(), // hotline items by id (live)
  selectedItem: null,
  selectedTrack: null,
  preview: null, // filing preview: {geometry, overlaps: [GeoJSON geometry], missing: [...]}
  highlight: null, // {kind: "intent"|"conflict"|"airspace", id}
};

const bus = new EventTarget();

export function emit(name, detail = null) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

export function on(name, fn) {
  const h = (e) => fn(e.detail);
  bus.addEventListener(name, h);
  return () => bus.removeEventListener(name, h);
}

/** The picture the map shows: the live one, or the replayed frame. */
export function currentPicture() {
  return state.mode === "replay" ? state.replay.picture : state.live.picture;
}

/** The hotline items the panels show: live ones, or as they were at the replayed time. */
export function currentItems() {
  return state.mode === "replay" ? state.replay.items : state.items;
}

/** Server time now (ms), from the skew measured against the picture's timestamps. */
export function serverNow() {
  return Date.now() + state.live.skewMs;
}

/** May the signed-in role do this? Mirrors the server's rules (the server enforces them). */
export function may(action) {
  const role = state.me?.role;
  if (action === "file") return role === "admin" || role === "planner";
  if (action === "ack") return role === "duty_officer" || role === "admin";
  if (action === "message") return role !== "observer" && !!state.me?.party;
  return false;
}
