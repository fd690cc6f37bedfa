// The alerts page: the alerts list (kept live from `alert` events) and one alert's detail
// (why it fired, evidence, escalation, deliveries, audit) with Acknowledge / Resolve; manual
// escalation to a team; teams, escalation policies, routing and silences; and per-topic
// detector settings with a 30-day backtest on a chart.
// Post text and every other server string are rendered with textContent only. Channel
// secrets are never asked for: a team holds references (env:NAME, file:/path), not URLs.

import { api, ApiError, qs } from "./api.js";
import {
  AlertBook,
  SEVERITY_TEXT,
  STATE_TEXT,
  ageText,
  amount,
  bandText,
  detectorText,
  isActive,
  numbersText,
  whenText,
} from "./alertfmt.js";
import { compact, grouped, toMs } from "./format.js";
import { connectLive } from "./live.js";
import { $, el, MAX_SIGNER_CHARS, readSigner, showConnection, toast, writeSigner } from "./ui.js";

const LIST_LIMIT = 200;
const POSTS_SHOWN = 3;
const BACKTEST_DAYS = 30;
const DAY_MS = 86_400_000;
const BACKTESTABLE = new Set(["spike", "sentiment", "keyword"]);
const TOPIC_KINDS = ["brand", "competitor", "campaign", "risk"];
const DETECTORS = ["spike", "sentiment", "keyword", "influencer", "trend", "manual"];
const MAIN_SETTING = /^(window_s|threshold|sensitivity|min_[a-z_]+|persistence_[a-z]+|cooldown_s|critical_[a-z_]+|author_cooldown_s)$/;
const SEVERITY_COLOR = { critical: "#ff5f6d", warning: "#fbbf24", info: "#5ea8ff" };
const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/\S+)$/;

const state = {
  signer: readSigner(),
  offsetMs: 0,
  connection: "connecting",
  syncs: 0,
  enabled: null, // is alerting served? null until the first answer
  filter: "active",
  list: new AlertBook(), // what the list shows (the filter's alerts)
  active: new AlertBook(), // every open or acknowledged alert, for the count
  selected: null, // alert id
  detail: null, // the selected alert's full record (audit, deliveries)
  topics: new Map(),
  teams: [],
  policies: [],
  routing: null,
  detectorItems: [], // the chosen topic's detectors
  backtests: 0,
};

const now = () => Date.now() + state.offsetMs;

// -- signing ------------------------------------------------------------------------------
function renderSigner() {
  $("signer").hidden = !state.signer;
  $("signer-name").textContent = state.signer;
  $("act-name-field").hidden = Boolean(state.signer);
  $("e-name-field").hidden = Boolean(state.signer);
  $("s-name-field").hidden = Boolean(state.signer);
}

/** The signer, or the name typed in `input` (then remembered); "" when neither is given. */
function signerFrom(input) {
  if (state.signer) return state.signer;
  const name = input.value.trim().slice(0, MAX_SIGNER_CHARS);
  if (!name) return "";
  state.signer = name;
  writeSigner(name);
  renderSigner();
  return name;
}

function forgetSigner() {
  state.signer = "";
  writeSigner("");
  renderSigner();
}

function showError(id, message) {
  const node = $(id);
  node.hidden = !message;
  node.textContent = message || "";
}

// -- tabs -----------------------------------------------------------------------------------
function showTab() {
  const hash = location.hash.replace(/^#/, "");
  const tab = ["teams", "detectors"].includes(hash) ? hash : "alerts";
  if (hash.startsWith("alert-")) selectAlert(hash.slice("alert-".length));
  for (const section of document.querySelectorAll("[data-section]")) {
    section.hidden = state.enabled === false || section.dataset.section !== tab;
  }
  for (const link of document.querySelectorAll(".tab")) {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (tab === "detectors" && state.enabled) loadDetectors();
}

// -- loading --------------------------------------------------------------------------------
async function loadAll() {
  const ok = await loadList();
  if (!ok) return;
  await Promise.all([loadTopics(), loadTeamsAndPolicies(), loadRouting(), loadSilences()]);
  if (state.selected) await loadDetail(state.selected);
  showTab();
}

async function loadList() {
  try {
    const [list, active] = await Promise.all([
      api(`/api/alerts${qs({ state: state.filter, limit: LIST_LIMIT })}`),
      state.filter === "active" ? null : api(`/api/alerts${qs({ state: "active", limit: LIST_LIMIT })}`),
    ]);
    setEnabled(true);
    state.list.reset(list.items);
    state.active.reset((active || list).items.filter(isActive));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      setEnabled(false);
      return false;
    }
    toast(`Could not load alerts: ${err.message}`, "error");
    return false;
  }
  renderList();
  return true;
}

function setEnabled(enabled) {
  if (state.enabled === enabled) return;
  state.enabled = enabled;
  $("alerting-off").hidden = enabled;
  for (const link of document.querySelectorAll(".tab")) link.hidden = !enabled;
  showTab();
}

async function loadTopics() {
  try {
    const { items } = await api("/api/topics");
    state.topics = new Map(items.map((t) => [t.id, t]));
  } catch (err) {
    toast(`Could not load topics: ${err.message}`, "error");
    return;
  }
  const sorted = [...state.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const id of ["e-topic", "d-topic", "s-topic"]) {
    const select = $(id);
    const keep = select.value;
    const options = sorted.map((t) => option(String(t.id), t.name));
    if (id === "s-topic") options.unshift(option("", "Every topic"));
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
}

function option(value, text) {
  const node = el("option", "", text);
  node.value = value;
  return node;
}

function topicName(id) {
  return state.topics.get(Number(id))?.name || `topic ${id}`;
}

// -- the list --------------------------------------------------------------------------------
function matchesFilter(alert) {
  if (!state.filter) return true;
  if (state.filter === "active") return isActive(alert);
  return alert.state === state.filter;
}

function receiveAlert(alert) {
  if (isActive(alert)) state.active.put(alert);
  else state.active.byId.delete(alert.id);
  if (matchesFilter(alert)) state.list.put(alert);
  else state.list.byId.delete(alert.id);
  scheduleListRender();
  if (alert.id === state.selected) {
    if (state.detail && toMs(alert.updated_at) >= toMs(state.detail.updated_at)) {
      state.detail = { ...state.detail, ...alert };
      renderDetail();
    }
    scheduleDetailReload();
  }
}

let listTimer = null;

function scheduleListRender() {
  if (listTimer !== null) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    renderList();
  }, 150);
}

function renderList() {
  const items = state.list.sorted();
  $("alert-list").replaceChildren(...items.map(alertItem));
  $("alert-list-empty").hidden = items.length > 0;
  $("alert-list-empty").textContent =
    state.filter === "active" ? "Nothing open. Quiet is good." : "No alerts here.";
  const open = state.active.sorted((a) => a.state === "open").length;
  $("open-count").textContent = open ? String(open) : "";
  $("open-count").dataset.critical = String(
    state.active.sorted((a) => a.state === "open" && a.severity === "critical").length > 0,
  );
  document.title = open ? `(${open}) Alerts · Signalroom` : "Alerts · Signalroom";
}

function alertItem(alert) {
  const li = el("li");
  const button = el("button", "alert-item");
  button.type = "button";
  button.dataset.id = alert.id;
  button.dataset.severity = alert.severity;
  button.dataset.state = alert.state;
  button.setAttribute("aria-current", String(alert.id === state.selected));
  button.addEventListener("click", () => {
    history.replaceState(null, "", `#alert-${alert.id}`);
    selectAlert(alert.id);
  });

  const top = el("div", "ai-top");
  top.append(
    el("span", `sev sev-${alert.severity}`, SEVERITY_TEXT[alert.severity] || alert.severity),
    el("span", "ai-topic", alert.topic_name || topicName(alert.topic_id)),
    el("span", "ai-age", ageText(alert.opened_at, now())),
  );
  top.lastChild.title = `opened ${new Date(toMs(alert.opened_at)).toLocaleString()}`;
  const reason = el("div", "ai-reason", alert.reason || detectorText(alert.detector));
  const foot = el("div", "ai-foot");
  foot.append(el("span", "ai-detector", detectorText(alert.detector)));
  const numbers = numbersText(alert);
  if (numbers) foot.append(el("span", "ai-nums", numbers));
  if (alert.count > 1) foot.append(el("span", "ai-count", `×${grouped(alert.count)}`));
  const status = el("div", `ai-state state-${alert.state}`);
  if (alert.state === "acknowledged") status.textContent = `✓ Acknowledged by ${alert.acknowledged_by || "someone"}`;
  else if (alert.state === "resolved") status.textContent = `Resolved${alert.resolved_by ? ` by ${alert.resolved_by}` : ""}`;
  else status.textContent = "Open · nobody has acknowledged it";
  button.append(top, reason, foot, status);
  li.append(button);
  return li;
}

function refreshAges() {
  for (const button of document.querySelectorAll(".alert-item")) {
    const alert = state.list.get(button.dataset.id);
    const age = button.querySelector(".ai-age");
    if (alert && age) age.textContent = ageText(alert.opened_at, now());
  }
}

// -- one alert --------------------------------------------------------------------------------
function selectAlert(id) {
  if (!id) return;
  if (state.selected !== id) {
    state.selected = id;
    state.detail = state.list.get(id) || state.active.get(id) || null;
    $("act-note").value = "";
    showError("act-error", "");
    if (state.detail) renderDetail();
  }
  for (const button of document.querySelectorAll(".alert-item")) {
    button.setAttribute("aria-current", String(button.dataset.id === id));
  }
  loadDetail(id);
}

let detailSeq = 0;
let detailTimer = null;

function scheduleDetailReload() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => state.selected && loadDetail(state.selected), 300);
}

async function loadDetail(id) {
  const seq = ++detailSeq;
  try {
    const detail = await api(`/api/alerts/${encodeURIComponent(id)}`);
    if (seq !== detailSeq || id !== state.selected) return;
    state.detail = detail;
    renderDetail();
  } catch (err) {
    if (seq !== detailSeq) return;
    if (err instanceof ApiError && err.status === 404) {
      state.selected = null;
      state.detail = null;
      $("detail-body").hidden = true;
      $("detail-empty").hidden = false;
      $("detail-empty").textContent = "This alert no longer exists.";
    } else {
      toast(`Could not load the alert: ${err.message}`, "error");
    }
  }
}

function renderDetail() {
  const a = state.detail;
  if (!a) return;
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  $("detail").dataset.severity = a.severity;
  $("detail").dataset.state = a.state;

  const tags = $("detail-tags");
  tags.replaceChildren(
    el("span", `sev sev-${a.severity}`, SEVERITY_TEXT[a.severity] || a.severity),
    el("span", `state-pill state-${a.state}`, STATE_TEXT[a.state] || a.state),
    el("span", "tag", a.topic_name || topicName(a.topic_id)),
    el("span", "tag", detectorText(a.detector)),
  );
  $("detail-title").textContent = a.reason || detectorText(a.detector);
  const summary = a.evidence?.summary || "";
  $("detail-summary").textContent = summary;
  $("detail-summary").hidden = !summary || summary === a.reason;

  const facts = [];
  if (a.detector !== "manual") {
    const band = bandText(a.band);
    facts.push(["Observed", amount(a.observed), "now"]);
    facts.push(["Expected", amount(a.expected), band ? `normal range ${band}` : ""]);
    if (a.peak && Number.isFinite(Number(a.peak.observed)) && a.peak.observed !== a.observed) {
      facts.push(["Peak", amount(a.peak.observed), `vs ${amount(a.peak.expected)} expected`]);
    }
  }
  facts.push(["Opened", whenText(a.opened_at, now()), agoText(a.opened_at)]);
  facts.push(["Last seen", whenText(a.last_seen, now()), a.count > 1 ? `seen ${grouped(a.count)} times` : ""]);
  if (a.acknowledged_by) {
    facts.push(["Acknowledged", a.acknowledged_by, a.acknowledged_at ? whenText(a.acknowledged_at, now()) : ""]);
  }
  if (a.resolved_at) facts.push(["Resolved", a.resolved_by || "by itself", whenText(a.resolved_at, now())]);
  $("detail-facts").replaceChildren(
    ...facts.map(([label, value, sub]) => {
      const box = el("div", "fact");
      box.append(el("dt", "", label), el("dd", "", value));
      if (sub) box.append(el("dd", "fact-sub", sub));
      return box;
    }),
  );

  const ack = $("act-ack");
  const resolve = $("act-resolve");
  ack.hidden = a.state !== "open";
  resolve.hidden = a.state === "resolved";
  $("act-note").closest(".field").hidden = a.state === "resolved";
  $("act-name-field").hidden = Boolean(state.signer) || a.state === "resolved";
  $("act-state").textContent =
    a.state === "resolved"
      ? `Resolved ${whenText(a.resolved_at, now())}${a.resolved_by ? ` by ${a.resolved_by}` : ""}. It reopens if the detector fires again.`
      : a.state === "acknowledged"
        ? `Acknowledged by ${a.acknowledged_by}: escalation stopped.`
        : "Acknowledging stops the escalation.";

  renderEscalation(a);
  renderEvidence(a.evidence);
  renderDeliveries(a.deliveries);
  renderAudit(a.audit);
}

function agoText(iso) {
  const age = ageText(iso, now());
  return age === "just now" ? age : `${age} ago`;
}

function renderEscalation(a) {
  const box = $("detail-escalation");
  const e = a.escalation;
  if (!e) {
    box.replaceChildren(el("p", "dim small", "Not routed to any policy: nobody is notified (see Routing)."));
    return;
  }
  const lines = [el("p", "esc-policy", e.policy.replace(/^team:/, "team "))];
  const status = {
    active: e.held
      ? `Held by a silence until ${whenText(e.next_at, now())}: step ${Number(e.next_step) + 1} goes out then (see Silences)`
      : e.next_at
        ? `Next notification ${whenText(e.next_at, now())} (step ${Number(e.next_step) + 1})`
        : "Running",
    stopped: "Stopped (acknowledged or resolved)",
    exhausted: "Every level was notified; nobody left to call",
  }[e.status];
  lines.push(el("p", `esc-status esc-${e.status}`, status || e.status));
  const policy = state.policies.find((p) => p.name === e.policy);
  if (policy) lines.push(el("p", "dim small", policySummary(policy)));
  box.replaceChildren(...lines);
}

function renderEvidence(evidence) {
  const terms = evidence?.top_terms || [];
  $("detail-terms").replaceChildren(
    ...terms.map((t) => {
      const li = el("li", "term");
      li.append(el("span", "", t.term), el("b", "", grouped(t.count)));
      li.title = `${t.term}: in ${grouped(t.count)} of the alert's posts`;
      return li;
    }),
  );
  if (!terms.length) $("detail-terms").append(el("li", "dim small", "None recorded."));

  const authors = evidence?.top_authors || [];
  $("detail-authors").replaceChildren(
    ...authors.map((a) => {
      const li = el("li", "author");
      li.append(
        el("span", "author-handle", `@${String(a.handle || "").replace(/^@/, "")}`),
        el("span", "dim", `${compact(a.followers)} followers`),
        el("b", "", `${grouped(a.posts)} post${a.posts === 1 ? "" : "s"}`),
      );
      return li;
    }),
  );
  if (!authors.length) $("detail-authors").append(el("li", "dim small", "None recorded."));

  const posts = evidence?.top_posts || [];
  const list = $("detail-posts");
  const all = list.dataset.all === "true" && list.dataset.alert === state.selected;
  list.dataset.alert = state.selected || "";
  list.dataset.all = String(all);
  list.replaceChildren(...posts.slice(0, all ? posts.length : POSTS_SHOWN).map(evidencePost));
  if (!posts.length) list.append(el("li", "dim small", "No posts recorded for this alert."));
  const more = $("posts-more");
  more.hidden = all || posts.length <= POSTS_SHOWN;
  more.textContent = `Show ${posts.length - POSTS_SHOWN} more`;
}

function evidencePost(post) {
  const li = el("li", "mini-post");
  const label = typeof post.sentiment === "string" ? post.sentiment : post.sentiment?.label;
  li.dataset.sentiment = label || "neutral";
  const head = el("div", "mini-head");
  head.append(el("span", "who", `@${String(post.author || "unknown").replace(/^@/, "")}`));
  if (post.followers) head.append(el("span", "handle", `· ${compact(post.followers)} followers`));
  if (post.reach) head.append(el("span", "handle", `· reach ${compact(post.reach)}`));
  const meta = el("span", "meta", whenText(post.created_at, now()));
  if (/^https?:\/\//i.test(post.url || "")) {
    const link = el("a", "original", "original ↗");
    link.href = post.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    meta.append(" · ", link);
  }
  head.append(meta);
  li.append(head, el("div", "mini-text", post.text || ""));
  return li;
}

function renderDeliveries(deliveries) {
  const rows = deliveries || [];
  $("detail-deliveries").replaceChildren(
    ...rows.map((m) => {
      const li = el("li", `delivery delivery-${m.state}`);
      const line = el("div", "d-line");
      const when = m.sent_at
        ? whenText(m.sent_at, now())
        : m.state === "pending" && m.next_attempt_at
          ? `next try ${whenText(m.next_attempt_at, now())}`
          : whenText(m.created_at, now());
      const tries = m.attempts > 1 ? ` · ${grouped(m.attempts)} tries` : "";
      line.append(
        el("span", `dstate dstate-${m.state}`, m.state),
        el("b", "", m.team),
        el("code", "ref", m.channel),
        el("span", "d-when", `${when}${tries}`),
      );
      li.title = m.title || "";
      li.append(line);
      if (m.last_error) li.append(el("p", "derror", m.last_error));
      return li;
    }),
  );
  $("detail-deliveries").hidden = rows.length === 0;
  $("deliveries-empty").hidden = rows.length > 0;
}

const AUDIT_TEXT = {
  opened: "opened",
  updated: "updated",
  reopened: "reopened",
  acknowledged: "acknowledged",
  resolved: "resolved",
};

function renderAudit(entries) {
  const list = $("detail-audit");
  list.replaceChildren(
    ...(entries || []).map((e) => {
      const li = el("li", `audit-${e.action}`);
      li.append(
        el("span", "audit-at", whenText(e.at, now())),
        el("span", "audit-what", `${e.actor} ${AUDIT_TEXT[e.action] || e.action}`),
      );
      if (e.note) li.append(el("span", "audit-note", e.note));
      li.title = new Date(toMs(e.at)).toLocaleString();
      return li;
    }),
  );
  if (!list.children.length) list.append(el("li", "dim small", "Loading…"));
}

async function act(action) {
  const a = state.detail;
  if (!a) return;
  const by = signerFrom($("act-name"));
  if (!by) {
    showError("act-error", "Enter your name: acknowledgements are signed with it.");
    $("act-name").focus();
    return;
  }
  showError("act-error", "");
  const buttons = [$("act-ack"), $("act-resolve")];
  for (const b of buttons) b.disabled = true;
  try {
    const note = $("act-note").value.trim();
    const alert = await api(`/api/alerts/${encodeURIComponent(a.id)}/${action}`, {
      method: "POST",
      body: note ? { by, note } : { by },
    });
    $("act-note").value = "";
    receiveAlert(alert);
    toast(action === "ack" ? "Acknowledged: escalation stopped." : "Resolved.");
    loadDetail(a.id);
  } catch (err) {
    if (err instanceof ApiError && err.field === "by") forgetSigner();
    showError("act-error", err.message);
    if (err instanceof ApiError && err.status === 409) loadDetail(a.id);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

// -- manual escalation ------------------------------------------------------------------------
function fillTeamOptions(select) {
  const keep = select.value;
  const groups = [];
  if (state.teams.length) {
    const group = el("optgroup");
    group.label = "Teams (notified now, and again if nobody acknowledges)";
    group.append(...state.teams.map((t) => option(t.name, t.name)));
    groups.push(group);
  }
  if (state.policies.length) {
    const group = el("optgroup");
    group.label = "Escalation policies";
    group.append(...state.policies.map((p) => option(p.name, `${p.name} (policy)`)));
    groups.push(group);
  }
  select.replaceChildren(...groups);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

/** ``point``: a moment of a topic's chart ({topicId, at (ms), value}) to escalate, or none. */
function openEscalate(point = null) {
  showError("escalate-error", "");
  fillTeamOptions($("e-team"));
  if (!$("e-team").options.length) showError("escalate-error", "Create a team first (Teams & escalation).");
  state.escalatePoint = point;
  const selectedTopic = point ? Number(point.topicId) : state.detail?.topic_id;
  if (selectedTopic && state.topics.has(selectedTopic)) $("e-topic").value = String(selectedTopic);
  $("e-topic").disabled = Boolean(point);
  $("e-point").hidden = !point;
  if (point) {
    $("e-point").textContent =
      `About ${amount(point.value)} posts a minute at ${new Date(point.at).toLocaleString()} ` +
      `on ${topicName(point.topicId)}: the alert keeps this point.`;
  }
  renderSigner();
  $("escalate-dialog").showModal();
  $("e-note").focus();
}

async function sendEscalation(event) {
  event.preventDefault();
  const by = signerFrom($("e-name"));
  if (!by) {
    showError("escalate-error", "Enter your name: escalations are signed with it.");
    $("e-name").focus();
    return;
  }
  const body = {
    topic_id: Number($("e-topic").value),
    team: $("e-team").value,
    note: $("e-note").value.trim(),
    severity: $("e-severity").value,
    by,
  };
  if (state.escalatePoint) {
    body.point = { at: new Date(state.escalatePoint.at).toISOString(), value: state.escalatePoint.value };
  }
  if (!body.topic_id || !body.team) {
    showError("escalate-error", "Pick a topic and a team.");
    return;
  }
  if (!body.note) {
    showError("escalate-error", "Add a note: the team needs to know what to look at.");
    $("e-note").focus();
    return;
  }
  $("e-send").disabled = true;
  try {
    const alert = await api("/api/alerts/escalate", { method: "POST", body });
    $("escalate-dialog").close();
    $("e-note").value = "";
    receiveAlert(alert);
    toast(`Escalated to ${body.team}.`);
    history.replaceState(null, "", `#alert-${alert.id}`);
    selectAlert(alert.id);
  } catch (err) {
    if (err instanceof ApiError && err.field === "by") forgetSigner();
    showError("escalate-error", err.message);
  } finally {
    $("e-send").disabled = false;
  }
}

// -- teams and policies -------------------------------------------------------------------------
async function loadTeamsAndPolicies() {
  try {
    const [teams, policies] = await Promise.all([api("/api/teams"), api("/api/policies")]);
    state.teams = teams.items;
    state.policies = policies.items;
  } catch (err) {
    toast(`Could not load teams: ${err.message}`, "error");
    return;
  }
  renderTeams();
  renderPolicies();
  renderRouting();
}

function renderTeams() {
  const list = $("team-list");
  list.replaceChildren(
    ...state.teams.map((team) => {
      const li = el("li", "entity");
      const head = el("div", "entity-head");
      head.append(el("b", "entity-name", team.name));
      head.append(el("span", "dim small", `${team.members.length} member${team.members.length === 1 ? "" : "s"}`));
      head.append(el("span", "spacer"), entityButton("Edit", () => editTeam(team)));
      head.append(confirmButton("Delete", `/api/teams/${encodeURIComponent(team.name)}`, `Team “${team.name}” deleted`, loadTeamsAndPolicies));
      li.append(head);
      if (team.members.length) {
        li.append(el("p", "entity-line", team.members.map((m) => (m.contact ? `${m.name} (${m.contact})` : m.name)).join(" · ")));
      }
      const refs = el("div", "refs");
      for (const channel of team.channels) refs.append(el("code", "ref", channel));
      if (team.webhook) refs.append(el("code", "ref", `webhook ${team.webhook.url} · key ${team.webhook.key}`));
      if (!refs.children.length) refs.append(el("span", "dim small", "No channels: nobody is notified."));
      li.append(refs);
      return li;
    }),
  );
  $("team-empty").hidden = state.teams.length > 0;
}

function entityButton(text, onClick) {
  const button = el("button", "button small ghost", text);
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

/** Two clicks, not a browser dialog, to delete. */
function confirmButton(text, path, done, reload) {
  const button = el("button", "button small danger", text);
  button.type = "button";
  let armed = 0;
  button.addEventListener("click", async () => {
    if (Date.now() > armed) {
      armed = Date.now() + 4000;
      button.classList.add("confirm");
      button.textContent = "Click again";
      setTimeout(() => {
        if (Date.now() > armed) {
          button.classList.remove("confirm");
          button.textContent = text;
        }
      }, 4100);
      return;
    }
    button.disabled = true;
    try {
      await api(path, { method: "DELETE" });
      toast(done);
    } catch (err) {
      toast(`Could not delete: ${err.message}`, "error");
    }
    await reload();
  });
  return button;
}

function editTeam(team) {
  const form = $("team-form");
  form.hidden = false;
  form.dataset.editing = team ? team.name : "";
  $("team-form-title").textContent = team ? `Edit team · ${team.name}` : "New team";
  $("t-name").value = team ? team.name : "";
  $("t-name").disabled = Boolean(team);
  $("t-members").value = team ? team.members.map((m) => (m.contact ? `${m.name}, ${m.contact}` : m.name)).join("\n") : "";
  $("t-channels").value = team ? team.channels.join("\n") : "";
  $("t-webhook-url").value = team?.webhook?.url || "";
  $("t-webhook-key").value = team?.webhook?.key || "";
  showError("team-error", "");
  (team ? $("t-members") : $("t-name")).focus();
}

function lines(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** A pasted URL instead of a reference: say why it is refused and what to do instead. */
function secretProblem(value, what) {
  if (SECRET_REF.test(value)) return "";
  if (/:\/\//.test(value)) {
    return `${what} “${value.slice(0, 40)}…” looks like the URL itself. It holds a token, so it is not stored here: put it in an environment variable (or a file) on the server and give env:NAME (or file:/path).`;
  }
  return `${what} “${value}” must be a secret reference: env:NAME or file:/path.`;
}

async function saveTeam(event) {
  event.preventDefault();
  const name = $("t-name").value.trim();
  if (!name) {
    showError("team-error", "Give the team a name.");
    return;
  }
  const channels = lines($("t-channels").value);
  for (const channel of channels) {
    const problem = secretProblem(channel, "Channel");
    if (problem) {
      showError("team-error", problem);
      $("t-channels").focus();
      return;
    }
  }
  const members = lines($("t-members").value).map((line) => {
    const at = line.indexOf(",");
    return at < 0 ? { name: line, contact: "" } : { name: line.slice(0, at).trim(), contact: line.slice(at + 1).trim() };
  });
  const url = $("t-webhook-url").value.trim();
  const key = $("t-webhook-key").value.trim();
  let webhook = null;
  if (url || key) {
    const problem = !url ? "The signed webhook needs its URL." : secretProblem(key, "The signing key");
    if (problem) {
      showError("team-error", problem);
      return;
    }
    webhook = { url, key };
  }
  try {
    await api(`/api/teams/${encodeURIComponent(name)}`, { method: "PUT", body: { name, members, channels, webhook } });
    toast(`Team “${name}” saved.`);
    $("team-form").hidden = true;
    await loadTeamsAndPolicies();
  } catch (err) {
    showError("team-error", err.field ? `${err.field}: ${err.message}` : err.message);
  }
}

function minutesText(seconds) {
  const m = Math.round(Number(seconds) / 60);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

function policySummary(policy) {
  const steps = policy.levels.map(
    (level, i) =>
      `${i + 1}. ${level.targets.join(", ")} (wait ${minutesText(level.timeout_s)})` +
      (level.takeover?.length ? ` · takes over ${level.takeover.join(", ")}` : ""),
  );
  const repeat = policy.repeat ? ` · then ${policy.repeat} more time${policy.repeat === 1 ? "" : "s"}` : "";
  return `${steps.join(" → ")}${repeat}`;
}

function renderPolicies() {
  const list = $("policy-list");
  list.replaceChildren(
    ...state.policies.map((policy) => {
      const li = el("li", "entity");
      const head = el("div", "entity-head");
      head.append(el("b", "entity-name", policy.name));
      if (state.routing?.default_policy === policy.name) head.append(el("span", "tag", "default"));
      head.append(el("span", "spacer"), entityButton("Edit", () => editPolicy(policy)));
      head.append(confirmButton("Delete", `/api/policies/${encodeURIComponent(policy.name)}`, `Policy “${policy.name}” deleted`, loadTeamsAndPolicies));
      li.append(head, el("p", "entity-line", policySummary(policy)));
      return li;
    }),
  );
  $("policy-empty").hidden = state.policies.length > 0;
}

function levelRow(level) {
  const li = el("li", "level");
  const targets = el("div", "targets");
  targets.setAttribute("role", "group");
  targets.setAttribute("aria-label", "Teams to notify");
  for (const team of state.teams) {
    const label = el("label", "pick");
    const box = el("input");
    box.type = "checkbox";
    box.value = team.name;
    box.checked = level.targets.includes(team.name);
    label.append(box, el("span", "", team.name));
    targets.append(label);
  }
  if (!state.teams.length) targets.append(el("span", "dim small", "Create a team first."));
  const wait = el("label", "wait");
  const minutes = el("input");
  minutes.type = "number";
  minutes.min = "1";
  minutes.step = "1";
  minutes.value = String(Math.round(level.timeout_s / 60));
  wait.append(el("span", "", "then wait"), minutes, el("span", "", "min"));
  const takeover = el("label", "takeover-screens");
  const screens = el("input");
  screens.placeholder = "e.g. warroom, exec-floor (or *)";
  screens.value = (level.takeover || []).join(", ");
  screens.title = "Wall screens (their /screen/NAME) this level fills with the crisis until someone acknowledges";
  takeover.append(el("span", "", "take over screens"), screens);
  const remove = el("button", "linklike", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => li.remove());
  li.append(targets, wait, takeover, remove);
  return li;
}

function editPolicy(policy) {
  const form = $("policy-form");
  form.hidden = false;
  $("policy-form-title").textContent = policy ? `Edit policy · ${policy.name}` : "New policy";
  $("p-name").value = policy ? policy.name : "";
  $("p-name").disabled = Boolean(policy);
  $("p-repeat").value = String(policy ? policy.repeat : 0);
  const levels = policy ? policy.levels : [{ targets: [], timeout_s: 600 }];
  $("p-levels").replaceChildren(...levels.map(levelRow));
  showError("policy-error", "");
  (policy ? $("p-repeat") : $("p-name")).focus();
}

async function savePolicy(event) {
  event.preventDefault();
  const name = $("p-name").value.trim();
  const levels = [...$("p-levels").children].map((li) => ({
    targets: [...li.querySelectorAll(".targets input:checked")].map((box) => box.value),
    timeout_s: Math.max(1, Number(li.querySelector(".wait input").value) || 0) * 60,
    takeover: li
      .querySelector(".takeover-screens input")
      .value.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  }));
  if (!name) return showError("policy-error", "Give the policy a name.");
  if (!levels.length) return showError("policy-error", "Add at least one level.");
  if (levels.some((l) => !l.targets.length)) return showError("policy-error", "Each level notifies at least one team.");
  const repeat = Math.max(0, Math.floor(Number($("p-repeat").value) || 0));
  try {
    await api(`/api/policies/${encodeURIComponent(name)}`, { method: "PUT", body: { name, levels, repeat } });
    toast(`Policy “${name}” saved.`);
    $("policy-form").hidden = true;
    await loadTeamsAndPolicies();
  } catch (err) {
    showError("policy-error", err.field ? `${err.field}: ${err.message}` : err.message);
  }
}

// -- routing ------------------------------------------------------------------------------------
async function loadRouting() {
  try {
    state.routing = await api("/api/routing");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) toast(`Could not load routing: ${err.message}`, "error");
    state.routing = null;
  }
  renderRouting();
  renderPolicies();
}

function renderRouting() {
  const select = $("r-default");
  const current = state.routing?.default_policy || "";
  const options = state.policies.map((p) => option(p.name, p.name));
  if (current && !state.policies.some((p) => p.name === current)) {
    // The policy named "default" is what alerts follow before routing is saved.
    options.unshift(option(current, `${current} (no such policy: alerts are recorded, nobody is told)`));
  }
  if (!options.length) options.push(option("", "— create a policy first —"));
  select.replaceChildren(...options);
  select.value = current;
  $("r-routes").replaceChildren(...(state.routing?.routes || []).map(routeRow));
}

function checkGroup(label, values, chosen, texts = {}) {
  const box = el("div", "checks");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", label);
  box.append(el("span", "checks-label", label));
  for (const value of values) {
    const pick = el("label", "pick");
    const input = el("input");
    input.type = "checkbox";
    input.value = String(value);
    input.checked = chosen.map(String).includes(String(value));
    pick.append(input, el("span", "", texts[value] || String(value)));
    box.append(pick);
  }
  return box;
}

function routeRow(route) {
  const li = el("li", "route");
  const top = el("div", "route-top");
  const policy = el("select", "route-policy");
  policy.setAttribute("aria-label", "Policy");
  policy.append(...state.policies.map((p) => option(p.name, p.name)));
  policy.value = route.policy;
  const severity = el("select", "route-severity");
  severity.setAttribute("aria-label", "Minimum severity");
  severity.append(option("info", "any severity"), option("warning", "warning or worse"), option("critical", "critical only"));
  severity.value = route.min_severity || "info";
  const remove = el("button", "linklike", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => li.remove());
  top.append(el("span", "", "Use"), policy, el("span", "", "for"), severity, el("span", "spacer"), remove);
  const topics = [...state.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  const names = Object.fromEntries(topics.map((t) => [t.id, t.name]));
  li.append(
    top,
    checkGroup("Topics", topics.map((t) => t.id), route.topic_ids || [], names),
    checkGroup("Kinds", TOPIC_KINDS, route.topic_kinds || []),
    checkGroup("Detectors", DETECTORS, route.detectors || [], Object.fromEntries(DETECTORS.map((d) => [d, detectorText(d)]))),
  );
  return li;
}

async function saveRouting(event) {
  event.preventDefault();
  const picked = (li, label) =>
    [...li.querySelectorAll(`.checks[aria-label="${label}"] input:checked`)].map((box) => box.value);
  const routes = [...$("r-routes").children].map((li) => ({
    policy: li.querySelector(".route-policy").value,
    topic_ids: picked(li, "Topics").map(Number),
    topic_kinds: picked(li, "Kinds"),
    detectors: picked(li, "Detectors"),
    min_severity: li.querySelector(".route-severity").value,
  }));
  const defaultPolicy = $("r-default").value;
  if (!defaultPolicy) return showError("routing-error", "Pick a default policy.");
  if (routes.some((r) => !r.policy)) return showError("routing-error", "Each rule needs a policy.");
  try {
    state.routing = await api("/api/routing", { method: "PUT", body: { default_policy: defaultPolicy, routes } });
    showError("routing-error", "");
    toast("Routing saved.");
    renderRouting();
    renderPolicies();
  } catch (err) {
    showError("routing-error", err.field ? `${err.field}: ${err.message}` : err.message);
  }
}

// -- silences -----------------------------------------------------------------------------------
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_TEXT = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };
const SEVERITY_SCOPE = { warning: "warnings and info", info: "info only" };

/** "Mon–Fri", "Sat, Sun", "every day": consecutive days read as a range. */
function daysText(days) {
  if (days.length === 7) return "every day";
  const idx = days.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
  const runs = [];
  for (const i of idx) {
    const run = runs[runs.length - 1];
    if (run && i === run[1] + 1) run[1] = i;
    else runs.push([i, i]);
  }
  return runs
    .map(([a, b]) => (b - a >= 2 ? `${WEEKDAY_TEXT[WEEKDAYS[a]]}–${WEEKDAY_TEXT[WEEKDAYS[b]]}` : WEEKDAYS.slice(a, b + 1).map((d) => WEEKDAY_TEXT[d]).join(", ")))
    .join(", ");
}

/** "Mon–Fri 22:00–07:00 (next day)", "Sat, Sun all day". */
function windowText(w) {
  if (w.start === w.end && w.start === "00:00") return `${daysText(w.days)} all day`;
  const overnight = w.end <= w.start ? " (next day)" : "";
  return `${daysText(w.days)} ${w.start}–${w.end}${overnight}`;
}

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** A mute window's moment on its own zone's clock ("Tue 22:00 Europe/Budapest") when the
 * browser is elsewhere, so it reads like the window that was set. */
function zonedWhen(iso, zone, t) {
  if (!zone || zone === BROWSER_ZONE) return whenText(iso, t);
  try {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(toMs(iso)));
    return `${parts} ${zone}`;
  } catch {
    return whenText(iso, t);
  }
}

function silenceStatus(s, t) {
  const zone = s.windows.length ? s.timezone : null;
  if (s.muting) return s.muting_until ? `muting now, until ${zonedWhen(s.muting_until, zone, t)}` : "muting now";
  if (s.next_mute_at) return `mutes next ${zonedWhen(s.next_mute_at, zone, t)}`;
  return s.ends_at ? `ended ${whenText(s.ends_at, t)}` : "mutes no more";
}

async function loadSilences() {
  let items;
  try {
    ({ items } = await api("/api/silences"));
  } catch (err) {
    toast(`Could not load silences: ${err.message}`, "error");
    return;
  }
  const t = now();
  const over = (s) => !s.muting && !s.next_mute_at;
  // Muting first, then upcoming, then those that are over; newest first within each.
  const rank = (s) => (s.muting ? 0 : s.next_mute_at ? 1 : 2);
  const sorted = [...items].sort((a, b) => rank(a) - rank(b) || toMs(b.starts_at) - toMs(a.starts_at));
  $("silence-list").replaceChildren(
    ...sorted.map((s) => {
      const ended = over(s);
      const li = el("li", `entity silence${ended ? " ended" : ""}${s.muting ? " muting" : ""}`);
      const head = el("div", "entity-head");
      const scope = [s.topic_id ? topicName(s.topic_id) : "Every topic", s.detector ? detectorText(s.detector) : "every detector"];
      if (s.max_severity) scope.push(SEVERITY_SCOPE[s.max_severity] || s.max_severity);
      if (s.fingerprint) scope.push("one alert");
      head.append(el("b", "entity-name", scope.join(" · ")));
      head.append(el("span", "silence-state small", silenceStatus(s, t)));
      head.append(el("span", "spacer"));
      head.append(confirmButton(ended || s.windows.length ? "Remove" : "End now", `/api/silences/${encodeURIComponent(s.id)}`, "Silence removed", loadSilences));
      li.append(head);
      if (s.windows.length) {
        const when = s.windows.map(windowText).join(" · ");
        li.append(el("p", "entity-line silence-when", `Every week: ${when} (${s.timezone})${s.ends_at ? `, until ${whenText(s.ends_at, t)}` : ""}`));
      }
      li.append(el("p", "entity-line", `${s.comment || "no reason given"} — ${s.created_by}`));
      return li;
    }),
  );
  $("silence-empty").hidden = items.length > 0;
}

function windowRow(w) {
  const li = el("li", "level window");
  const days = el("div", "targets");
  days.setAttribute("role", "group");
  days.setAttribute("aria-label", "Days");
  for (const d of WEEKDAYS) {
    const label = el("label", "pick");
    const box = el("input");
    box.type = "checkbox";
    box.value = d;
    box.checked = w.days.includes(d);
    label.append(box, el("span", "", WEEKDAY_TEXT[d]));
    days.append(label);
  }
  const times = el("label", "wait");
  const from = el("input");
  from.type = "time";
  from.value = w.start;
  from.className = "w-start";
  from.setAttribute("aria-label", "From");
  const to = el("input");
  to.type = "time";
  to.value = w.end;
  to.className = "w-end";
  to.setAttribute("aria-label", "To");
  times.append(el("span", "", "from"), from, el("span", "", "to"), to);
  const hint = el("span", "dim small window-hint");
  const explain = () => {
    if (!from.value || !to.value) hint.textContent = "";
    else if (from.value === to.value) hint.textContent = "the whole day";
    else hint.textContent = to.value < from.value ? "overnight: ends the next morning" : "";
  };
  from.addEventListener("input", explain);
  to.addEventListener("input", explain);
  explain();
  const remove = el("button", "linklike", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => li.remove());
  li.append(days, times, hint, remove);
  return li;
}

function readWindows() {
  return [...$("s-windows").children].map((li) => ({
    days: [...li.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value),
    start: li.querySelector(".w-start").value,
    end: li.querySelector(".w-end").value,
  }));
}

function fillTimezones() {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const names = [...new Set(["UTC", here, ...zones])].sort((a, b) => (a === here ? -1 : b === here ? 1 : a.localeCompare(b)));
  $("s-timezone").replaceChildren(...names.map((z) => option(z, z === here ? `${z} (this browser)` : z)));
  $("s-timezone").value = here;
}

function showSilenceKind() {
  const weekly = $("s-kind").value === "weekly";
  $("s-duration-field").hidden = weekly;
  $("s-timezone-field").hidden = !weekly;
  $("s-windows-field").hidden = !weekly;
  $("silence-submit").textContent = weekly ? "Save mute window" : "Silence";
  if (weekly && !$("s-windows").children.length) {
    $("s-windows").append(windowRow({ days: WEEKDAYS.slice(0, 5), start: "22:00", end: "07:00" }));
  }
}

async function addSilence(event) {
  event.preventDefault();
  const by = signerFrom($("s-name"));
  if (!by) {
    $("s-name").focus();
    return showError("silence-error", "Enter your name: silences are signed with it.");
  }
  const body = { by, comment: $("s-comment").value.trim() };
  if ($("s-kind").value === "weekly") {
    body.windows = readWindows();
    body.timezone = $("s-timezone").value;
    if (!body.windows.length) return showError("silence-error", "Add the times to mute, or choose “Once”.");
    const empty = body.windows.findIndex((w) => !w.days.length || !w.start || !w.end);
    if (empty >= 0) return showError("silence-error", `Times ${empty + 1}: pick at least one day, and both times.`);
  } else {
    body.duration_minutes = Number($("s-duration").value);
  }
  if ($("s-topic").value) body.topic_id = Number($("s-topic").value);
  if ($("s-detector").value) body.detector = $("s-detector").value;
  if ($("s-severity").value) body.max_severity = $("s-severity").value;
  if (!body.topic_id && !body.detector && !body.max_severity) {
    return showError("silence-error", "Choose a topic, a detector or a severity: a silence never mutes everything by accident.");
  }
  if (!body.comment) return showError("silence-error", "Say why: the people paged later will want to know.");
  try {
    await api("/api/silences", { method: "POST", body });
    showError("silence-error", "");
    $("s-comment").value = "";
    toast($("s-kind").value === "weekly" ? "Mute window saved." : "Silenced.");
    await loadSilences();
  } catch (err) {
    showError("silence-error", err.message);
  }
}

// -- detector settings and backtest ------------------------------------------------------------
let detectorSeq = 0;

async function loadDetectors() {
  const topicId = $("d-topic").value;
  if (!topicId) {
    $("d-about").textContent = "Create a topic first: detectors watch topics.";
    return;
  }
  const seq = ++detectorSeq;
  try {
    const { items } = await api(`/api/topics/${topicId}/detectors`);
    if (seq !== detectorSeq) return;
    state.detectorItems = items;
  } catch (err) {
    toast(`Could not load detector settings: ${err.message}`, "error");
    return;
  }
  const select = $("d-detector");
  const keep = select.value;
  select.replaceChildren(
    ...state.detectorItems.map((item) =>
      option(item.detector, `${detectorText(item.detector)}${item.enabled ? "" : " (off)"}`),
    ),
  );
  // Stay on the detector being tuned if it watches this topic too; else the first that does.
  const kept = state.detectorItems.find((i) => i.detector === keep && i.enabled);
  const first =
    state.detectorItems.find((i) => i.enabled && BACKTESTABLE.has(i.detector)) ||
    state.detectorItems.find((i) => i.enabled) ||
    state.detectorItems[0];
  select.value = (kept || first)?.detector || "";
  renderDetectorForm();
}

function currentDetector() {
  return state.detectorItems.find((i) => i.detector === $("d-detector").value) || null;
}

/** Time settings are shown in minutes or hours (by the size of their default), never seconds. */
function unitOf(name, defaultValue) {
  if (!name.endsWith("_s")) return null;
  return Number(defaultValue) >= 21600 ? { label: "hours", factor: 3600 } : { label: "minutes", factor: 60 };
}

function labelOf(name) {
  const words = name.replace(/_s$/, "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function renderDetectorForm() {
  const item = currentDetector();
  const main = $("d-settings");
  const more = $("d-settings-more");
  showError("d-error", "");
  if (!item) {
    main.replaceChildren();
    more.replaceChildren();
    $("d-more").hidden = true;
    return;
  }
  $("d-enabled").checked = item.enabled;
  const overridden = new Set(item.overridden || []);
  $("d-about").textContent = BACKTESTABLE.has(item.detector)
    ? `${overridden.size ? `${overridden.size} setting${overridden.size === 1 ? "" : "s"} changed from the defaults.` : "Using the defaults for this kind of topic."}`
    : "This detector reads posts, not minute counts, so it cannot be backtested (posts expire).";
  const mainFields = [];
  const moreFields = [];
  for (const [name, value] of Object.entries(item.settings || {})) {
    const field = settingField(name, value, item.defaults?.[name], item.help?.[name], overridden.has(name));
    (MAIN_SETTING.test(name) ? mainFields : moreFields).push(field);
  }
  main.replaceChildren(...mainFields);
  more.replaceChildren(...moreFields);
  $("d-more").hidden = moreFields.length === 0;
  $("d-backtest").disabled = !BACKTESTABLE.has(item.detector);
  $("d-backtest").title = BACKTESTABLE.has(item.detector) ? "" : "Only volume, negative-surge and keyword detectors can be backtested";
}

function settingField(name, value, defaultValue, help, changed) {
  const box = el("label", `setting${changed ? " changed" : ""}`);
  box.dataset.name = name;
  const unit = unitOf(name, defaultValue ?? value);
  const title = el("span", "setting-name", labelOf(name));
  if (unit) title.append(el("span", "dim", ` (${unit.label})`));
  box.append(title);
  let input;
  if (typeof value === "boolean" || typeof defaultValue === "boolean") {
    input = el("input");
    input.type = "checkbox";
    input.checked = Boolean(value);
    box.classList.add("setting-bool");
  } else {
    input = el("input");
    input.type = "number";
    input.step = "any";
    input.value = value === null || value === undefined ? "" : String(unit ? round(value / unit.factor) : value);
  }
  input.dataset.name = name;
  input.dataset.factor = String(unit ? unit.factor : 1);
  box.append(input);
  if (help) box.append(el("span", "setting-help", help));
  if (defaultValue !== undefined && defaultValue !== null) {
    const shown = typeof defaultValue === "boolean" ? (defaultValue ? "on" : "off") : String(unit ? round(defaultValue / unit.factor) : defaultValue);
    box.append(el("span", "setting-default", changed ? `changed · default ${shown}` : `default ${shown}`));
  }
  return box;
}

function round(value) {
  return Math.round(Number(value) * 1000) / 1000;
}

/** Every setting the form holds (the API keeps only those that differ from the defaults). */
function formSettings() {
  const values = {};
  for (const input of document.querySelectorAll("#d-form .setting input")) {
    const name = input.dataset.name;
    let value;
    if (input.type === "checkbox") value = input.checked;
    else {
      if (input.value.trim() === "") continue;
      value = Number(input.value) * Number(input.dataset.factor || 1);
      if (!Number.isFinite(value)) throw new ApiError(400, { message: `${labelOf(name)} must be a number`, field: name });
      value = round(value);
    }
    values[name] = value;
  }
  return values;
}

function showDetectorError(err) {
  showError("d-error", err.field ? `${labelOf(String(err.field).split(".").pop())}: ${err.message}` : err.message);
  const name = err.field ? String(err.field).split(".").pop() : null;
  const input = name && document.querySelector(`#d-form input[data-name="${CSS.escape(name)}"]`);
  if (input) input.focus();
}

async function saveDetector(event) {
  event.preventDefault();
  const item = currentDetector();
  if (!item) return;
  try {
    const settings = formSettings();
    const saved = await api(`/api/topics/${$("d-topic").value}/detectors/${item.detector}`, {
      method: "PUT",
      body: { enabled: $("d-enabled").checked, settings },
    });
    state.detectorItems = state.detectorItems.map((i) => (i.detector === saved.detector ? saved : i));
    toast(`Saved: ${detectorText(item.detector)} on ${topicName($("d-topic").value)} (from the next minute).`);
    renderDetectorForm();
  } catch (err) {
    showDetectorError(err);
  }
}

async function resetDetector() {
  const item = currentDetector();
  if (!item) return;
  try {
    await api(`/api/topics/${$("d-topic").value}/detectors/${item.detector}`, { method: "DELETE" });
    toast(`${detectorText(item.detector)} is back to its defaults.`);
    await loadDetectors();
  } catch (err) {
    showDetectorError(err);
  }
}

let backtestChart = null;

async function runBacktest() {
  const item = currentDetector();
  const topicId = $("d-topic").value;
  if (!item || !topicId) return;
  const button = $("d-backtest");
  button.disabled = true;
  $("bt-verdict").textContent = "Replaying the last 30 days…";
  $("bt-alerts").replaceChildren();
  try {
    const until = now();
    const since = until - BACKTEST_DAYS * DAY_MS;
    const result = await api(`/api/topics/${topicId}/backtest`, {
      method: "POST",
      body: { detector: item.detector, settings: formSettings(), since: new Date(since).toISOString() },
      timeoutMs: 60000,
    });
    showError("d-error", "");
    const series = result.series?.length ? result.series : await hourlyVolume(topicId, result);
    renderBacktest(result, series);
    state.backtests += 1;
  } catch (err) {
    $("bt-verdict").textContent = "The backtest did not run.";
    showDetectorError(err);
  } finally {
    button.disabled = !BACKTESTABLE.has(currentDetector()?.detector);
  }
}

/** The chart's volume when the backtest sends no series: the topic's hourly rollups. */
async function hourlyVolume(topicId, result) {
  const { items } = await api(`/api/rollups${qs({ topic: topicId, bucket: "hour", since: result.since, until: result.until })}`);
  return items.map((r) => ({ t: r.bucket_start, observed: r.volume }));
}

function renderBacktest(result, series) {
  const alerts = result.alerts || [];
  const n = result.distinct_alerts ?? alerts.length;
  const verdict = $("bt-verdict");
  verdict.replaceChildren();
  const big = el("b", "bt-number", grouped(n));
  verdict.append(
    "With these settings, ",
    `${detectorText(result.detector).toLowerCase()} would have raised `,
    big,
    ` alert${n === 1 ? "" : "s"} on ${topicName($("d-topic").value)} in the last ${BACKTEST_DAYS} days`,
    n ? ` (about ${amount((n / BACKTEST_DAYS) * 7)} a week).` : ". Nothing would have paged anyone.",
  );
  verdict.dataset.count = String(n);
  $("bt-range").textContent = `${whenText(result.since, now())} → ${whenText(result.until, now())}`;
  $("bt-alerts").replaceChildren(
    ...alerts.map((a) => {
      const li = el("li", "bt-alert");
      li.dataset.severity = a.severity;
      const lasted = a.resolved_at ? `resolved after ${ageText(a.onset, toMs(a.resolved_at))}` : "still open at the end";
      li.append(
        el("span", `sev sev-${a.severity}`, SEVERITY_TEXT[a.severity] || a.severity),
        el("span", "bt-when", whenText(a.onset, now())),
        el("span", "bt-reason", a.reason),
        el("span", "dim small", `${numbersText({ ...a, detector: result.detector })} · ${lasted}`),
      );
      return li;
    }),
  );
  drawBacktest(result, series, alerts);
}

/** The chart's minutes and topic, for escalating a clicked moment. */
let backtestPoints = { topicId: null, points: [] };

function drawBacktest(result, series, alerts) {
  if (!window.echarts) return;
  if (!backtestChart) {
    backtestChart = window.echarts.init($("bt-chart"), null, { renderer: "canvas" });
    window.addEventListener("resize", () => backtestChart.resize());
    // A click on the chart escalates that moment of the topic to a team, with its value.
    backtestChart.getZr().on("click", (event) => {
      const data = backtestPoints.points;
      if (!data.length) return;
      const [ms] = backtestChart.convertFromPixel({ seriesIndex: 0 }, [event.offsetX, event.offsetY]);
      let best = data[0];
      for (const p of data) if (Math.abs(p[0] - ms) < Math.abs(best[0] - ms)) best = p;
      openEscalate({ topicId: backtestPoints.topicId, at: best[0], value: best[1] });
    });
  }
  const points = series.map((p) => [toMs(p.t), Number(p.observed) || 0]);
  backtestPoints = { topicId: $("d-topic").value, points };
  const expected = series.filter((p) => p.expected !== undefined && p.expected !== null).map((p) => [toMs(p.t), Number(p.expected)]);
  const valueAt = (ms) => {
    let best = null;
    for (const p of points) if (best === null || Math.abs(p[0] - ms) < Math.abs(best[0] - ms)) best = p;
    return best ? best[1] : 0;
  };
  const marks = alerts.map((a) => ({
    value: [toMs(a.onset), valueAt(toMs(a.onset))],
    itemStyle: { color: SEVERITY_COLOR[a.severity] || SEVERITY_COLOR.warning },
    reason: a.reason,
  }));
  const areas = alerts.map((a) => [
    { xAxis: toMs(a.onset), itemStyle: { color: "rgba(255, 95, 109, 0.12)" } },
    { xAxis: a.resolved_at ? toMs(a.resolved_at) : toMs(result.until) },
  ]);
  backtestChart.setOption(
    {
      animation: false,
      grid: { left: 48, right: 18, top: 28, bottom: 32 },
      legend: { top: 0, right: 0, textStyle: { color: "#b9c3da" }, itemWidth: 14, itemHeight: 8 },
      tooltip: {
        trigger: "item",
        backgroundColor: "#131d33",
        borderColor: "#2a3656",
        textStyle: { color: "#eef2fb" },
        formatter: (p) => (p.seriesName === "Alert" ? `${whenText(p.value[0], now())} · ${p.data.reason}` : `${whenText(p.value[0], now())} · ${amount(p.value[1])}`),
      },
      xAxis: {
        type: "time",
        min: toMs(result.since),
        max: toMs(result.until),
        axisLine: { lineStyle: { color: "#2a3656" } },
        axisLabel: { color: "#8391ae", hideOverlap: true },
        splitLine: { show: false },
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLabel: { color: "#8391ae" },
        splitLine: { lineStyle: { color: "#1b2540", type: [4, 6] } },
      },
      series: [
        {
          name: "Volume",
          type: "line",
          data: points,
          symbol: "none",
          lineStyle: { width: 1.5, color: "#5ea8ff" },
          areaStyle: { color: "rgba(94, 168, 255, 0.15)" },
          markArea: { silent: true, data: areas },
        },
        ...(expected.length
          ? [{ name: "Expected", type: "line", data: expected, symbol: "none", lineStyle: { width: 1, color: "#8391ae", type: "dashed" } }]
          : []),
        {
          name: "Alert",
          type: "scatter",
          data: marks,
          symbol: "pin",
          symbolSize: 26,
          itemStyle: { color: SEVERITY_COLOR.critical },
          z: 5,
        },
      ],
    },
    { notMerge: true },
  );
  $("bt-chart").dataset.alerts = String(marks.length);
  $("bt-chart").dataset.points = String(points.length);
}

// -- live ---------------------------------------------------------------------------------------
function setConnection(name) {
  state.connection = name;
  showConnection(name);
}

function onEvent(event) {
  if (event.type === "hello") {
    const server = toMs(event.server_time);
    if (Number.isFinite(server)) state.offsetMs = server - Date.now();
    // Counted once done: from then on the page has everything up to this connection.
    loadAll().finally(() => (state.syncs += 1));
  } else if (event.type === "gap") {
    loadAll();
  } else if (event.type === "alert" && event.item) {
    if (state.enabled !== true) setEnabled(true);
    receiveAlert(event.item);
  }
}

// -- start --------------------------------------------------------------------------------------
function start() {
  renderSigner();
  for (const d of DETECTORS.filter((x) => x !== "manual")) $("s-detector").append(option(d, detectorText(d)));
  $("signer").addEventListener("click", () => {
    forgetSigner();
    toast("Your next action will ask for your name.");
  });
  window.addEventListener("hashchange", showTab);
  $("state-filter").addEventListener("change", () => {
    state.filter = $("state-filter").value;
    loadList();
  });
  $("act-ack").addEventListener("click", () => act("ack"));
  $("act-resolve").addEventListener("click", () => act("resolve"));
  $("act-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(state.detail?.state === "open" ? "ack" : "resolve");
  });
  $("escalate-open").addEventListener("click", () => openEscalate());
  $("escalate-form").addEventListener("submit", sendEscalation);
  $("e-cancel").addEventListener("click", () => $("escalate-dialog").close());
  $("team-new").addEventListener("click", () => editTeam(null));
  $("team-cancel").addEventListener("click", () => ($("team-form").hidden = true));
  $("team-form").addEventListener("submit", saveTeam);
  $("policy-new").addEventListener("click", () => editPolicy(null));
  $("policy-cancel").addEventListener("click", () => ($("policy-form").hidden = true));
  $("p-add-level").addEventListener("click", () => $("p-levels").append(levelRow({ targets: [], timeout_s: 600 })));
  $("policy-form").addEventListener("submit", savePolicy);
  $("r-add").addEventListener("click", () =>
    $("r-routes").append(routeRow({ policy: state.policies[0]?.name || "", min_severity: "info" })),
  );
  $("routing-form").addEventListener("submit", saveRouting);
  $("silence-form").addEventListener("submit", addSilence);
  $("s-kind").addEventListener("change", showSilenceKind);
  $("s-window-add").addEventListener("click", () => $("s-windows").append(windowRow({ days: ["sat", "sun"], start: "00:00", end: "00:00" })));
  fillTimezones();
  $("d-topic").addEventListener("change", loadDetectors);
  $("d-detector").addEventListener("change", renderDetectorForm);
  $("d-form").addEventListener("submit", saveDetector);
  $("d-backtest").addEventListener("click", runBacktest);
  $("d-reset").addEventListener("click", resetDetector);
  $("posts-more").addEventListener("click", () => {
    $("detail-posts").dataset.all = "true";
    renderEvidence(state.detail?.evidence);
  });
  setInterval(refreshAges, 30000);
  showTab();
  connectLive({ onEvent, onState: setConnection });
}

// A debugging and testing hook: read-only views of what the page is showing.
window.signalroom = {
  get connection() {
    return state.connection;
  },
  get enabled() {
    return state.enabled;
  },
  get listed() {
    return state.list.byId.size;
  },
  get selected() {
    return state.selected;
  },
  /** Loads done after a (re)connection's hello. */
  get syncs() {
    return state.syncs;
  },
  get backtests() {
    return state.backtests;
  },
};

start();
