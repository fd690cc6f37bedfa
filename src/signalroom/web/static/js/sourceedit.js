// The console's source editor: add a source (one [[sources]] table as JSON), try it before
// saving, change, switch off or remove one added here. The configuration file's sources are
// listed but not edited (the file stays the file's). Talks to /api/sources.

import { api } from "./api.js";

/** A starting point per kind: only what it needs, secrets as references. */
const TEMPLATES = {
  rss: { feeds: ["https://example-tribune.com/rss.xml"], google_news: { hl: "en-US", gl: "US", ceid: "US:en" } },
  bluesky: { langs: ["en"] },
  mastodon: {
    instances: [
      { url: "https://mastodon.social", token: "env:MASTODON_TOKEN", streams: [{ stream: "hashtag", tag: "yourbrand" }] },
    ],
  },
  hackernews: { queries: [] },
  reddit: {
    client_id: "env:REDDIT_CLIENT_ID",
    client_secret: "env:REDDIT_CLIENT_SECRET",
    username: "your_reddit_account",
    subreddits: [],
  },
  x: { bearer_token: "env:X_BEARER_TOKEN" },
  youtube: { api_key: "env:YOUTUBE_API_KEY", video_ids: [], channel_ids: [] },
  webhook: { secret: "env:PARTNER_WEBHOOK_SECRET" },
};
const COMMON = new Set(["name", "kind", "enabled"]);

const $ = (id) => document.getElementById(id);

export class SourceEditor {
  /** ``onChanged`` is called after a source was saved or removed (to reload the list). */
  constructor({ onChanged, toast }) {
    this.onChanged = onChanged;
    this.toast = toast;
    this.editing = null; // the name of the source being changed, or null: a new one
    this.removeArmedUntil = 0;
    this.kinds = null; // what each kind takes, from /api/sources/kinds (loaded once)
    $("s-kind").addEventListener("change", () => {
      if (!this.editing) this.fillTemplate();
      this.renderKindDoc();
    });
    $("s-try").addEventListener("click", () => this.tryIt());
    $("s-cancel").addEventListener("click", () => $("source-dialog").close());
    $("s-remove").addEventListener("click", () => this.remove());
    $("s-settings").addEventListener("input", () => this.verdict(null)); // it was for other settings
    $("source-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  openNew() {
    this.editing = null;
    $("source-dialog-title").textContent = "Add a source";
    $("s-kind").disabled = false;
    $("s-name").disabled = false;
    $("s-name").value = "";
    $("s-enabled").checked = true;
    $("s-save").textContent = "Save and start";
    $("s-remove").hidden = true;
    this.fillTemplate();
    this.show();
    $("s-name").focus();
  }

  /** Change a source added here (``item`` as GET /api/sources lists it). */
  openExisting(item) {
    this.editing = item.name;
    $("source-dialog-title").textContent = `Source “${item.name}”`;
    const table = item.table || {};
    $("s-kind").value = item.kind;
    $("s-kind").disabled = true; // another kind is another source: remove and add
    $("s-name").value = item.name;
    $("s-name").disabled = true;
    $("s-enabled").checked = table.enabled !== false;
    const settings = Object.fromEntries(Object.entries(table).filter(([key]) => !COMMON.has(key)));
    $("s-settings").value = JSON.stringify(settings, null, 2);
    $("s-save").textContent = "Save";
    $("s-remove").hidden = false;
    this.disarmRemove();
    this.show();
  }

  /** The chosen kind's settings beside the JSON: type, default, meaning; a click on a
   * setting's name adds it with its default. */
  async renderKindDoc() {
    if (!this.kinds) {
      try {
        this.kinds = await api("/api/sources/kinds");
      } catch {
        return; // the editor works without its reference
      }
    }
    const kind = this.kinds.items.find((item) => item.kind === $("s-kind").value);
    $("kind-doc").hidden = !kind;
    if (!kind) return;
    const label = $("s-kind").selectedOptions[0]?.textContent || kind.kind;
    $("kind-doc-title").textContent = `What a ${label} source takes`;
    $("kind-summary").textContent = kind.summary;
    const rows = [];
    const add = (setting, depth, parent) => {
      const row = document.createElement("tr");
      row.className = depth ? "nested" : "";
      const name = document.createElement("td");
      if (depth === 0) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "setting-name";
        button.textContent = setting.name;
        button.title = "Add it to the settings with its default";
        button.addEventListener("click", () => this.addSetting(setting));
        name.append(button);
      } else {
        name.append(text(`${parent}.`, "dim"), text(setting.name, "code"));
      }
      if (setting.required) name.append(text(" required", "required"));
      const type = document.createElement("td");
      type.textContent = setting.type;
      const fallback = document.createElement("td");
      fallback.append(text(setting.required ? "" : JSON.stringify(setting.default), "code"));
      const doc = document.createElement("td");
      doc.append(...withCode(setting.doc));
      row.append(name, type, fallback, doc);
      rows.push(row);
      for (const inner of setting.fields || []) add(inner, depth + 1, setting.name);
    };
    for (const setting of kind.settings) add(setting, 0, "");
    $("kind-settings").replaceChildren(...rows);
  }

  addSetting(setting) {
    let settings;
    try {
      settings = JSON.parse($("s-settings").value || "{}");
    } catch (err) {
      this.say(`The settings are not JSON: ${err.message}`, "s-settings");
      return;
    }
    if (settings === null || typeof settings !== "object" || Array.isArray(settings)) return;
    if (!(setting.name in settings)) {
      settings[setting.name] = setting.required ? (setting.type === "text" ? "" : []) : setting.default;
      $("s-settings").value = JSON.stringify(settings, null, 2);
      this.verdict(null);
    }
    $("s-settings").focus();
  }

  fillTemplate() {
    $("s-settings").value = JSON.stringify(TEMPLATES[$("s-kind").value] || {}, null, 2);
  }

  show() {
    this.say(null);
    this.verdict(null);
    this.renderKindDoc();
    const dialog = $("source-dialog");
    if (!dialog.open) dialog.showModal();
  }

  /** The table the form describes, or null (the error is shown). */
  table() {
    let settings;
    try {
      settings = JSON.parse($("s-settings").value || "{}");
    } catch (err) {
      this.say(`The settings are not JSON: ${err.message}`, "s-settings");
      return null;
    }
    if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
      this.say("The settings must be a JSON object: { … }", "s-settings");
      return null;
    }
    const table = { ...settings, name: $("s-name").value.trim(), kind: $("s-kind").value };
    if (!$("s-enabled").checked) table.enabled = false;
    return table;
  }

  async tryIt() {
    const table = this.table();
    if (!table) return;
    this.say(null);
    this.verdict("Trying… (up to 30 s)", "busy");
    $("s-try").disabled = true;
    try {
      const result = await api("/api/sources/check", { method: "POST", body: table, timeoutMs: 40000 });
      this.verdict(`${result.ok ? "✓ Works" : "✗ Does not work yet"}: ${result.detail}`, result.ok ? "ok" : "bad");
    } catch (err) {
      this.verdict(null);
      this.fail(err);
    } finally {
      $("s-try").disabled = false;
    }
  }

  async save() {
    const table = this.table();
    if (!table) return;
    this.say(null);
    this.verdict(null);
    $("s-save").disabled = true;
    try {
      const path = this.editing ? `/api/sources/${encodeURIComponent(this.editing)}` : "/api/sources";
      const saved = await api(path, { method: this.editing ? "PUT" : "POST", body: table });
      $("source-dialog").close();
      const what = saved.status === "off" ? "saved, switched off" : "saved and started";
      this.toast(`Source “${saved.name}” ${what}`);
      this.onChanged();
    } catch (err) {
      this.fail(err);
    } finally {
      $("s-save").disabled = false;
    }
  }

  async remove() {
    const button = $("s-remove");
    if (Date.now() > this.removeArmedUntil) {
      // Two clicks, not a browser dialog: its posts stay, but it stops listening.
      this.removeArmedUntil = Date.now() + 4000;
      button.classList.add("confirm");
      button.textContent = "Click again to remove";
      setTimeout(() => {
        if (Date.now() > this.removeArmedUntil) this.disarmRemove();
      }, 4100);
      return;
    }
    button.disabled = true;
    try {
      await api(`/api/sources/${encodeURIComponent(this.editing)}`, { method: "DELETE" });
      $("source-dialog").close();
      this.toast(`Source “${this.editing}” removed (its posts stay)`);
      this.onChanged();
    } catch (err) {
      this.fail(err);
    } finally {
      button.disabled = false;
      this.disarmRemove();
    }
  }

  disarmRemove() {
    this.removeArmedUntil = 0;
    $("s-remove").classList.remove("confirm");
    $("s-remove").textContent = "Remove";
  }

  fail(err) {
    const field = err.field && err.field !== "body" ? err.field : null;
    const where = field === "name" ? "s-name" : field === "kind" ? "s-kind" : "s-settings";
    this.say(field && !["name", "kind"].includes(field) ? `${field}: ${err.message}` : err.message, where);
  }

  say(message, where) {
    for (const id of ["s-name", "s-kind", "s-settings"]) $(id).classList.remove("invalid");
    $("source-error").hidden = !message;
    $("source-error").textContent = message || "";
    if (message && where) $(where).classList.add("invalid");
  }

  verdict(text, state) {
    const box = $("source-verdict");
    box.hidden = !text;
    box.textContent = text || "";
    box.dataset.state = state || "";
  }
}

function text(content, className) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = content;
  return span;
}

/** "Seconds between `a` and `b`" as text and <code> nodes (never HTML). */
function withCode(doc) {
  return (doc || "").split("`").map((part, index) => {
    if (index % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  });
}
