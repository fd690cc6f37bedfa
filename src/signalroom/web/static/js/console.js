// The console: topics with their last-15-minute counts, a topic editor whose query is
// checked as you type and previewed against recent posts, and the live stream of posts,
// whose sentiment a person can correct (signed with a name asked once, kept in this browser)
// and which a person can escalate to a team; a header badge counts the open alerts.
// Post text is rendered with textContent only.

import { AlertBook } from "./alertfmt.js";
import { api, ApiError, qs, seconds } from "./api.js";
import { compact, grouped, percent, relativeTime, toMs, withAlpha } from "./format.js";
import { connectLive } from "./live.js";
import { fetchSourceList, renderSourceList } from "./sourcehealth.js";
import { SourceEditor } from "./sourceedit.js";
import { $, el, MAX_SIGNER_CHARS, readSigner, showConnection, toast, writeSigner } from "./ui.js";

const MINUTE = 60_000;
const COUNT_MINUTES = 15;
const STREAM_LIMIT = 100;
const CHECK_DEBOUNCE_MS = 250;
const PREVIEW_DEBOUNCE_MS = 600;
const MAX_CORRECTOR_CHARS = MAX_SIGNER_CHARS;
const LABELS = [
  ["negative", "Neg"],
  ["neutral", "Neu"],
  ["positive", "Pos"],
];
const PALETTE = ["#4f9dff", "#ff8a3d", "#36d399", "#f472b6", "#facc15", "#a78bfa", "#22d3ee", "#f87171"];

const state = {
  offsetMs: 0,
  topics: new Map(),
  rollups: new Map(),
  selected: null, // topic id being edited; null for a new topic
  filter: "", // topic id as a string, "" for all
  paused: false,
  missed: 0,
  shown: new Set(),
  connection: "connecting",
  inflight: new Set(), // per rollups request in flight: the live rollups received meanwhile
  corrector: readCorrector(), // the name corrections are signed with; "" until asked
  alerting: null, // is alerting served? null until /api/alerts answers
  openAlerts: new AlertBook(),
  escalationTargets: null, // {teams, policies, at}: what the "Escalate…" form offers
};

const now = () => Date.now() + state.offsetMs;
const minuteOf = (ms) => Math.floor(ms / MINUTE) * MINUTE;

// -- connection ---------------------------------------------------------------------------
function setConnection(name) {
  state.connection = name;
  showConnection(name);
}

function onEvent(event) {
  if (event.type === "hello") {
    const server = toMs(event.server_time);
    if (Number.isFinite(server)) state.offsetMs = server - Date.now();
    loadAll();
  } else if (event.type === "gap") {
    loadAll();
  } else if (event.type === "rollups" && event.bucket === "minute") {
    for (const r of event.items) putRollup(r);
    for (const pending of state.inflight) pending.push(...event.items);
    scheduleTopicsRender();
  } else if (event.type === "posts") {
    receivePosts(event.items);
  } else if (event.type === "post_updated") {
    updatePost(event.item);
  } else if (event.type === "posts_deleted") {
    const gone = new Set(event.ids);
    for (const li of document.querySelectorAll(".mini-post")) if (gone.has(li.dataset.id)) li.remove();
  } else if (event.type === "alert" && event.item) {
    receiveAlert(event.item);
  }
}

async function loadAll() {
  await loadTopics();
  await Promise.all([loadCounts(), loadStream(), loadStats(), loadAlerts()]);
}

// -- topics and their counts --------------------------------------------------------------
async function loadTopics() {
  try {
    const { items } = await api("/api/topics");
    state.topics = new Map(items.map((t) => [t.id, t]));
  } catch (err) {
    toast(`Could not load topics: ${err.message}`, "error");
    return;
  }
  renderTopics();
  renderFilterOptions();
  if (state.selected !== null && !state.topics.has(state.selected)) newTopic();
  else if (state.selected === null && !$("f-name").value && !$("f-query").value) setColor(unusedColor());
}

function unusedColor() {
  const used = new Set([...state.topics.values()].map((t) => t.color.toLowerCase()));
  return PALETTE.find((c) => !used.has(c)) || PALETTE[state.topics.size % PALETTE.length];
}

async function loadCounts() {
  const current = minuteOf(now());
  const since = current - (COUNT_MINUTES - 1) * MINUTE;
  const inflight = [];
  state.inflight.add(inflight);
  try {
    const { items } = await api(
      `/api/rollups${qs({ bucket: "minute", since: seconds(since), until: seconds(current + MINUTE) })}`,
    );
    state.rollups.clear();
    for (const r of items) putRollup(r);
    // Totals that arrived live while this request was in flight may be newer than it.
    for (const r of inflight) putRollup(r);
    renderTopics();
  } catch {
    // counts stay as they were; the next hello or the periodic refresh tries again
  } finally {
    state.inflight.delete(inflight);
  }
}

function putRollup(r) {
  const start = toMs(r.bucket_start);
  state.rollups.set(`${r.topic_id}:${start}`, { topic: r.topic_id, start, ...r });
}

function countsByTopic() {
  const since = minuteOf(now()) - (COUNT_MINUTES - 1) * MINUTE;
  const counts = new Map();
  for (const [key, r] of state.rollups) {
    if (r.start < since) {
      state.rollups.delete(key);
      continue;
    }
    const c = counts.get(r.topic) || { volume: 0, negative: 0, neutral: 0, positive: 0 };
    c.volume += r.volume;
    c.negative += r.negative;
    c.neutral += r.neutral;
    c.positive += r.positive;
    counts.set(r.topic, c);
  }
  return counts;
}

let topicsRenderTimer = null;

function scheduleTopicsRender() {
  if (topicsRenderTimer !== null) return;
  topicsRenderTimer = setTimeout(() => {
    topicsRenderTimer = null;
    renderTopics();
  }, 400);
}

function renderTopics() {
  const counts = countsByTopic();
  const list = $("topic-list");
  const topics = [...state.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  list.replaceChildren(
    ...topics.map((topic) => {
      const c = counts.get(topic.id) || { volume: 0, negative: 0, neutral: 0, positive: 0 };
      const li = el("li");
      const button = el("button", "topic");
      button.type = "button";
      button.dataset.topicId = String(topic.id);
      button.setAttribute("aria-current", String(state.selected === topic.id));
      button.addEventListener("click", () => selectTopic(topic.id));

      const name = el("div", "topic-name");
      const dot = el("i");
      dot.style.background = topic.color;
      name.append(dot, el("span", "", topic.name), el("span", `kind kind-${topic.kind}`, topic.kind));
      const count = el("div", "topic-count", grouped(c.volume));
      count.title = "mentions in the last 15 minutes";

      const bar = el("div", "topic-bar");
      for (const [cls, n] of [["neg", c.negative], ["neu", c.neutral], ["pos", c.positive]]) {
        const part = el("span", cls);
        part.style.flexGrow = String(n);
        bar.append(part);
      }
      const split = el("div", "topic-split");
      if (c.volume) {
        split.append(
          el("span", "n", `${percent(c.negative / c.volume)} negative`),
          el("span", "", `${percent(c.neutral / c.volume)} neutral`),
          el("span", "p", `${percent(c.positive / c.volume)} positive`),
        );
      } else {
        split.append(el("span", "", "no mentions in the last 15 minutes"));
      }
      const query = el("div", "topic-query", topic.query);
      query.title = topic.query;
      button.append(name, count, bar, split, query);
      li.append(button);
      return li;
    }),
  );
  $("topics-empty").hidden = topics.length > 0;
}

function renderFilterOptions() {
  const select = $("stream-topic");
  const keep = state.filter;
  const options = [el("option", "", "All topics")];
  options[0].value = "";
  for (const topic of [...state.topics.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const option = el("option", "", topic.name);
    option.value = String(topic.id);
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = state.topics.has(Number(keep)) ? keep : "";
  if (select.value !== keep) {
    state.filter = select.value;
    loadStream();
  }
}

async function loadStats() {
  try {
    const health = await api("/api/health");
    $("store-stat").textContent = `${grouped(health.store.posts)} posts stored`;
  } catch {
    $("store-stat").textContent = "";
  }
}

// -- the live stream ----------------------------------------------------------------------
function miniPost(post, isNew) {
  const li = el("li", `mini-post${isNew ? " is-new" : ""}`);
  li.dataset.id = post.id;
  li.dataset.sentiment = post.sentiment?.label || "neutral";
  li.dataset.created = String(toMs(post.created_at));
  li.dataset.topics = (post.topics || []).join(",");
  const author = post.author || {};
  const head = el("div", "mini-head");
  head.append(el("span", "who", author.name || author.handle || "unknown"));
  if (author.handle) head.append(el("span", "handle", `@${author.handle.replace(/^@/, "")}`));
  if (author.followers) head.append(el("span", "handle", `· ${compact(author.followers)}`));
  const lang = post.lang && post.lang !== "und" ? `${post.lang.toUpperCase()} · ` : "";
  head.append(el("span", "meta", `${lang}${post.source} · ${relativeTime(toMs(post.created_at), now())}`));
  li.append(head);
  if (post.title) li.append(el("div", "mini-title", post.title));
  if (post.text) li.append(el("div", "mini-text", post.text));
  const foot = el("div", "mini-foot");
  for (const id of post.topics || []) {
    const topic = state.topics.get(id);
    if (!topic) continue;
    const chip = el("span", "chip");
    chip.style.setProperty("--chip", topic.color);
    chip.style.setProperty("--chip-bg", withAlpha(topic.color, 0.14));
    chip.style.setProperty("--chip-line", withAlpha(topic.color, 0.4));
    chip.append(el("i"), el("span", "", topic.name));
    foot.append(chip);
  }
  const badge = el("span", "senti-badge");
  badge.hidden = true;
  // Right-aligned as one piece, and the badge on the left with the chips: the switch stays
  // under the pointer when the badge appears (unless the row has to wrap).
  const actions = el("div", "mini-actions");
  actions.append(sentimentSwitch(li));
  if (/^https?:\/\//i.test(post.url || "")) {
    const link = el("a", "", "open ↗");
    link.href = post.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    actions.append(link);
  }
  if (post.topics?.length && !post.topics.every((id) => !state.topics.has(id))) {
    const escalate = el("button", "esc-action", "Escalate…");
    escalate.type = "button";
    escalate.title = "Raise an alert about this post and notify a team";
    escalate.addEventListener("click", () => openEscalation(li, post));
    actions.prepend(escalate);
  }
  foot.append(badge, actions);
  li.append(foot);
  applySentiment(li, post.sentiment || { label: "neutral" });
  return li;
}

let streamRequest = 0;

async function loadStream() {
  const request = ++streamRequest;
  try {
    const { items } = await api(`/api/posts${qs({ limit: 50, topic: state.filter })}`);
    if (request !== streamRequest) return;
    const list = $("stream-list");
    const fetched = new Set(items.map((p) => p.id));
    const newest = items.length ? toMs(items[0].created_at) : -Infinity;
    // Posts that arrived live while the page was loading are newer than it: keep them.
    const keep = [...list.children].filter(
      (li) =>
        !fetched.has(li.dataset.id) &&
        Number(li.dataset.created) > newest &&
        (!state.filter || (li.dataset.topics || "").split(",").includes(state.filter)),
    );
    state.shown = new Set([...fetched, ...keep.map((li) => li.dataset.id)]);
    list.replaceChildren(...keep, ...items.map((p) => miniPost(p, false)));
    state.missed = 0;
    renderPaused();
  } catch (err) {
    if (request === streamRequest) toast(`Could not load posts: ${err.message}`, "error");
  }
  $("stream-empty").hidden = $("stream-list").children.length > 0;
}

function receivePosts(items) {
  const wanted = items.filter((p) => !state.filter || p.topics.includes(Number(state.filter)));
  if (!wanted.length) return;
  if (state.paused) {
    state.missed += wanted.length;
    renderPaused();
    return;
  }
  const list = $("stream-list");
  for (const post of wanted) {
    if (state.shown.has(post.id)) continue;
    state.shown.add(post.id);
    list.prepend(miniPost(post, true));
  }
  while (list.children.length > STREAM_LIMIT) {
    state.shown.delete(list.lastElementChild.dataset.id);
    list.lastElementChild.remove();
  }
  $("stream-empty").hidden = list.children.length > 0;
}

function renderPaused() {
  const note = $("paused-note");
  const button = $("pause");
  button.textContent = state.paused ? "Resume" : "Pause";
  button.setAttribute("aria-pressed", String(state.paused));
  note.hidden = !state.paused;
  note.textContent = state.missed
    ? `Paused · ${grouped(state.missed)} new post${state.missed === 1 ? "" : "s"} waiting`
    : "Paused · new posts are held back";
}

function refreshTimes() {
  for (const li of document.querySelectorAll(".mini-post")) {
    const meta = li.querySelector(".meta");
    if (!meta) continue;
    meta.textContent = meta.textContent.replace(/[^·]*$/, ` ${relativeTime(Number(li.dataset.created), now())}`);
  }
}

// -- sentiment corrections ----------------------------------------------------------------
function readCorrector() {
  return readSigner();
}

function setCorrector(name) {
  state.corrector = name;
  writeSigner(name);
  renderCorrector();
}

function renderCorrector() {
  const button = $("corrector");
  button.hidden = !state.corrector;
  $("corrector-name").textContent = state.corrector;
}

/** The three-way label switch of one listed post. */
function sentimentSwitch(li) {
  const group = el("div", "senti-set");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Sentiment");
  for (const [label, short] of LABELS) {
    const button = el("button", `senti-btn senti-${label}`, short);
    button.type = "button";
    button.dataset.label = label;
    button.addEventListener("click", () => requestCorrection(li, label));
    group.append(button);
  }
  return group;
}

function applySentiment(li, sentiment) {
  const correctedAt = sentiment.corrected_at ? toMs(sentiment.corrected_at) : 0;
  // A response and the live event of the same correction race; never step back in time.
  if (correctedAt < Number(li.dataset.correctedAt || 0)) return;
  const label = sentiment.label || "neutral";
  const by = sentiment.corrected_by || "";
  li.dataset.sentiment = label;
  li.dataset.corrected = String(Boolean(by));
  li.dataset.correctedAt = String(correctedAt);
  for (const button of li.querySelectorAll(".senti-btn")) {
    const current = button.dataset.label === label;
    button.setAttribute("aria-pressed", String(current));
    const name = button.dataset.label;
    if (current && by) button.title = `${name} (set by ${by})`;
    else if (current) button.title = `The model says ${name}; click to confirm it`;
    else button.title = `Correct to ${name}`;
  }
  const badge = li.querySelector(".senti-badge");
  badge.hidden = !by;
  if (by) {
    badge.textContent = `✓ corrected by ${by}`;
    const model = sentiment.model_label
      ? ` · the model said ${sentiment.model_label} (${Number(sentiment.model_score).toFixed(2)})`
      : "";
    badge.title = `Corrected to ${label} by ${by}, ${new Date(correctedAt).toLocaleString()}${model}`;
  }
}

/** A post changed (our own correction, or someone else's): update it wherever it is listed. */
function updatePost(post) {
  for (const li of document.querySelectorAll(".mini-post")) {
    if (li.dataset.id === post.id) applySentiment(li, post.sentiment || { label: "neutral" });
  }
}

function requestCorrection(li, label) {
  if (li.dataset.busy === "true") return;
  if (li.dataset.corrected === "true" && li.dataset.sentiment === label) return;
  if (!state.corrector) {
    askName(li, label);
    return;
  }
  sendCorrection(li, label, state.corrector);
}

let whoForms = 0;

function askName(li, label, message = "") {
  for (const open of document.querySelectorAll(".who-form")) if (!li.contains(open)) open.remove();
  let form = li.querySelector(".who-form");
  if (!form) {
    form = el("form", "who-form");
    form.noValidate = true;
    form.autocomplete = "off";
    const prompt = el("label", "who-prompt", "Sign your corrections with your name");
    const input = el("input");
    input.id = `who-${++whoForms}`;
    prompt.htmlFor = input.id;
    input.name = "corrector";
    input.maxLength = MAX_CORRECTOR_CHARS;
    input.placeholder = "e.g. Ana Ruiz";
    const submit = el("button", "button primary small");
    submit.type = "submit";
    const cancel = el("button", "button ghost small", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => form.remove());
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") form.remove();
    });
    const note = el("p", "who-note", "Asked once; remembered in this browser.");
    form.append(prompt, input, submit, cancel, note);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) {
        showCorrectionError(li, "Enter your name: corrections are signed with it.");
        input.focus();
        return;
      }
      setCorrector(name.slice(0, MAX_CORRECTOR_CHARS));
      form.remove();
      sendCorrection(li, form.dataset.label, state.corrector);
    });
    li.append(form);
  }
  form.dataset.label = label;
  form.querySelector("button[type=submit]").textContent = `Mark ${label}`;
  showCorrectionError(li, message);
  form.querySelector("input").focus();
}

function showCorrectionError(li, message) {
  let line = li.querySelector(".senti-error");
  if (!message) {
    if (line) line.remove();
    return;
  }
  if (!line) {
    line = el("p", "senti-error");
    line.setAttribute("role", "alert");
    li.append(line);
  }
  line.textContent = message;
}

async function sendCorrection(li, label, by) {
  const id = li.dataset.id;
  li.dataset.busy = "true";
  for (const button of li.querySelectorAll(".senti-btn")) button.disabled = true;
  showCorrectionError(li, "");
  try {
    const post = await api(`/api/posts/${encodeURIComponent(id)}/sentiment`, {
      method: "PUT",
      body: { label, by },
    });
    updatePost(post);
  } catch (err) {
    if (err instanceof ApiError && err.field === "by") {
      setCorrector("");
      askName(li, label, err.message);
    } else if (err instanceof ApiError && err.status === 404) {
      showCorrectionError(li, "This post is no longer stored (it may have been purged).");
    } else {
      showCorrectionError(li, `Could not correct: ${err.message}`);
    }
  } finally {
    delete li.dataset.busy;
    for (const button of li.querySelectorAll(".senti-btn")) button.disabled = false;
  }
}

// -- alerts: the header badge and escalating a post ---------------------------------------
async function loadAlerts() {
  try {
    const { items } = await api(`/api/alerts${qs({ state: "open", limit: 500 })}`);
    state.openAlerts.reset(items);
    setAlerting(true);
  } catch (err) {
    // 404: alerting is off in this deployment; no badge, no "Escalate…".
    if (err instanceof ApiError && err.status === 404) setAlerting(false);
  }
  renderAlertBadge();
}

function setAlerting(on) {
  state.alerting = on;
  document.body.dataset.alerting = String(on);
}

function receiveAlert(alert) {
  if (state.alerting !== true) setAlerting(true);
  if (alert.state === "open") state.openAlerts.put(alert);
  else if (state.openAlerts.put(alert)) state.openAlerts.byId.delete(alert.id);
  renderAlertBadge();
}

function renderAlertBadge() {
  const badge = $("alert-badge");
  badge.hidden = state.alerting !== true;
  const open = state.openAlerts.sorted();
  badge.dataset.count = String(open.length);
  badge.dataset.critical = String(open.some((a) => a.severity === "critical"));
  badge.textContent = open.length ? `${open.length} open alert${open.length === 1 ? "" : "s"}` : "No open alerts";
  badge.title = open.length
    ? open.slice(0, 5).map((a) => `${a.topic_name}: ${a.reason}`).join("\n")
    : "No alert is waiting for someone to acknowledge it";
}

async function escalationTargets() {
  const cached = state.escalationTargets;
  if (cached && Date.now() - cached.at < 60000) return cached;
  const [teams, policies] = await Promise.all([api("/api/teams"), api("/api/policies")]);
  state.escalationTargets = { teams: teams.items, policies: policies.items, at: Date.now() };
  return state.escalationTargets;
}

let escalationForms = 0;

/** A small form under the post: which team, a note, and the name it is signed with. */
async function openEscalation(li, post) {
  for (const open of document.querySelectorAll(".esc-form")) open.remove();
  const form = el("form", "esc-form");
  form.noValidate = true;
  form.autocomplete = "off";
  const n = ++escalationForms;
  const topic = state.topics.get(post.topics.find((id) => state.topics.has(id)));
  const prompt = el("label", "who-prompt", `Escalate this post (${topic ? topic.name : "its topic"}) to`);
  const team = el("select");
  team.id = `esc-team-${n}`;
  prompt.htmlFor = team.id;
  team.setAttribute("aria-label", "Team or policy");
  const severity = el("select");
  severity.setAttribute("aria-label", "Severity");
  for (const [value, text] of [["warning", "Warning"], ["critical", "Critical"], ["info", "Info"]]) {
    const option = el("option", "", text);
    option.value = value;
    severity.append(option);
  }
  const note = el("input");
  note.maxLength = 500;
  note.placeholder = "Note: what should they look at?";
  note.setAttribute("aria-label", "Note");
  const name = el("input");
  name.maxLength = MAX_CORRECTOR_CHARS;
  name.placeholder = "Your name";
  name.setAttribute("aria-label", "Your name");
  name.hidden = Boolean(state.corrector);
  const submit = el("button", "button primary small", "Escalate");
  submit.type = "submit";
  const cancel = el("button", "button ghost small", "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => form.remove());
  const error = el("p", "senti-error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  form.append(prompt, team, severity, note, name, submit, cancel, error);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") form.remove();
  });
  li.append(form);
  const fail = (message) => {
    error.hidden = !message;
    error.textContent = message;
  };
  try {
    const { teams, policies } = await escalationTargets();
    for (const t of teams) team.append(Object.assign(el("option", "", t.name), { value: t.name }));
    for (const p of policies) team.append(Object.assign(el("option", "", `${p.name} (policy)`), { value: p.name }));
    if (!team.options.length) fail("No team yet: add one on the Alerts page (Teams & escalation).");
  } catch (err) {
    fail(`Could not load the teams: ${err.message}`);
  }
  note.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const by = state.corrector || name.value.trim().slice(0, MAX_CORRECTOR_CHARS);
    if (!by) {
      fail("Enter your name: escalations are signed with it.");
      name.focus();
      return;
    }
    if (!team.value) {
      fail("Pick a team.");
      return;
    }
    if (!note.value.trim()) {
      fail("Add a note: the team needs to know what to look at.");
      note.focus();
      return;
    }
    if (!state.corrector) setCorrector(by);
    submit.disabled = true;
    try {
      const alert = await api("/api/alerts/escalate", {
        method: "POST",
        body: {
          topic_id: topic ? topic.id : post.topics[0],
          team: team.value,
          note: note.value.trim(),
          by,
          post_id: post.id,
          severity: severity.value,
        },
      });
      receiveAlert(alert);
      const done = el("p", "esc-done");
      done.append(`Escalated to ${team.value}. `);
      const link = el("a", "", "See the alert →");
      link.href = `/alerts#alert-${encodeURIComponent(alert.id)}`;
      done.append(link);
      form.replaceWith(done);
      toast(`Escalated to ${team.value}.`);
    } catch (err) {
      if (err instanceof ApiError && err.field === "by") setCorrector("");
      fail(`Could not escalate: ${err.message}`);
      submit.disabled = false;
    }
  });
}

// -- the editor ---------------------------------------------------------------------------
let checkTimer = null;
let previewTimer = null;
let checkSeq = 0;
let previewSeq = 0;
let deleteArmedUntil = 0;

function newTopic() {
  state.selected = null;
  $("editor-title").textContent = "New topic";
  $("editor-meta").textContent = "";
  $("f-name").value = "";
  $("f-kind").value = "brand";
  setColor(unusedColor());
  $("f-query").value = "";
  $("save").textContent = "Create topic";
  $("reset").textContent = "Clear";
  $("delete").hidden = true;
  disarmDelete();
  clearNameError();
  setCheck("idle", "Type a query to check it.");
  $("preview-panel").hidden = true;
  renderTopics();
}

function selectTopic(id) {
  const topic = state.topics.get(id);
  if (!topic) return;
  state.selected = id;
  $("editor-title").textContent = `Edit topic · ${topic.name}`;
  $("editor-meta").textContent = `id ${topic.id} · updated ${new Date(topic.updated_at).toLocaleString()}`;
  $("f-name").value = topic.name;
  $("f-kind").value = topic.kind;
  setColor(topic.color);
  $("f-query").value = topic.query;
  $("save").textContent = "Save changes";
  $("reset").textContent = "Cancel";
  $("delete").hidden = false;
  disarmDelete();
  clearNameError();
  renderTopics();
  checkNow();
}

function setColor(color) {
  $("f-color").value = color;
  for (const swatch of $("f-colors").querySelectorAll("button")) {
    swatch.setAttribute("aria-pressed", String(swatch.dataset.color === color.toLowerCase()));
  }
}

function buildSwatches() {
  const box = $("f-colors");
  for (const color of PALETTE) {
    const swatch = el("button");
    swatch.type = "button";
    swatch.dataset.color = color;
    swatch.style.background = color;
    swatch.setAttribute("aria-label", `Colour ${color}`);
    swatch.addEventListener("click", () => setColor(color));
    box.insertBefore(swatch, $("f-color"));
  }
  $("f-color").addEventListener("input", () => setColor($("f-color").value));
}

function setCheck(kind, message, { normalized = null, query = "", offset = null } = {}) {
  const check = $("check");
  check.dataset.state = kind;
  const text = $("check-text");
  text.replaceChildren();
  if (kind === "ok" && normalized !== null) {
    text.append("Valid · ", el("code", "normalized", normalized));
  } else if (kind === "error" && offset !== null) {
    text.append(`${message} `, el("span", "dim", `(at character ${offset})`));
  } else {
    text.textContent = message;
  }
  const textarea = $("f-query");
  textarea.classList.toggle("invalid", kind === "error");
  textarea.classList.toggle("valid", kind === "ok");
  const snippet = $("check-snippet");
  const goto = $("goto-error");
  if (kind === "error" && offset !== null && query) {
    renderSnippet(snippet, query, offset);
    snippet.hidden = false;
    goto.hidden = false;
    goto.dataset.offset = String(offset);
  } else {
    snippet.hidden = true;
    goto.hidden = true;
  }
}

/** The query with the character at `offset` marked, and a caret under it on one-line queries. */
function renderSnippet(snippet, query, offset) {
  const at = Math.max(0, Math.min(offset, query.length));
  const before = query.slice(0, at);
  const marked = query.slice(at, at + 1);
  const after = query.slice(at + 1);
  const mark = el("mark", "", marked && marked !== "\n" ? marked : " ");
  mark.title = `character ${offset}`;
  snippet.replaceChildren(before, mark, marked === "\n" ? "\n" + after : after);
  if (!query.includes("\n")) {
    const caret = el("span", "caret", `${" ".repeat([...before].length)}^`);
    caret.append(el("b", "", marked ? "here" : "expected more here"));
    snippet.append(caret);
  }
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  clearTimeout(previewTimer);
  if (!$("f-query").value.trim()) {
    setCheck("idle", "Type a query to check it.");
    return;
  }
  setCheck("busy", "Checking…");
  checkTimer = setTimeout(checkNow, CHECK_DEBOUNCE_MS);
}

async function checkNow() {
  const query = $("f-query").value;
  if (!query.trim()) {
    setCheck("idle", "Type a query to check it.");
    return;
  }
  const seq = ++checkSeq;
  try {
    const result = await api("/api/query/check", { method: "POST", body: { query } });
    if (seq !== checkSeq) return;
    setCheck("ok", "Valid", { normalized: result.normalized });
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => preview(false), PREVIEW_DEBOUNCE_MS);
  } catch (err) {
    if (seq !== checkSeq) return;
    showQueryError(err, query);
  }
}

function showQueryError(err, query) {
  if (err instanceof ApiError && err.offset !== null) {
    setCheck("error", err.message, { query, offset: err.offset });
  } else {
    setCheck("error", err.message);
  }
}

async function preview(explicit) {
  const query = $("f-query").value;
  if (!query.trim()) {
    if (explicit) setCheck("error", "Write a query first.");
    return;
  }
  const seq = ++previewSeq;
  const panel = $("preview-panel");
  panel.hidden = false;
  $("preview-summary").textContent = "Searching recent posts…";
  try {
    const result = await api("/api/query/preview", { method: "POST", body: { query, limit: 20 } });
    if (seq !== previewSeq) return;
    $("preview-summary").textContent =
      `${grouped(result.matched)} of the ${grouped(result.checked)} most recent posts match` +
      (result.matched > result.items.length ? ` · showing ${result.items.length}` : "");
    const list = $("preview-list");
    list.replaceChildren(...result.items.map((p) => miniPost(p, false)));
    if (!result.items.length) list.replaceChildren(el("li", "empty", "No recent post matches this query."));
  } catch (err) {
    if (seq !== previewSeq) return;
    $("preview-summary").textContent = "";
    $("preview-list").replaceChildren();
    panel.hidden = true;
    showQueryError(err, query);
  }
}

function clearNameError() {
  $("err-name").hidden = true;
  $("f-name").classList.remove("invalid");
}

function showFieldError(err) {
  if (err.code === "invalid_query") {
    showQueryError(err, $("f-query").value);
    $("f-query").focus();
    return;
  }
  if (err.field === "name" || err.code === "conflict") {
    $("err-name").textContent = err.message;
    $("err-name").hidden = false;
    $("f-name").classList.add("invalid");
    $("f-name").focus();
    return;
  }
  toast(err.message, "error");
}

async function save(event) {
  event.preventDefault();
  clearNameError();
  const body = {
    name: $("f-name").value,
    query: $("f-query").value,
    kind: $("f-kind").value,
    color: $("f-color").value,
  };
  if (!body.name.trim()) {
    showFieldError({ field: "name", message: "Give the topic a name." });
    return;
  }
  const button = $("save");
  button.disabled = true;
  try {
    const topic =
      state.selected === null
        ? await api("/api/topics", { method: "POST", body })
        : await api(`/api/topics/${state.selected}`, { method: "PUT", body });
    toast(state.selected === null ? `Topic “${topic.name}” created` : `Topic “${topic.name}” saved`);
    await loadTopics();
    selectTopic(topic.id);
    loadCounts();
  } catch (err) {
    showFieldError(err);
  } finally {
    button.disabled = false;
  }
}

function disarmDelete() {
  deleteArmedUntil = 0;
  const button = $("delete");
  button.classList.remove("confirm");
  button.textContent = "Delete";
}

async function remove() {
  const button = $("delete");
  if (state.selected === null) return;
  if (Date.now() > deleteArmedUntil) {
    // Two clicks, not a browser dialog: a topic is gone for good once deleted.
    deleteArmedUntil = Date.now() + 4000;
    button.classList.add("confirm");
    button.textContent = "Click again to delete";
    setTimeout(() => {
      if (Date.now() > deleteArmedUntil) disarmDelete();
    }, 4100);
    return;
  }
  const topic = state.topics.get(state.selected);
  button.disabled = true;
  try {
    await api(`/api/topics/${state.selected}`, { method: "DELETE" });
    toast(`Topic “${topic ? topic.name : state.selected}” deleted`);
    state.selected = null;
    await loadTopics();
    newTopic();
  } catch (err) {
    toast(`Could not delete: ${err.message}`, "error");
  } finally {
    button.disabled = false;
    disarmDelete();
  }
}

// -- start --------------------------------------------------------------------------------
let sourceEditor = null;

async function loadSources() {
  const answer = await fetchSourceList();
  const items = answer?.items ?? null;
  const editable = Boolean(answer?.editable);
  $("sources-box").hidden = !items || (items.length === 0 && !editable);
  $("add-source").hidden = !editable;
  $("sources-empty").hidden = !items || items.length > 0;
  if (editable && !sourceEditor) sourceEditor = new SourceEditor({ onChanged: loadSources, toast });
  if (items) {
    const open = sourceEditor ? (item) => sourceEditor.openExisting(item) : null;
    renderSourceList($("source-list"), items, now(), open);
  }
}

function start() {
  buildSwatches();
  newTopic();
  $("topic-form").addEventListener("submit", save);
  $("f-query").addEventListener("input", scheduleCheck);
  $("f-name").addEventListener("input", clearNameError);
  $("preview").addEventListener("click", () => preview(true));
  $("reset").addEventListener("click", newTopic);
  $("delete").addEventListener("click", remove);
  $("new-topic").addEventListener("click", () => {
    newTopic();
    $("f-name").focus();
  });
  $("goto-error").addEventListener("click", () => {
    const offset = Number($("goto-error").dataset.offset || 0);
    const textarea = $("f-query");
    textarea.focus();
    textarea.setSelectionRange(offset, Math.min(offset + 1, textarea.value.length));
  });
  $("syntax-toggle").addEventListener("click", (event) => {
    event.preventDefault();
    $("syntax").hidden = !$("syntax").hidden;
  });
  $("stream-topic").addEventListener("change", () => {
    state.filter = $("stream-topic").value;
    loadStream();
  });
  $("corrector").addEventListener("click", () => {
    setCorrector("");
    toast("Your next correction will ask for your name.");
  });
  renderCorrector();
  $("pause").addEventListener("click", () => {
    state.paused = !state.paused;
    renderPaused();
    if (!state.paused) loadStream();
  });
  setInterval(refreshTimes, 10000);
  setInterval(loadCounts, 60000);
  setInterval(loadStats, 30000);
  $("add-source").addEventListener("click", () => sourceEditor?.openNew());
  loadSources();
  setInterval(loadSources, 15000);
  connectLive({ onEvent, onState: setConnection });
}

window.signalroom = {
  get connection() {
    return state.connection;
  },
  get topics() {
    return [...state.topics.values()];
  },
  get corrector() {
    return state.corrector;
  },
  get openAlerts() {
    return state.alerting ? state.openAlerts.byId.size : null;
  },
};

start();
