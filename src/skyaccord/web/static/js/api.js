// HTTP and WebSocket access to the skyaccord API, always with the signed-in party's token.

import { state } from "./state.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** `fetch` with the bearer token; JSON in and out; non-2xx → ApiError (with the error body). */
export async function api(path, { method = "GET", body, query, token } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) q.append(k, String(v));
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const headers = { Accept: "application/json", Authorization: `Bearer ${token ?? state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { error: "network", message: `network error: ${e.message}` });
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** A WebSocket URL on this server with the token as `access_token` (browsers cannot set
 *  headers on a WebSocket). */
export function wsUrl(path, params = {}) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const q = new URLSearchParams({ ...params, access_token: state.token });
  return `${proto}//${location.host}${path}?${q}`;
}

/** A WebSocket that reconnects with back-off until `close()`; `onOpen` may return the URL
 *  parameters to use (e.g. a cursor). */
export class LiveSocket {
  constructor(path, { params = () => ({}), onMessage, onStatus }) {
    this.path = path;
    this.params = params;
    this.onMessage = onMessage;
    this.onStatus = onStatus || (() => {});
    this.delay = 1000;
    this.closed = false;
    this.failures = 0;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.path, this.params()));
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 1000;
      this.failures = 0;
      this.onStatus("open");
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.failures += 1;
      this.onStatus("closed", this.failures);
      this.retry();
    };
  }

  retry() {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 15000);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close();
    }
  }
}
