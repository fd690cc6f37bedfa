// How alerts read to people, shared by the alerts page, the console and the wall screens:
// detector and severity names, "observed vs expected (band)", ordering, and the open-alert
// book a page keeps current from the API's list and the live `alert` events.
// Pure functions and one small class: no DOM, no network.

import { compact, toMs } from "./format.js";

export const SEVERITIES = ["critical", "warning", "info"];
export const SEVERITY_TEXT = { critical: "Critical", warning: "Warning", info: "Info" };
export const STATE_TEXT = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };
export const DETECTOR_TEXT = {
  spike: "Volume spike",
  sentiment: "Negative surge",
  keyword: "Keyword trigger",
  influencer: "Influential author",
  trend: "Trending term",
  manual: "Escalated by hand",
};

const STATE_RANK = { open: 0, acknowledged: 1, resolved: 2 };
export const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

export function detectorText(name) {
  return DETECTOR_TEXT[name] || String(name || "detector");
}

export function isActive(alert) {
  return alert.state === "open" || alert.state === "acknowledged";
}

/** Open before acknowledged before resolved; then the most severe; then the newest. */
export function compareAlerts(a, b) {
  return (
    (STATE_RANK[a.state] ?? 3) - (STATE_RANK[b.state] ?? 3) ||
    (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
    toMs(b.updated_at || b.opened_at) - toMs(a.updated_at || a.opened_at)
  );
}

/** 3 → "3", 41.25 → "41.3", 0.4231 → "0.42", 1234 → "1,234". */
export function amount(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  if (abs >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString("en-US");
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, "");
  return n.toFixed(2).replace(/0$/, "").replace(/\.0?$/, "");
}

/** The band as people say it: "12–48"; null when the detector gives none (manual). */
export function bandText(band) {
  if (!Array.isArray(band) || band.length !== 2) return null;
  const [low, high] = band.map(Number);
  if (!Number.isFinite(low) || !Number.isFinite(high) || (low === 0 && high === 0)) return null;
  return `${amount(low)}–${amount(high)}`;
}

/** "observed 142 vs expected 31 (normal 12–48)"; manual alerts have no numbers. */
export function numbersText(alert) {
  if (alert.detector === "manual") return "";
  if (alert.detector === "influencer") {
    // Its "observed" is the author's audience, its band the audience that does not alert.
    const from = Array.isArray(alert.band) ? Number(alert.band[1]) + 1 : NaN;
    return `${compact(alert.observed)} followers${Number.isFinite(from) ? ` (alerts from ${compact(from)})` : ""}`;
  }
  const band = bandText(alert.band);
  return `observed ${amount(alert.observed)} vs expected ${amount(alert.expected)}${band ? ` (normal ${band})` : ""}`;
}

/** "3m", "2h 5m", "4d": how long ago, compact. */
export function ageText(iso, nowMs) {
  const s = Math.max(0, Math.round((nowMs - toMs(iso)) / 1000));
  if (s < 60) return "just now";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/** "14:02" today, "Tue 14:02" this week, "3 Mar 14:02" otherwise. */
export function whenText(iso, nowMs = Date.now()) {
  const ms = toMs(iso);
  if (!Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  const time = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const days = (nowMs - ms) / 86_400_000;
  if (new Date(nowMs).toDateString() === d.toDateString()) return time;
  if (days < 6) return `${d.toLocaleDateString("en-GB", { weekday: "short" })} ${time}`;
  return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${time}`;
}

/**
 * The alerts a page is showing, by id, kept current from list snapshots and live events.
 * A live event and a response of the same change may arrive in either order: the newer
 * `updated_at` wins, never the later arrival.
 */
export class AlertBook {
  constructor() {
    this.byId = new Map();
  }

  /** Replace the contents with a fresh list (a snapshot); keeps nothing stale. */
  reset(items) {
    this.byId = new Map(items.map((a) => [a.id, a]));
  }

  /** Put one alert; returns false when what is held is newer. */
  put(alert) {
    const held = this.byId.get(alert.id);
    if (held && toMs(held.updated_at) > toMs(alert.updated_at)) return false;
    this.byId.set(alert.id, alert);
    return true;
  }

  get(id) {
    return this.byId.get(id);
  }

  sorted(filter = () => true) {
    return [...this.byId.values()].filter(filter).sort(compareAlerts);
  }
}
