// How the configured sources are doing, for the console (a card) and the walls (a notice):
// a quiet chart must never be mistaken for no chatter. Reads GET /api/sources; text only.

import { api } from "./api.js";
import { el } from "./ui.js";

const WORDS = {
  starting: "starting",
  connected: "live",
  rate_limited: "rate-limited",
  auth_failed: "credentials refused",
  failing: "failing, retrying",
  stale: "no new items",
  stopped: "stopped",
  off: "switched off",
  ingest: "takes posts",
  invalid: "not running: fix its settings",
};
const BAD = new Set(["rate_limited", "auth_failed", "failing", "stale", "stopped"]);

export async function fetchSources() {
  return (await fetchSourceList())?.items ?? null;
}

/** ``{items, editable}``: editable when sources can be added from the console. */
export async function fetchSourceList() {
  try {
    const answer = await api("/api/sources");
    return { items: answer.items, editable: Boolean(answer.editable) };
  } catch {
    return null; // an older server, or offline: say nothing rather than something wrong
  }
}

/** " for 12 min", " for 3 h", or nothing under a minute. */
function lasting(iso, nowMs) {
  const minutes = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 60000));
  if (minutes < 1) return "";
  if (minutes < 90) return ` for ${minutes} min`;
  return ` for ${Math.round(minutes / 60)} h`;
}

/** One line a person reads: "Bluesky · live · 1,840/min" or "Reddit · credentials refused". */
export function describe(source, nowMs) {
  const word = WORDS[source.status] || source.status;
  if (source.status === "connected") {
    return `${source.name} · ${word} · ${Math.round(source.items_per_minute).toLocaleString()}/min`;
  }
  const from = source.status === "stale" && source.last_item_at ? source.last_item_at : source.since;
  return `${source.name} · ${word}${BAD.has(source.status) ? lasting(from, nowMs) : ""}`;
}

export const isBad = (source) => BAD.has(source.status);

/** The console's list: a dot, the name, what it is doing, the last error on hover. A source
 * added from the console opens its editor (``onOpen``); the file's say where they live. */
export function renderSourceList(list, items, nowMs, onOpen = null) {
  list.replaceChildren(
    ...items.map((source) => {
      const li = el("li", "source");
      li.dataset.status = source.status;
      li.dataset.name = source.name;
      const line = el("span", "source-line", describe(source, nowMs));
      if (onOpen && source.origin === "console") {
        const open = el("button", "source-open");
        open.type = "button";
        open.append(el("span", "source-dot"), line);
        open.addEventListener("click", () => onOpen(source));
        li.append(open);
      } else {
        li.append(el("span", "source-dot"), line);
      }
      const last = source.recent_errors?.[source.recent_errors.length - 1];
      const origin = source.origin === "config" ? "in the configuration file" : "";
      li.title = [source.kind, origin, source.detail, last ? `last error: ${last.detail}` : ""]
        .filter(Boolean)
        .join(" · ");
      return li;
    }),
  );
}
