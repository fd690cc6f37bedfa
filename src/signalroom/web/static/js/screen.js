// The wall screen: a snapshot from the API, then kept current by the live WebSocket.
//
// Nobody touches a wall: it must recover by itself (reconnect, refetch on gap), never show
// anything broken when empty, and render post text strictly as text (textContent only).
// All numbers come from minute rollups (per topic, so a post in two topics is two mentions).
// Open alerts show as a banner; one whose escalation policy takes over this screen fills it
// over until someone does. Alert evidence never puts post text on a wall unless moderation
// passed that very post as safe (asked of the API: the evidence carries no verdict).

import { AlertBook, SEVERITY_RANK, SEVERITY_TEXT, amount, bandText, isActive } from "./alertfmt.js";
import { api, ApiError, qs, seconds } from "./api.js";
import { compact, grouped, hueOf, initials, percent, relativeTime, toMs, withAlpha } from "./format.js";
import { connectLive } from "./live.js";
import { describe, fetchSources, isBad } from "./sourcehealth.js";

const MINUTE = 60_000;
const WINDOW_MINUTES = 60;
const KEEP_MINUTES = 120; // the previous hour too, for "vs previous hour"
const RATE_MINUTES = 5;
const SNAPSHOT_POSTS = 12;
const REVEAL_EVERY_MS = 1100;
const MAX_PENDING = 3;
const MAX_SENTIMENT_ROWS = 5;
const CURRENT_MINUTE_AFTER = 1 / 3;
const BANNER_ROTATE_MS = 9000;
const ALERTS_RETRY_MS = 15000;

const $ = (id) => document.getElementById(id);

const state = {
  sourcesBad: 0, // configured sources that are failing, refused, rate-limited or silent
  offsetMs: 0, // server clock minus ours, learnt from "hello"
  topics: new Map(),
  rollups: new Map(), // `${topic}:${minuteMs}` → {topic, start, volume, negative, neutral, positive, reach}
  seen: new Set(),
  pending: [],
  connection: "connecting",
  chartUpdates: 0,
  chartVolume: 0,
  chartSeries: 0,
  postsShown: 0,
  postsUpdated: 0,
  snapshots: 0,
  inflight: null, // rollups received while a snapshot is loading, re-applied after it
  alerting: null, // is alerting served? null until /api/alerts answers; false on 404
  alerts: new AlertBook(), // open and acknowledged alerts
  bannerIndex: 0,
  takeover: null, // the alert id taking the screen over
  takeoverPost: null, // {alert, post}: the top post, once the API says it is safe
};

const now = () => Date.now() + state.offsetMs;
const minuteOf = (ms) => Math.floor(ms / MINUTE) * MINUTE;

// -- header: clock and connection ---------------------------------------------------------
const CONNECTION_TEXT = {
  connecting: "Connecting",
  live: "Live",
  reconnecting: "Reconnecting",
  offline: "Offline · retrying",
};

function setConnection(stateName) {
  state.connection = stateName;
  const conn = $("conn");
  conn.dataset.state = stateName;
  $("conn-text").textContent = CONNECTION_TEXT[stateName] || stateName;
}

function tickClock() {
  const d = new Date(now());
  const hh = String(d.getHours()).padStart(2, "0");
  const mm = String(d.getMinutes()).padStart(2, "0");
  const ss = String(d.getSeconds()).padStart(2, "0");
  const time = $("clock-time");
  time.textContent = `${hh}:${mm}`;
  const sec = document.createElement("span");
  sec.className = "sec";
  sec.textContent = ss;
  time.append(sec);
  $("clock-date").textContent = d.toLocaleDateString(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
  });
}

// -- data ---------------------------------------------------------------------------------
function setTopics(items) {
  state.topics = new Map(items.map((t) => [t.id, t]));
}

function putRollup(r) {
  const start = toMs(r.bucket_start);
  state.rollups.set(`${r.topic_id}:${start}`, {
    topic: r.topic_id,
    start,
    volume: r.volume,
    negative: r.negative,
    neutral: r.neutral,
    positive: r.positive,
    reach: r.reach,
  });
  if (!state.topics.has(r.topic_id)) refreshTopicsSoon();
}

function pruneRollups() {
  const oldest = minuteOf(now()) - (KEEP_MINUTES - 1) * MINUTE;
  for (const [key, r] of state.rollups) if (r.start < oldest) state.rollups.delete(key);
}

let snapshotRunning = false;
let snapshotAgain = false;

async function loadSnapshot() {
  if (snapshotRunning) {
    snapshotAgain = true;
    return;
  }
  snapshotRunning = true;
  state.inflight = [];
  try {
    const current = minuteOf(now());
    const since = current - (KEEP_MINUTES - 1) * MINUTE;
    const [topics, rollups, posts] = await Promise.all([
      api("/api/topics"),
      api(`/api/rollups${qs({ bucket: "minute", since: seconds(since), until: seconds(current + MINUTE) })}`),
      api(`/api/posts${qs({ limit: SNAPSHOT_POSTS, moderation: "safe" })}`),
    ]);
    setTopics(topics.items);
    state.rollups.clear();
    for (const r of rollups.items) putRollup(r);
    // Totals that arrived live while the snapshot was in flight may be newer than it.
    for (const r of state.inflight || []) putRollup(r);
    showSnapshotPosts(posts.items);
    state.snapshots += 1;
    render();
  } catch (err) {
    console.warn("snapshot failed; retrying", err);
    setTimeout(loadSnapshot, 5000);
  } finally {
    state.inflight = null;
    snapshotRunning = false;
    if (snapshotAgain) {
      snapshotAgain = false;
      loadSnapshot();
    }
  }
}

let topicsTimer = null;
let topicsLoadedAt = 0;

function refreshTopicsSoon() {
  if (topicsTimer !== null) return;
  const wait = Math.max(500, 5000 - (Date.now() - topicsLoadedAt));
  topicsTimer = setTimeout(async () => {
    topicsTimer = null;
    topicsLoadedAt = Date.now();
    try {
      setTopics((await api("/api/topics")).items);
      scheduleRender();
      refreshChips();
    } catch {
      // the next live event or snapshot tries again
    }
  }, wait);
}

// -- live events ----------------------------------------------------------------------------
function onEvent(event) {
  if (event.type === "hello") {
    const server = toMs(event.server_time);
    if (Number.isFinite(server)) state.offsetMs = server - Date.now();
    loadSnapshot();
    loadAlerts();
  } else if (event.type === "gap") {
    loadSnapshot();
    loadAlerts();
  } else if (event.type === "alert" && event.item) {
    receiveAlert(event.item);
  } else if (event.type === "rollups" && event.bucket === "minute") {
    for (const r of event.items) putRollup(r);
    if (state.inflight) state.inflight.push(...event.items);
    scheduleRender();
  } else if (event.type === "posts") {
    for (const post of event.items) {
      if (state.seen.has(post.id)) continue;
      // A wall is public: it never shows a post moderation did not pass as safe.
      if (!isShowable(post)) continue;
      state.pending.push(post);
      if (post.topics.some((id) => !state.topics.has(id))) refreshTopicsSoon();
    }
    // A wall is read, not scanned: show the newest few in order, at a readable pace.
    if (state.pending.length > MAX_PENDING) state.pending.splice(0, state.pending.length - MAX_PENDING);
  } else if (event.type === "post_updated") {
    updatePost(event.item);
  } else if (event.type === "posts_deleted") {
    dropPosts(event.ids);
  }
}

/** Posts their authors deleted leave the wall at once. */
function dropPosts(ids) {
  const gone = new Set(ids);
  for (const li of [...$("posts").children]) if (gone.has(li.dataset.id)) li.remove();
  state.pending = state.pending.filter((p) => !gone.has(p.id));
}

function isShowable(post) {
  return post.moderation?.verdict === "safe"; // fail closed: no verdict, no show
}

/** A post changed: a person corrected its sentiment (recolour it), or moderation no
 * longer passes it (a new block rule, a person's verdict: take it off the wall at once).
 * The split and the KPIs follow from the rollups event that comes with a correction. */
function updatePost(post) {
  const showable = isShowable(post);
  for (const li of [...$("posts").children]) {
    if (li.dataset.id !== post.id) continue;
    if (showable) li.dataset.sentiment = post.sentiment?.label || "neutral";
    else li.remove();
  }
  state.pending = showable
    ? state.pending.map((p) => (p.id === post.id ? post : p))
    : state.pending.filter((p) => p.id !== post.id);
  state.postsUpdated += 1;
  if (state.takeoverPost?.post.id === post.id && !showable) {
    state.takeoverPost = null;
    renderTakeover();
  }
}

// -- numbers --------------------------------------------------------------------------------
function aggregate() {
  const current = minuteOf(now());
  const windowStart = current - (WINDOW_MINUTES - 1) * MINUTE;
  const prevStart = windowStart - WINDOW_MINUTES * MINUTE;
  const rateStart = current - (RATE_MINUTES - 1) * MINUTE;
  const perTopic = new Map();
  const perMinute = new Map();
  const hour = { volume: 0, negative: 0, neutral: 0, positive: 0, reach: 0 };
  const prev = { volume: 0, reach: 0 };
  let rateVolume = 0;
  for (const r of state.rollups.values()) {
    if (!state.topics.has(r.topic) || r.start > current) continue;
    if (r.start >= windowStart) {
      hour.volume += r.volume;
      hour.negative += r.negative;
      hour.neutral += r.neutral;
      hour.positive += r.positive;
      hour.reach += r.reach;
      perMinute.set(r.start, (perMinute.get(r.start) || 0) + r.volume);
      let t = perTopic.get(r.topic);
      if (!t) perTopic.set(r.topic, (t = { volume: 0, negative: 0, neutral: 0, positive: 0, byMinute: new Map() }));
      t.volume += r.volume;
      t.negative += r.negative;
      t.neutral += r.neutral;
      t.positive += r.positive;
      t.byMinute.set(r.start, r.volume);
      if (r.start >= rateStart) rateVolume += r.volume;
    } else if (r.start >= prevStart) {
      prev.volume += r.volume;
      prev.reach += r.reach;
    }
  }
  const elapsedMinutes = Math.max(1, (now() - rateStart) / MINUTE);
  let peak = { volume: 0, start: null };
  for (const [start, volume] of perMinute) if (volume > peak.volume) peak = { volume, start };
  return { current, windowStart, hour, prev, perTopic, rate: rateVolume / elapsedMinutes, peak };
}

function setKpi(id, value, sub) {
  const card = $(id);
  card.querySelector("[data-value]").textContent = value;
  const subEl = card.querySelector("[data-sub]");
  if (subEl && sub !== undefined) {
    subEl.replaceChildren(...sub);
  }
}

function span(text, className) {
  const el = document.createElement("span");
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

function trend(current, previous) {
  if (!previous) return [span(current ? "first hour of data" : "no mentions yet")];
  const change = (current - previous) / previous;
  const arrow = change >= 0 ? "▲" : "▼";
  return [span(`${arrow} ${Math.abs(Math.round(change * 100))}%`, change >= 0 ? "up" : "down"), span(" vs previous hour")];
}

function renderKpis(agg) {
  const { hour, prev, peak } = agg;
  setKpi("kpi-mentions", hour.volume >= 100000 ? compact(hour.volume) : grouped(hour.volume), trend(hour.volume, prev.volume));
  const rate = agg.rate;
  const peakText = peak.start !== null ? `peak ${grouped(peak.volume)}/min at ${clockText(peak.start)}` : "no activity yet";
  setKpi("kpi-rate", rate >= 100 ? grouped(rate) : rate.toFixed(rate >= 10 || rate === 0 ? 0 : 1), [span(peakText)]);
  const pos = hour.volume ? hour.positive / hour.volume : NaN;
  const neg = hour.volume ? hour.negative / hour.volume : NaN;
  setKpi("kpi-positive", percent(pos));
  setKpi("kpi-negative", percent(neg));
  $("kpi-positive").querySelector("[data-meter]").style.width = `${Number.isFinite(pos) ? pos * 100 : 0}%`;
  $("kpi-negative").querySelector("[data-meter]").style.width = `${Number.isFinite(neg) ? neg * 100 : 0}%`;
  setKpi("kpi-reach", compact(hour.reach), trend(hour.reach, prev.reach));
}

function clockText(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

// -- charts ---------------------------------------------------------------------------------
let volumeChart = null;
let donutChart = null;

function rem() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

function initCharts() {
  if (!window.echarts) return;
  volumeChart = window.echarts.init($("volume-chart"), null, { renderer: "canvas" });
  donutChart = window.echarts.init($("sentiment-donut"), null, { renderer: "canvas" });
  window.addEventListener("resize", () => {
    volumeChart.resize();
    donutChart.resize();
    render();
  });
  // The alert banner coming and going resizes the chart's panel, not the window.
  new ResizeObserver(() => volumeChart.resize()).observe($("volume-chart"));
}

function orderedTopics(agg) {
  return [...state.topics.values()].sort(
    (a, b) => (agg.perTopic.get(b.id)?.volume || 0) - (agg.perTopic.get(a.id)?.volume || 0) || a.id - b.id,
  );
}

function renderVolume(agg) {
  const topics = orderedTopics(agg);
  const minutes = [];
  for (let t = agg.windowStart; t < agg.current; t += MINUTE) minutes.push(t);
  // The minute in progress would read as a sudden drop: it is drawn as its pace so far
  // (per minute), and only once it is a third gone, so a few early posts cannot spike it.
  const elapsed = (now() - agg.current) / MINUTE;
  const showCurrent = elapsed >= CURRENT_MINUTE_AFTER;
  let volume = 0;
  const series = topics.map((topic) => {
    const byMinute = agg.perTopic.get(topic.id)?.byMinute;
    const data = minutes.map((t) => {
      const v = byMinute?.get(t) || 0;
      volume += v;
      return [t, v];
    });
    const inProgress = byMinute?.get(agg.current) || 0;
    volume += inProgress;
    if (showCurrent) data.push([agg.current, Math.round((inProgress / Math.min(1, elapsed)) * 10) / 10]);
    return {
      id: `topic-${topic.id}`,
      name: topic.name,
      type: "line",
      data,
      stack: "volume",
      smooth: 0.3,
      symbol: "none",
      lineStyle: { width: 0.14 * rem(), color: topic.color },
      itemStyle: { color: topic.color },
      areaStyle: {
        color: {
          type: "linear",
          x: 0,
          y: 0,
          x2: 0,
          y2: 1,
          colorStops: [
            { offset: 0, color: withAlpha(topic.color, 0.6) },
            { offset: 1, color: withAlpha(topic.color, 0.22) },
          ],
        },
      },
      emphasis: { disabled: true },
    };
  });
  const r = rem();
  if (volumeChart) {
    volumeChart.setOption(
      {
        animationDurationUpdate: 700,
        grid: { left: 3.6 * r, right: 1.2 * r, top: 1.2 * r, bottom: 2.6 * r },
        xAxis: {
          type: "time",
          min: agg.windowStart,
          max: agg.current,
          splitNumber: 6,
          axisLine: { lineStyle: { color: "#2a3656" } },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: {
            color: "#8391ae",
            fontSize: 1.2 * r,
            margin: 0.8 * r,
            hideOverlap: true,
            formatter: (value) => clockText(value),
          },
        },
        yAxis: {
          type: "value",
          minInterval: 1,
          splitNumber: 4,
          axisLabel: { color: "#8391ae", fontSize: 1.2 * r },
          splitLine: { lineStyle: { color: "#1b2540", type: [4, 6] } },
        },
        tooltip: { show: false },
        series,
      },
      { replaceMerge: ["series"] },
    );
  }
  state.chartUpdates += 1;
  state.chartVolume = volume;
  state.chartSeries = series.length;
  const el = $("volume-chart");
  el.dataset.updates = String(state.chartUpdates);
  el.dataset.volume = String(volume);
  el.dataset.series = String(series.length);
  const empty = $("volume-empty");
  empty.textContent = state.topics.size === 0 ? "No topics yet · add one in the console" : "Waiting for data…";
  empty.hidden = volume > 0;

  const legend = $("legend");
  legend.replaceChildren(
    ...topics.slice(0, 6).map((topic) => {
      const li = document.createElement("li");
      const swatch = document.createElement("i");
      swatch.style.background = topic.color;
      const count = document.createElement("b");
      count.textContent = compact(agg.perTopic.get(topic.id)?.volume || 0);
      li.append(swatch, span(topic.name), count);
      return li;
    }),
  );
}

function renderSentiment(agg) {
  const { hour } = agg;
  const r = rem();
  if (donutChart) {
    const data = hour.volume
      ? [
          { name: "Negative", value: hour.negative, itemStyle: { color: "#ff5f6d" } },
          { name: "Neutral", value: hour.neutral, itemStyle: { color: "#5b6780" } },
          { name: "Positive", value: hour.positive, itemStyle: { color: "#34d399" } },
        ]
      : [{ name: "No data", value: 1, itemStyle: { color: "#1b2540" } }];
    donutChart.setOption({
      animationDurationUpdate: 700,
      series: [
        {
          id: "sentiment",
          type: "pie",
          radius: ["74%", "96%"],
          startAngle: 90,
          label: { show: false },
          labelLine: { show: false },
          silent: true,
          itemStyle: { borderColor: "#0f1729", borderWidth: 0.2 * r },
          data,
        },
      ],
    });
  }
  const net = hour.volume ? Math.round(((hour.positive - hour.negative) / hour.volume) * 100) : null;
  const value = $("donut-value");
  value.textContent = net === null ? "—" : `${net > 0 ? "+" : ""}${net}`;
  value.style.color = net === null ? "" : net > 5 ? "#6ee7b7" : net < -5 ? "#ff8a95" : "";

  const rows = orderedTopics(agg)
    .filter((t) => agg.perTopic.get(t.id)?.volume)
    .slice(0, MAX_SENTIMENT_ROWS);
  const list = $("sentiment-rows");
  if (!rows.length) {
    const li = document.createElement("li");
    li.className = "sent-none";
    li.textContent = "Sentiment by topic appears as posts arrive.";
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(
    ...rows.map((topic) => {
      const t = agg.perTopic.get(topic.id);
      const li = document.createElement("li");
      li.className = "sent-row";
      const name = document.createElement("div");
      name.className = "sent-name";
      const dot = document.createElement("i");
      dot.style.background = topic.color;
      name.append(dot, span(topic.name));
      const bar = document.createElement("div");
      bar.className = "sent-bar";
      for (const [cls, n] of [["neg", t.negative], ["neu", t.neutral], ["pos", t.positive]]) {
        const part = document.createElement("span");
        part.className = cls;
        part.style.flexGrow = String(n);
        bar.append(part);
      }
      const neg = document.createElement("div");
      neg.className = "sent-neg";
      neg.textContent = percent(t.negative / t.volume);
      li.append(name, bar, neg);
      return li;
    }),
  );
}

let renderTimer = null;

function scheduleRender() {
  if (renderTimer !== null) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    render();
  }, 300);
}

function render() {
  pruneRollups();
  const agg = aggregate();
  renderKpis(agg);
  renderVolume(agg);
  renderSentiment(agg);
  $("stream-count").textContent = agg.hour.volume ? `${grouped(agg.hour.volume)} mentions in the last hour` : "";
}

// -- posts ----------------------------------------------------------------------------------
const SOURCE_NAMES = { hackernews: "Hacker News", rss: "News", bluesky: "Bluesky", mastodon: "Mastodon" };

function postElement(post) {
  const li = document.createElement("li");
  li.className = "post";
  li.dataset.id = post.id;
  li.dataset.sentiment = post.sentiment?.label || "neutral";
  li.dataset.created = String(toMs(post.created_at));
  li.dataset.topics = post.topics.join(",");

  const author = post.author || {};
  const avatar = document.createElement("div");
  avatar.className = "avatar";
  avatar.textContent = initials(author.name, author.handle);
  avatar.style.background = `linear-gradient(135deg, hsl(${hueOf(author.handle)} 60% 48%), hsl(${(hueOf(author.handle) + 40) % 360} 65% 38%))`;

  const head = document.createElement("div");
  head.className = "post-head";
  head.append(span(author.name || author.handle || "unknown", "post-name"));
  if (author.handle && author.name) head.append(span(`@${author.handle.replace(/^@/, "")}`, "post-handle"));
  if (author.followers) head.append(span(`· ${compact(author.followers)} followers`, "post-followers"));
  const meta = document.createElement("div");
  meta.className = "post-meta";
  if (post.lang && post.lang !== "und") meta.append(span(post.lang.toUpperCase(), "lang"));
  meta.append(span(relativeTime(toMs(post.created_at), now()), "post-time"));
  head.append(meta);

  const body = [];
  if (post.title) {
    const title = document.createElement("p");
    title.className = "post-title";
    title.textContent = post.title;
    body.push(title);
  }
  if (post.text) {
    const text = document.createElement("p");
    text.className = "post-text";
    text.textContent = post.text;
    body.push(text);
  }

  const foot = document.createElement("div");
  foot.className = "post-foot";
  fillChips(foot, post.topics);
  li.append(avatar, head, ...body, foot);
  const source = span(SOURCE_NAMES[post.source] || post.source, "post-source");
  foot.append(source);
  return li;
}

function fillChips(foot, topicIds) {
  const source = foot.querySelector(".post-source");
  foot.replaceChildren();
  for (const id of topicIds) {
    const topic = state.topics.get(id);
    if (!topic) continue;
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.style.setProperty("--chip", topic.color);
    chip.style.setProperty("--chip-bg", withAlpha(topic.color, 0.14));
    chip.style.setProperty("--chip-line", withAlpha(topic.color, 0.35));
    chip.append(document.createElement("i"), span(topic.name));
    foot.append(chip);
  }
  if (source) foot.append(source);
}

function refreshChips() {
  for (const li of $("posts").children) {
    const ids = (li.dataset.topics || "").split(",").filter(Boolean).map(Number);
    fillChips(li.querySelector(".post-foot"), ids);
  }
}

function showSnapshotPosts(items) {
  const list = $("posts");
  const inSnapshot = new Set(items.map((p) => p.id));
  const newest = items.length ? toMs(items[0].created_at) : -Infinity;
  // Posts shown live while the snapshot was in flight are newer than it: keep them on top.
  const keep = [...list.children].filter(
    (el) => !inSnapshot.has(el.dataset.id) && Number(el.dataset.created) > newest,
  );
  state.seen = new Set([...inSnapshot, ...keep.map((el) => el.dataset.id)]);
  state.pending = state.pending.filter((p) => !state.seen.has(p.id));
  list.replaceChildren(...keep, ...items.map(postElement));
  trimPosts();
  updatePostsEmpty();
}

function revealNext() {
  const post = state.pending.shift();
  if (!post || state.seen.has(post.id)) return;
  state.seen.add(post.id);
  if (state.seen.size > 2000) state.seen = new Set([...state.seen].slice(-1000));
  const list = $("posts");
  const before = new Map([...list.children].map((el) => [el, el.getBoundingClientRect().top]));
  const el = postElement(post);
  el.classList.add("is-new");
  list.prepend(el);
  // FLIP: the cards below slide down to their new place instead of jumping.
  for (const [child, top] of before) {
    const delta = top - child.getBoundingClientRect().top;
    if (!delta) continue;
    child.style.transition = "none";
    child.style.transform = `translateY(${delta}px)`;
  }
  requestAnimationFrame(() => {
    for (const child of before.keys()) {
      child.style.transition = "transform 0.7s cubic-bezier(0.2, 0.8, 0.2, 1)";
      child.style.transform = "";
    }
  });
  trimPosts();
  updatePostsEmpty();
  state.postsShown += 1;
}

function trimPosts() {
  const list = $("posts");
  const limit = list.clientHeight;
  const children = [...list.children];
  for (const child of children.slice(1)) {
    if (child.offsetTop >= limit) child.remove();
  }
}

function updatePostsEmpty() {
  $("posts-empty").hidden = $("posts").children.length > 0;
}

function refreshTimes() {
  const t = now();
  for (const li of $("posts").children) {
    const time = li.querySelector(".post-time");
    if (time) time.textContent = relativeTime(Number(li.dataset.created), t);
  }
}

// -- alerts ---------------------------------------------------------------------------------
let alertsRetry = null;

async function loadAlerts() {
  if (state.alerting === false) return; // switched off: only a restart (a new hello) changes that
  clearTimeout(alertsRetry);
  try {
    const { items } = await api(`/api/alerts${qs({ state: "active", limit: 100 })}`);
    state.alerting = true;
    state.alerts.reset(items.filter(isActive));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      state.alerting = false; // alerting is off here: no banner, nothing to log
      state.alerts.reset([]);
    } else {
      alertsRetry = setTimeout(loadAlerts, ALERTS_RETRY_MS);
    }
  }
  renderAlerts();
}

function receiveAlert(alert) {
  state.alerting = true;
  if (isActive(alert)) state.alerts.put(alert);
  else if (state.alerts.put(alert)) state.alerts.byId.delete(alert.id);
  renderAlerts();
}

function renderAlerts() {
  renderBanner();
  renderTakeover();
}

function bannerAlerts() {
  return state.alerts.sorted(isActive);
}

function renderBanner() {
  const alerts = bannerAlerts();
  const banner = $("alert-banner");
  banner.hidden = alerts.length === 0;
  banner.dataset.count = String(alerts.length);
  if (!alerts.length) {
    state.bannerIndex = 0;
    return;
  }
  if (state.bannerIndex >= alerts.length) state.bannerIndex = 0;
  const alert = alerts[state.bannerIndex];
  banner.dataset.id = alert.id;
  banner.dataset.severity = alert.severity;
  banner.dataset.state = alert.state;
  $("ab-sev").textContent = alert.severity === "info" ? "Alert" : SEVERITY_TEXT[alert.severity];
  $("ab-topic").textContent = alert.topic_name || state.topics.get(alert.topic_id)?.name || "";
  $("ab-reason").textContent = alert.reason || "";
  const status = $("ab-status");
  if (alert.state === "acknowledged") {
    status.textContent = `✓ Acknowledged by ${alert.acknowledged_by || "the team"}`;
  } else {
    status.textContent = `Open · ${durationText(now() - toMs(alert.opened_at))}`;
  }
  $("ab-pager").textContent = alerts.length > 1 ? `${state.bannerIndex + 1} / ${alerts.length}` : "";
}

function rotateBanner() {
  const count = bannerAlerts().length;
  if (count < 2) return;
  state.bannerIndex = (state.bannerIndex + 1) % count;
  const banner = $("alert-banner");
  banner.classList.remove("is-turning");
  void banner.offsetWidth; // restart the fade for the next alert
  banner.classList.add("is-turning");
  renderBanner();
}

function durationText(ms) {
  const m = Math.max(0, Math.floor(ms / MINUTE));
  if (m < 1) return "just now";
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** The open alerts whose escalation policy has taken over this screen (a level lists its
 * name, or "*"), until someone acknowledges them; the most severe leads, then the newest.
 * Other screens keep the banner. */
function takesThisScreen(alert) {
  const name = document.body.dataset.screen || "";
  return alert.state === "open" && (alert.takeover || []).some((s) => s === "*" || s === name);
}

function takeoverAlert() {
  const taking = state.alerts.sorted(takesThisScreen);
  taking.sort(
    (a, b) =>
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
      toMs(b.opened_at) - toMs(a.opened_at),
  );
  return { alert: taking[0] || null, others: Math.max(0, taking.length - 1) };
}

function renderTakeover() {
  const { alert, others } = takeoverAlert();
  const box = $("takeover");
  box.hidden = !alert;
  document.body.classList.toggle("in-crisis", Boolean(alert));
  if (!alert) {
    state.takeover = null;
    state.takeoverPost = null;
    return;
  }
  if (state.takeover !== alert.id) {
    state.takeover = alert.id;
    state.takeoverPost = null;
    checkTopPost(alert);
  }
  box.dataset.id = alert.id;
  box.dataset.severity = alert.severity;
  $("to-sev").textContent =
    alert.detector === "manual" ? "Escalated" : `${SEVERITY_TEXT[alert.severity] || ""} alert`.trim();
  $("to-more").textContent = others ? `+${others} more` : "";
  $("to-topic").textContent = alert.topic_name || state.topics.get(alert.topic_id)?.name || "";
  $("to-reason").textContent = alert.reason || "";
  const numbers = $("to-numbers");
  const tiles = [];
  if (alert.detector !== "manual") {
    tiles.push(["Observed", amount(alert.observed)], ["Expected", amount(alert.expected)]);
    const band = bandText(alert.band);
    if (band) tiles.push(["Normal range", band]);
  }
  numbers.replaceChildren(
    ...tiles.map(([label, value]) => {
      const tile = document.createElement("div");
      tile.className = "to-tile";
      tile.append(span(value, "to-value"), span(label, "to-label"));
      return tile;
    }),
  );
  numbers.hidden = tiles.length === 0;
  const summary = alert.evidence?.summary || "";
  $("to-summary").textContent = summary;
  $("to-summary").hidden = !summary || summary === alert.reason;
  const shown = state.takeoverPost?.alert === alert.id ? state.takeoverPost.post : null;
  $("to-post").hidden = !shown;
  if (shown) {
    $("to-post-text").textContent = shown.title || shown.text || "";
    const author = shown.author || {};
    $("to-post-author").textContent = author.handle ? `@${author.handle.replace(/^@/, "")}` : author.name || "";
  }
  $("to-since").textContent = `Open since ${clockText(toMs(alert.opened_at))} · ${durationText(now() - toMs(alert.opened_at))} · nobody has acknowledged it`;
}

/** Show the alert's top post only once the API says moderation passed that post as safe. */
async function checkTopPost(alert) {
  const top = alert.evidence?.top_posts?.[0];
  if (!top?.id) return;
  try {
    const post = await api(`/api/posts/${encodeURIComponent(top.id)}`);
    if (state.takeover !== alert.id || !isShowable(post)) return;
    state.takeoverPost = { alert: alert.id, post };
    renderTakeover();
  } catch {
    // purged, or the server is away: the takeover shows the numbers without the post
  }
}

// -- start ----------------------------------------------------------------------------------
/** A source that is failing, refused, rate-limited or silent is said in the corner, so a
 * quiet chart is never mistaken for no chatter. */
async function loadSources() {
  const items = await fetchSources();
  const bad = (items || []).filter(isBad);
  const box = $("source-notice");
  box.hidden = bad.length === 0;
  box.textContent = bad.length ? describe(bad[0], now()) + (bad.length > 1 ? ` (+${bad.length - 1})` : "") : "";
  state.sourcesBad = bad.length;
}

function start() {
  initCharts();
  tickClock();
  setInterval(tickClock, 1000);
  setInterval(revealNext, REVEAL_EVERY_MS);
  setInterval(refreshTimes, 5000);
  // The windows slide even when nothing arrives.
  setInterval(render, 15000);
  setInterval(refreshTopicsSoon, 60000);
  setInterval(rotateBanner, BANNER_ROTATE_MS);
  setInterval(renderAlerts, 15000); // "open · 12 min" keeps counting
  loadSources();
  setInterval(loadSources, 30000);
  render();
  updatePostsEmpty();
  connectLive({ onEvent, onState: setConnection });
}

// A debugging and testing hook: read-only views of what the screen is showing.
window.signalroom = {
  get connection() {
    return state.connection;
  },
  get chartUpdates() {
    return state.chartUpdates;
  },
  get chartVolume() {
    return state.chartVolume;
  },
  get chartSeries() {
    return state.chartSeries;
  },
  get postsShown() {
    return state.postsShown;
  },
  get snapshots() {
    return state.snapshots;
  },
  get postsUpdated() {
    return state.postsUpdated;
  },
  get alerting() {
    return state.alerting;
  },
  get alertsShown() {
    return bannerAlerts().length;
  },
  get takeover() {
    return state.takeover;
  },
  get sourcesBad() {
    return state.sourcesBad;
  },
};

start();
