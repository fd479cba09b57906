// Colours: one per party (stable, in the order the server lists parties) and one per alert
// state. Chosen to stay distinct on the dark map and for common colour-vision deficiencies;
// shapes and words carry the same information.

const PALETTE = ["#4fc3f7", "#ffb74d", "#ce93d8", "#81c784", "#f48fb1", "#fff176", "#80cbc4", "#bcaaa4"];
const assigned = new Map();

export function setParties(ids) {
  assigned.clear();
  [...ids].sort().forEach((id, i) => assigned.set(id, PALETTE[i % PALETTE.length]));
}

export function partyColor(id) {
  if (!assigned.has(id)) assigned.set(id, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(id);
}

export const ALERT = {
  unacked: "#ff5a4f", // someone (we) must still acknowledge
  waiting: "#ffa23a", // we acknowledged, another party has not
  acked: "#e8d04a", // everyone acknowledged, still active
  cleared: "#7d8794",
  preview: "#ff5a4f",
};

/** "#rrggbb" + alpha → "rgba(...)". */
export function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
