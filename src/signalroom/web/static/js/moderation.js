// The moderation page: the deployment's block/allow rules, and the queue of posts held off
// public screens (waiting for review, or blocked) where a person shows or keeps off each one.
// Post text is rendered with textContent only.

import { api, ApiError, qs } from "./api.js";
import { relativeTime, toMs } from "./format.js";
import { connectLive } from "./live.js";
import { $, el, MAX_SIGNER_CHARS, readSigner, toast, writeSigner } from "./ui.js";

const PAGE = 50;
const PLACEHOLDERS = {
  word: "a word",
  phrase: "several words",
  author: "a handle, e.g. spam.bot",
  domain: "a domain, e.g. example.com",
};

const state = { signer: readSigner(), cursor: null, verdict: "review" };

// -- signing ----------------------------------------------------------------------------
function renderSigner() {
  $("signer").hidden = !state.signer;
  $("signer-name").textContent = state.signer;
}

/** The person's name, asked once per browser; null when they decline. */
function signer() {
  if (state.signer) return state.signer;
  const name = (window.prompt("Sign your moderation changes with your name:") || "").trim();
  if (!name) return null;
  state.signer = name.slice(0, MAX_SIGNER_CHARS);
  writeSigner(state.signer);
  renderSigner();
  return state.signer;
}

// -- rules ------------------------------------------------------------------------------
async function loadRules() {
  const { items } = await api("/api/moderation/rules");
  for (const action of ["block", "allow"]) {
    const list = $(`rules-${action}`);
    list.replaceChildren(...items.filter((r) => r.action === action).map(ruleItem));
    $(`rules-${action}-empty`).hidden = list.children.length > 0;
  }
  $("rules-count").textContent = items.length === 1 ? "1 rule" : `${items.length} rules`;
}

function ruleItem(rule) {
  const li = el("li", `rule rule-${rule.action}`);
  li.dataset.id = String(rule.id);
  li.append(el("span", "rule-kind", rule.kind), el("span", "rule-value", rule.kind === "author" ? `@${rule.value}` : rule.value));
  const who = `${rule.created_by}, ${new Date(toMs(rule.created_at)).toLocaleDateString()}`;
  li.title = rule.note ? `${rule.note} (${who})` : `Added by ${who}`;
  if (rule.note) li.append(el("span", "rule-note", rule.note));
  const remove = el("button", "linklike rule-remove", "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove the rule to ${rule.action} ${rule.value}`);
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    try {
      await api(`/api/moderation/rules/${rule.id}`, { method: "DELETE" });
      toast(`Removed: ${rule.action} ${rule.kind} “${rule.value}”. Re-checking recent posts…`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) toast(`Could not remove: ${err.message}`, "error");
    }
    await loadRules();
    setTimeout(loadQueue, 1500);
  });
  li.append(remove);
  return li;
}

function showRuleError(message) {
  $("rule-error").hidden = !message;
  $("rule-error").textContent = message || "";
}

async function addRule(event) {
  event.preventDefault();
  const by = signer();
  if (!by) {
    showRuleError("Rules are signed with your name: enter it to add one.");
    return;
  }
  const body = {
    action: $("r-action").value,
    kind: $("r-kind").value,
    value: $("r-value").value,
    note: $("r-note").value,
    by,
  };
  if (!body.value.trim()) {
    showRuleError("Type the word, phrase, author or domain.");
    $("r-value").focus();
    return;
  }
  $("rule-add").disabled = true;
  try {
    const rule = await api("/api/moderation/rules", { method: "POST", body });
    showRuleError("");
    $("r-value").value = "";
    $("r-note").value = "";
    toast(`Added: ${rule.action} ${rule.kind} “${rule.value}”. Re-checking recent posts…`);
    await loadRules();
    setTimeout(loadQueue, 1500);
  } catch (err) {
    if (err instanceof ApiError && err.field === "by") {
      state.signer = "";
      writeSigner("");
      renderSigner();
    }
    showRuleError(err.message);
  } finally {
    $("rule-add").disabled = false;
  }
}

// -- the queue --------------------------------------------------------------------------
async function loadQueue(more = false) {
  const cursor = more ? state.cursor : null;
  const since = (Date.now() - 7 * 86_400_000) / 1000;
  const page = await api(`/api/posts${qs({ moderation: state.verdict, since, limit: PAGE, cursor })}`);
  const list = $("queue-list");
  const items = page.items.map(queueItem);
  if (more) list.append(...items);
  else list.replaceChildren(...items);
  state.cursor = page.next_cursor;
  $("queue-more").hidden = !page.next_cursor;
  $("queue-empty").hidden = list.children.length > 0;
  $("queue-empty").textContent =
    state.verdict === "review" ? "Nothing waiting for review in the last 7 days." : "Nothing blocked in the last 7 days.";
}

function queueItem(post) {
  const li = el("li", "mini-post held");
  li.dataset.id = post.id;
  li.dataset.sentiment = post.sentiment?.label || "neutral";
  const head = el("div", "mini-head");
  head.append(
    el("span", "who", post.author?.name || post.author?.handle || "unknown"),
    el("span", "handle", `@${post.author?.handle || ""}`),
    el("span", "meta", `${post.source} · ${relativeTime(toMs(post.created_at), Date.now())}`),
  );
  li.append(head);
  if (post.title) li.append(el("div", "mini-title", post.title));
  li.append(el("div", "mini-text", post.text));
  const m = post.moderation || {};
  const why = el("p", "held-why");
  why.append(el("span", `verdict verdict-${m.verdict}`, m.verdict === "block" ? "Blocked" : "Review"));
  why.append(el("span", "held-reasons", (m.reasons || []).join(" · ") || "no reason given"));
  li.append(why);
  const actions = el("div", "held-actions");
  const show = el("button", "button small primary", "Show on screens");
  show.type = "button";
  show.addEventListener("click", () => decide(li, post.id, "safe"));
  const keep = el("button", "button small danger", "Keep off");
  keep.type = "button";
  keep.addEventListener("click", () => decide(li, post.id, "block"));
  actions.append(show, keep);
  if (m.decision) {
    const undo = el("button", "button small ghost", "Undo my decision");
    undo.type = "button";
    undo.title = `Decided by ${m.decision.by}; the pipeline said ${m.decision.model_verdict}`;
    undo.addEventListener("click", () => decide(li, post.id, null));
    actions.append(undo);
  }
  if (post.url) {
    const open = el("a", "linklike", "Open original ↗");
    open.href = post.url;
    open.target = "_blank";
    open.rel = "noopener noreferrer";
    actions.append(open);
  }
  li.append(actions);
  return li;
}

async function decide(li, id, verdict) {
  const by = signer();
  if (!by) return;
  for (const button of li.querySelectorAll("button")) button.disabled = true;
  try {
    const post = await api(`/api/posts/${encodeURIComponent(id)}/moderation`, {
      method: "PUT",
      body: { verdict, by },
    });
    const now = post.moderation.verdict;
    if (now === state.verdict) li.replaceWith(queueItem(post));
    else li.remove();
    $("queue-empty").hidden = $("queue-list").children.length > 0;
    toast(now === "safe" ? "Shown on public screens." : now === "block" ? "Kept off public screens." : "Back to the pipeline's verdict.");
  } catch (err) {
    toast(`Could not decide: ${err.message}`, "error");
    for (const button of li.querySelectorAll("button")) button.disabled = false;
  }
}

function onEvent(event) {
  if (event.type === "post_updated") {
    const post = event.item;
    for (const li of $("queue-list").children) {
      if (li.dataset.id !== post.id) continue;
      if (post.moderation?.verdict === state.verdict) li.replaceWith(queueItem(post));
      else li.remove();
    }
  } else if (event.type === "posts") {
    const held = event.items.filter((p) => p.moderation?.verdict === state.verdict);
    const list = $("queue-list");
    for (const post of held.reverse()) list.prepend(queueItem(post));
    while (list.children.length > 300) list.lastChild.remove();
    $("queue-empty").hidden = list.children.length > 0;
  }
}

function start() {
  renderSigner();
  $("signer").addEventListener("click", () => {
    state.signer = "";
    writeSigner("");
    renderSigner();
    signer();
  });
  $("r-kind").addEventListener("change", () => {
    $("r-value").placeholder = PLACEHOLDERS[$("r-kind").value];
  });
  $("rule-form").addEventListener("submit", addRule);
  $("queue-filter").addEventListener("change", () => {
    state.verdict = $("queue-filter").value;
    loadQueue().catch((err) => toast(err.message, "error"));
  });
  $("queue-refresh").addEventListener("click", () => loadQueue().catch((err) => toast(err.message, "error")));
  $("queue-more").addEventListener("click", () => loadQueue(true).catch((err) => toast(err.message, "error")));
  loadRules().catch((err) => toast(`Could not load the rules: ${err.message}`, "error"));
  loadQueue().catch((err) => toast(`Could not load the queue: ${err.message}`, "error"));
  connectLive({ onEvent, onState: () => {} });
}

start();
