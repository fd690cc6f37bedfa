// Formatting for people: abbreviated counts, relative times, percentages, colours.
// Pure functions only: no DOM, no network.

const COMPACT = [
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

/** 950 → "950", 12345 → "12.3k", 1234567 → "1.2M", 15000 → "15k". */
export function compact(value) {
  const n = Number(value) || 0;
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  for (const [size, suffix] of COMPACT) {
    if (abs >= size) {
      const scaled = abs / size;
      const digits = scaled >= 100 ? 0 : 1;
      const text = scaled.toFixed(digits).replace(/\.0$/, "");
      // 999.95k rounds to "1000k": say "1M" instead.
      if (text === "1000" && size < 1e9) return compact(sign ? -size * 1000 : size * 1000);
      return `${sign}${text}${suffix}`;
    }
  }
  return `${sign}${Math.round(abs)}`;
}

/** 12345 → "12,345". */
export function grouped(value) {
  return Math.round(Number(value) || 0).toLocaleString("en-US");
}

/** Seconds between two epoch-ms instants as "now", "25s", "3m", "2h", "3d". */
export function relativeTime(thenMs, nowMs) {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 10) return "now";
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** 0.6234 → "62%"; NaN (no data) → "—". */
export function percent(share) {
  if (!Number.isFinite(share)) return "—";
  return `${Math.round(share * 100)}%`;
}

/** "#4f9dff", 0.2 → "rgba(79, 157, 255, 0.2)". */
export function withAlpha(hex, alpha) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return `rgba(140, 150, 170, ${alpha})`;
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Initials for an avatar: "Ada Lovelace" → "AL", "@ada.bsky.social" → "AD". */
export function initials(name, handle) {
  const words = String(name || "").trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (firstChar(words[0]) + firstChar(words[1])).toUpperCase();
  const word = words[0] || String(handle || "?").replace(/^@/, "");
  return [...word].slice(0, 2).join("").toUpperCase();
}

function firstChar(word) {
  return [...word][0] || "";
}

/** A stable hue for a string (avatars). */
export function hueOf(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 360;
}

/** ISO 8601 or epoch-ms → epoch-ms. */
export function toMs(iso) {
  return typeof iso === "number" ? iso : Date.parse(iso);
}
