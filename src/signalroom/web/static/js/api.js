// A thin client of the Signalroom JSON API: every failure becomes an ApiError carrying the
// server's error shape ({code, message, field, offset}). No state, no DOM.

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "network";
    this.field = error.field ?? null;
    this.offset = error.offset ?? null;
  }
}

export async function api(path, { method = "GET", body, signal, timeoutMs = 15000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
    });
  } catch (err) {
    if (signal && signal.aborted) throw err;
    throw new ApiError(0, { code: "network", message: "cannot reach the server" });
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error ? payload.error : { message: `HTTP ${response.status}` };
    throw new ApiError(response.status, error);
  }
  return payload;
}

/** A query string from an object, skipping empty values; arrays repeat the key. */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The epoch seconds the API takes, from epoch-ms. */
export function seconds(ms) {
  return (ms / 1000).toFixed(3);
}
