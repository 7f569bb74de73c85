// tonghao's console: one page, plain DOM, ECharts for charts. Every word
// comes from the server's message catalogue (/api/catalogue/{lang}); every
// figure from the API, which computes it from the imported history. Text
// from chats (names, messages) only ever enters the page as text nodes.
"use strict";

const L = {
  lang: localStorage.getItem("tonghao.lang") || "zh",
  words: {},
  t(key) {
    return this.words[key] ?? key;
  },
  // "{n} messages" style templates of the catalogue: {name} arguments only.
  f(key, args) {
    return this.fill(this.t(key), args);
  },
  // The same for a template given as text (a community's own draft template).
  fill(template, args) {
    return template
      .replace(/\{(\w+)\|([^|}]*)\|([^}]*)\}/g, (_, k, one, other) => (Number(args[k]) === 1 ? one : other))
      .replace(/\{(\w+)\}/g, (_, k) => (k in args ? String(args[k]) : `{${k}}`));
  },
  locale() {
    return this.lang === "zh" ? "zh-CN" : "en";
  },
};

const state = { me: null, csrf: "", community: null, charts: [] };

// ---- small helpers -------------------------------------------------------
// A duration in the unit a reader would pick, as the report's text does
// (crates/app/src/view/mod.rs, `duration`): minutes under two hours, then
// hours, from two days on days.
function duration(seconds) {
  if (seconds == null) return "-";
  const m = seconds / 60;
  if (m < 120) return L.f("unit.minutes", { n: num(m, 1) });
  if (m < 48 * 60) return L.f("unit.hours", { n: num(m / 60, 1) });
  return L.f("unit.days", { n: num(m / 1440, 1) });
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const num = (x, digits = 0) =>
  x === null || x === undefined ? "-" : new Intl.NumberFormat(L.locale(), { maximumFractionDigits: digits }).format(x);
const pct = (x) =>
  x === null || x === undefined ? "-" : new Intl.NumberFormat(L.locale(), { style: "percent", maximumFractionDigits: 0 }).format(x);

// A date as the group's own clock shows it (its UTC offset), with the offset named.
function date(ms, tzS = 0, withTime = false) {
  if (ms === null || ms === undefined) return "-";
  const opts = { timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit" };
  if (withTime) Object.assign(opts, { hour: "2-digit", minute: "2-digit", hour12: false });
  const s = new Intl.DateTimeFormat(L.locale(), opts).format(new Date(ms + tzS * 1000));
  if (!withTime) return s;
  const hrs = tzS / 3600;
  return `${s} UTC${hrs >= 0 ? "+" : ""}${Number.isInteger(hrs) ? hrs : hrs.toFixed(1)}`;
}

function sparkline(values) {
  const w = 84, hgt = 20, max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i * w) / Math.max(1, values.length - 1)},${hgt - (v / max) * (hgt - 2) - 1}`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", w);
  svg.setAttribute("height", hgt);
  svg.setAttribute("class", "spark");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", pts.join(" "));
  svg.append(line);
  const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
  title.textContent = values.join(", ");
  svg.append(title);
  return svg;
}

// Catalogue keys of the values the API answers with (written out, so the
// catalogue's test finds every key a page uses).
const KEYS = {
  stage: { emerging: "label.stage_emerging", growing: "label.stage_growing", active: "label.stage_active", declining: "label.stage_declining", silent: "label.stage_silent" },
  role: { core: "label.core", connector: "label.connector", newcomer: "label.newcomer", lurker: "label.lurker", drifting: "label.drifting" },
  account: { owner: "console.role_owner", admin: "console.role_admin", analyst: "console.role_analyst" },
  kind: { welcome: "console.kind_welcome", re_engage: "console.kind_re_engage", answer: "console.kind_answer", promote: "console.kind_promote", spam: "console.kind_spam", intervene: "console.kind_intervene", split: "console.kind_split", introduce: "console.kind_introduce" },
  nav: { overview: "console.nav_overview", moves: "console.nav_moves", ops: "console.nav_ops", import: "console.nav_import" },
  activity: { topic: "activity.kind_topic", guest: "activity.kind_guest", checkin: "activity.kind_checkin", offline: "activity.kind_offline", trial: "activity.kind_trial", homework: "activity.kind_homework" },
  verdict: { done: "console.move_done", dismiss: "console.move_dismiss" },
  job: { running: "console.uploading", done: "console.import_done", failed: "console.import_failed" },
  task: { notify: "task.kind_notify", supervise: "task.kind_supervise", host: "task.kind_host", follow_up: "task.kind_follow_up" },
};
const word = (kind, value) => L.t(KEYS[kind][value] || value);
const stageName = (s) => word("stage", s);
const canOperate = () => state.me && state.me.role !== "analyst";

async function api(method, path, body, raw = false) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    if (raw) opts.body = body;
    else {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
  }
  const r = await fetch(path, opts);
  const isJson = (r.headers.get("content-type") || "").includes("json");
  const data = isJson ? await r.json() : await r.text();
  if (r.status === 401 && path !== "/api/login") {
    state.me = null;
    render();
  }
  // The server words its errors in both languages from the catalogue.
  const words = data && ((data.text && data.text[L.lang]) || data.message);
  if (!r.ok) throw Object.assign(new Error(words || String(r.status)), { status: r.status, data });
  return data;
}

function clearCharts() {
  for (const c of state.charts) c.dispose();
  state.charts = [];
}

function chart(el, option) {
  const c = echarts.init(el, null, { renderer: "canvas" });
  c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "inherit" } }, option));
  state.charts.push(c);
  return c;
}

function errorBox(e) {
  const code = e && e.data && e.data.error;
  const key = { not_found: "console.error_not_found", forbidden: "console.error_forbidden", csrf: "console.error_csrf" }[code];
  return h("p", { class: "error", role: "alert" }, key ? L.t(key) : L.f("console.error_other", { message: e.message }));
}

async function loadWords() {
  L.words = await api("GET", `/api/catalogue/${L.lang}`);
  document.documentElement.lang = L.locale();
}

// ---- login and frame -----------------------------------------------------

function loginPage(main) {
  const name = h("input", { id: "login-name", autocomplete: "username", required: true, value: "admin" });
  const pw = h("input", { id: "login-password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "login", id: "login-form" },
    h("h1", {}, "同好 tonghao"),
    h("label", {}, L.t("console.login_name"), name),
    h("label", {}, L.t("console.login_password"), pw),
    h("button", { type: "submit", id: "login-submit" }, L.t("console.login")),
    msg,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("POST", "/api/login", { name: name.value, password: pw.value });
      state.me = r.user;
      state.csrf = r.csrf;
      await start();
    } catch (e) {
      msg.textContent = L.t(e.status === 429 ? "console.login_throttled" : "console.login_failed");
    }
  });
  main.append(form);
}

function frame() {
  const bar = document.getElementById("bar");
  bar.hidden = !state.me;
  for (const a of document.querySelectorAll("[data-nav]")) a.textContent = word("nav", a.dataset.nav);
  document.getElementById("lang").textContent = L.lang === "zh" ? "English" : "中文";
  document.getElementById("logout").textContent = L.t("console.logout");
  document.getElementById("who").textContent = state.me ? `${state.me.name} · ${word("account", state.me.role)}` : "";
}

async function start() {
  const communities = await api("GET", "/api/communities");
  // An owner of an empty store imports into the CLI's default community.
  if (!communities.length && state.me.role === "owner") {
    communities.push("default");
    location.hash = "#/import";
  }
  const sel = document.getElementById("community");
  sel.replaceChildren(...communities.map((c) => h("option", { value: c }, c)));
  const saved = localStorage.getItem("tonghao.community");
  state.community = communities.includes(saved) ? saved : communities[0] || null;
  if (state.community) sel.value = state.community;
  render();
}

// ---- pages ---------------------------------------------------------------

async function overviewPage(main) {
  const data = await api("GET", `/api/c/${encodeURIComponent(state.community)}/overview`);
  const filter = h("input", { id: "filter", type: "search", placeholder: L.t("console.filter") });
  const stageSel = h(
    "select",
    { id: "stage-filter" },
    h("option", { value: "" }, L.t("console.all_stages")),
    ["emerging", "growing", "active", "declining", "silent"].map((s) => h("option", { value: s }, stageName(s))),
  );
  const cols = [
    ["name", "label.group_name", (g) => h("a", { href: `#/group/${g.id}` }, g.name)],
    ["platform", "label.platform", (g) => g.platform],
    ["stage", "label.stage", (g) => h("span", { class: `stage ${g.stage}` }, stageName(g.stage))],
    ["members", "label.members", (g) => num(g.members), true],
    ["active_ratio", "console.active_ratio_28d", (g) => pct(g.active_ratio), true],
    ["messages", "console.messages_28d", (g) => num(g.messages), true],
    ["trend", "label.12_weeks", (g) => sparkline(g.trend)],
    ["silence_risk", "console.silence_risk", (g) => pct(g.silence_risk), true],
    ["weakest", "label.weakest_signal", (g) => (L.lang === "zh" ? g.weakest_zh : g.weakest_en) || "-"],
    ["top_move", "console.top_move", (g) => (L.lang === "zh" ? g.top_move_zh : g.top_move_en) || "-"],
  ];
  let sortKey = "name", desc = false;
  const tbody = h("tbody");
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = data.groups
      .filter((g) => (!q || g.name.toLowerCase().includes(q) || g.platform.includes(q)) && (!stageSel.value || g.stage === stageSel.value))
      .sort((a, b) => {
        const x = sortKey === "trend" ? a.trend.at(-1) : a[sortKey], y = sortKey === "trend" ? b.trend.at(-1) : b[sortKey];
        const c = typeof x === "string" ? x.localeCompare(y, L.locale()) : (x ?? -1) - (y ?? -1);
        return desc ? -c : c;
      });
    tbody.replaceChildren(...rows.map((g) => h("tr", {}, cols.map(([, , cell, right]) => h("td", { class: right ? "num" : "" }, cell(g))))));
    count.textContent = L.f("console.groups_shown", { shown: rows.length, total: data.groups.length });
  };
  const head = h(
    "tr",
    {},
    cols.map(([key, label, , right]) =>
      h("th", { class: right ? "num sortable" : "sortable", onclick: () => { desc = sortKey === key ? !desc : false; sortKey = key; draw(); } }, L.t(label)),
    ),
  );
  const count = h("span", { class: "muted" });
  filter.addEventListener("input", draw);
  stageSel.addEventListener("change", draw);
  main.append(
    h("h1", {}, L.t("console.nav_overview")),
    h("p", { class: "muted" }, L.f("console.as_of", { time: date(data.as_of_ms, 0, true), moves: data.open_moves })),
    h("div", { class: "tools" }, filter, stageSel, count, h("span", { class: "grow" }), exportLinks("report")),
    h("table", { class: "grid", id: "groups" }, h("thead", {}, head), tbody),
  );
  draw();
}

function exportLinks(table, extra = "") {
  const base = `/api/c/${encodeURIComponent(state.community)}/export/${table}?lang=${L.lang}${extra}`;
  return h(
    "span",
    { class: "exports" },
    L.t("console.download"),
    " ",
    h("a", { href: `${base}&format=csv`, download: `${table}.csv` }, "CSV"),
    " · ",
    h("a", { href: `${base}&format=xlsx`, download: `${table}.xlsx` }, "Excel"),
  );
}

function moveCard(m, onDecided) {
  const text = L.lang === "zh" ? m.zh : m.en;
  // In the group's own language where it is known: the draft is for its members.
  const draft = (m.draft_lang || L.lang) === "zh" ? m.draft_zh : m.draft_en;
  const buttons = canOperate()
    ? h(
        "div",
        { class: "actions" },
        ["done", "dismiss"].map((v) =>
          h("button", { type: "button", "data-verdict": v, onclick: async () => {
            await api("POST", `/api/c/${encodeURIComponent(state.community)}/moves/${encodeURIComponent(m.id)}/${v}`);
            onDecided();
          } }, word("verdict", v)),
        ),
      )
    : null;
  return h(
    "article",
    { class: `move ${m.kind}`, "data-move": m.id },
    h("div", { class: "move-head" }, h("span", { class: "kind" }, word("kind", m.kind)), " ", h("a", { href: `#/group/${m.group_store_id}` }, m.group_name), m.by ? ` · ${L.t("label.move_by")}: ${m.by}` : ""),
    h("p", {}, text),
    draft ? h("blockquote", { class: "draft" }, draft, " ", h("button", { type: "button", class: "copy", onclick: () => navigator.clipboard && navigator.clipboard.writeText(draft) }, L.t("console.copy"))) : null,
    m.subject ? h("a", { href: `#/member/${m.subject}` }, L.t("console.open_member")) : null,
    h("details", {}, h("summary", {}, L.t("console.evidence")), h("ul", {}, m.evidence.figures.map(([k, v]) => h("li", {}, `${k}: ${num(v, 2)}`)), m.evidence.messages.length ? h("li", {}, L.f("console.evidence_messages", { n: m.evidence.messages.length })) : null)),
    buttons,
  );
}

async function movesPage(main) {
  const data = await api("GET", `/api/c/${encodeURIComponent(state.community)}/moves`);
  main.append(h("h1", {}, L.t("console.nav_moves")), h("div", { class: "tools" }, h("span", { class: "muted" }, L.f("console.open_moves", { n: data.moves.length })), h("span", { class: "grow" }), exportLinks("moves")));
  const list = h("div", { class: "moves", id: "moves" }, data.moves.slice(0, 200).map((m) => moveCard(m, render)));
  main.append(list);
  if (data.outcomes.length) {
    main.append(
      h("h2", {}, L.t("console.outcomes")),
      h("table", { class: "grid", id: "outcomes" },
        h("thead", {}, h("tr", {}, ["console.kind", "console.outcome_done", "console.outcome_measured", "console.outcome_worked", "console.outcome_hit_rate", "console.outcome_not_measurable", "console.outcome_dismissed"].map((k) => h("th", {}, L.t(k))))),
        h("tbody", {}, data.outcomes.map((o) => h("tr", {}, h("td", {}, word("kind", o.kind)),
          [o.done, o.measured, o.worked].map((x) => h("td", { class: "num" }, num(x))),
          h("td", { class: "num" }, o.hit_rate == null ? "–" : `${Math.round(o.hit_rate * 100)}%`),
          [o.not_measurable, o.dismissed].map((x) => h("td", { class: "num" }, num(x)))))),
      ),
    );
  }
  // Why some accounts never appear in a move: bots found by their behaviour.
  if (data.bots.length) {
    const pct = (x) => `${Math.round(x * 100)}%`;
    main.append(
      h("h2", {}, L.t("report.bots")),
      h("ul", { id: "bots" }, data.bots.map((b) => h("li", {}, L.f("report.bot", { name: b.name, messages: b.messages, fast: pct(b.fast), templated: pct(b.templated) })))),
    );
  }
}

async function groupPage(main, id) {
  const page = await api("GET", `/api/c/${encodeURIComponent(state.community)}/groups/${encodeURIComponent(id)}`);
  const g = page.report;
  const tz = g.tz_offset_s;
  const ev = L.lang === "zh" ? g.stage_evidence.zh : g.stage_evidence.en;
  main.append(
    h("h1", {}, g.name, " ", h("span", { class: `stage ${g.stage}` }, stageName(g.stage))),
    h("p", { class: "muted" }, `${g.platform} · ${L.f("console.read_as_of", { time: date(g.as_of_ms, tz, true) })} · ${ev}`),
    h("div", { class: "cards" },
      card("label.members", num(g.activity.members)),
      card("console.active_ratio_28d", pct(g.activity.active_ratio)),
      card("console.messages_28d", num(g.activity.messages)),
      card("label.threads_unanswered", g.responsiveness.threads ? `${pct(g.responsiveness.unanswered_share)} (${num(g.responsiveness.threads - g.responsiveness.answered)}/${num(g.responsiveness.threads)})` : "-"),
      card("label.median_first_response", duration(g.responsiveness.median_first_response_s)),
      card("console.silence_risk", g.forecast ? pct(g.forecast.probability) : "-"),
    ),
    h("h2", {}, L.t("label.weakest_signals_heading")),
    h("ul", {}, g.weakest.map((s) => h("li", {}, L.lang === "zh" ? s.zh : s.en))),
  );
  if (page.unanswered.length) {
    main.append(
      h("details", { id: "unanswered" },
        h("summary", {}, L.f("console.unanswered_list", { n: page.unanswered.length })),
        h("table", { class: "grid" }, h("tbody", {}, page.unanswered.map((u) => h("tr", {},
          h("td", { class: "nowrap" }, date(u.at_ms, tz, true)),
          h("td", { class: "nowrap" }, h("a", { href: `#/member/${u.member}` }, u.name)),
          h("td", {}, u.text ?? L.t("console.text_not_kept")))))),
      ),
    );
  }
  const grid = h("div", { class: "charts" });
  main.append(grid);
  const box = (titleKey, cls = "") => {
    const el = h("div", { class: `chart ${cls}` });
    grid.append(h("section", {}, h("h3", {}, L.t(titleKey)), el));
    return el;
  };
  const weeks = g.weekly.map((w) => date(w.start_ms, tz));
  chart(box("console.chart_activity", "wide"), {
    tooltip: { trigger: "axis" },
    legend: { data: [L.t("label.messages"), L.t("console.active_members")] },
    xAxis: { type: "category", data: weeks },
    yAxis: [{ type: "value", name: L.t("label.messages") }, { type: "value", name: L.t("console.active_members") }],
    dataZoom: [{ type: "inside" }, { type: "slider", height: 16 }],
    series: [
      { name: L.t("label.messages"), type: "bar", data: g.weekly.map((w) => w.messages) },
      { name: L.t("console.active_members"), type: "line", yAxisIndex: 1, data: g.weekly.map((w) => w.active) },
    ],
  });
  const stages = ["emerging", "growing", "active", "declining", "silent"];
  chart(box("console.chart_stages", "wide thin"), {
    tooltip: { formatter: (p) => `${weeks[p.data[0]]}: ${stageName(stages[p.data[2]])}` },
    grid: { top: 10, bottom: 64 },
    xAxis: { type: "category", data: weeks },
    yAxis: { type: "category", data: [""], show: false },
    visualMap: { type: "piecewise", orient: "horizontal", bottom: 0, left: "center", pieces: stages.map((s, i) => ({ value: i, label: stageName(s), color: ["#9ecae1", "#31a354", "#3182bd", "#fd8d3c", "#bdbdbd"][i] })) },
    series: [{ type: "heatmap", data: g.stages.map((s, i) => [i, 0, stages.indexOf(s)]) }],
  });
  const days = L.t("console.weekdays").split(",");
  const heat = [];
  g.heatmap.forEach((row, d) => row.forEach((v, hr) => heat.push([hr, d, v])));
  chart(box("label.when_the_group_talks_local_time_mon_sun_hour"), {
    tooltip: { formatter: (p) => `${days[p.data[1]]} ${p.data[0]}:00 — ${num(p.data[2])}` },
    grid: { top: 10, left: 40, bottom: 60 },
    xAxis: { type: "category", data: [...Array(24).keys()].map(String) },
    yAxis: { type: "category", data: days, inverse: true },
    visualMap: { min: 0, max: Math.max(1, ...heat.map((x) => x[2])), orient: "horizontal", left: "center", bottom: 0, calculable: true },
    series: [{ type: "heatmap", data: heat }],
  });
  const msgs = g.members.map((m) => m.messages_window).filter((x) => x > 0).sort((a, b) => a - b);
  const total = msgs.reduce((a, b) => a + b, 0);
  let acc = 0;
  const lorenz = [[0, 0], ...msgs.map((x, i) => { acc += x; return [(i + 1) / msgs.length, total ? acc / total : 0]; })];
  chart(box("console.chart_lorenz"), {
    tooltip: { trigger: "axis", valueFormatter: pct },
    xAxis: { type: "value", min: 0, max: 1, name: L.t("console.share_of_speakers"), nameLocation: "middle", nameGap: 24, axisLabel: { formatter: pct } },
    yAxis: { type: "value", min: 0, max: 1, name: L.t("console.share_of_messages"), axisLabel: { formatter: pct } },
    series: [
      { type: "line", data: lorenz, showSymbol: false, areaStyle: { opacity: 0.15 }, name: L.f("console.gini", { gini: num(g.concentration.gini, 2) }) },
      { type: "line", data: [[0, 0], [1, 1]], showSymbol: false, lineStyle: { type: "dashed" }, silent: true },
    ],
    legend: { data: [L.f("console.gini", { gini: num(g.concentration.gini, 2) })] },
  });
  const n = g.newcomers;
  const funnel = [
    [L.t("console.funnel_arrived"), n.newcomers, 1],
    [L.t("console.funnel_spoke_14d"), n.spoke_within_14d],
    [L.t("console.funnel_active_30d"), n.active_after_30d],
    [L.t("console.funnel_active_90d"), n.active_after_90d],
  ].filter((x) => x[1] !== null && x[1] !== undefined);
  chart(box("console.chart_newcomers"), {
    tooltip: {},
    series: [{
      type: "funnel", sort: "none", minSize: "10%", left: "10%", width: "80%",
      label: { formatter: (p) => `${p.name}: ${p.dataIndex === 0 ? num(p.value) : pct(p.value / 100)}` },
      data: funnel.map(([name, v], i) => ({ name, value: i === 0 ? v : v * 100 })),
    }],
  });
  graphSection(main, page);
  main.append(
    h("h2", {}, L.t("label.member_roles"), " ", exportLinks("members", `&group=${encodeURIComponent(g.external_id)}`)),
    h("table", { class: "grid", id: "members" },
      h("thead", {}, h("tr", {}, ["label.member", "label.role", "console.messages_28d", "console.messages_before", "console.answered_people", "label.last"].map((k) => h("th", {}, L.t(k))))),
      h("tbody", {}, g.members.slice(0, 300).map((m) => h("tr", {},
        h("td", {}, h("a", { href: `#/member/${page.member_ids[m.member]}` }, m.name)),
        h("td", {}, m.roles.map((r) => word("role", r)).join(" · ")),
        h("td", { class: "num" }, num(m.messages_window)),
        h("td", { class: "num" }, num(m.messages_before)),
        h("td", { class: "num" }, num(m.answered_people)),
        h("td", {}, date(m.last_message_ms, tz)),
      ))),
    ),
  );
  if (page.moves.length) main.append(h("h2", {}, L.t("console.nav_moves")), h("div", { class: "moves" }, page.moves.map((m) => moveCard(m, render))));
}

function card(labelKey, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, L.t(labelKey)), h("div", { class: "value" }, value));
}

function graphSection(main, page) {
  const el = h("div", { class: "chart graph", id: "graph" });
  const s = page.split;
  const note = s
    ? L.f("console.split_summary", { groups: s.groups.length, max: s.max_size, kept: pct(s.ties_kept), modularity: num(s.modularity, 2) })
    : L.t("console.no_split");
  main.append(h("h2", {}, L.t("console.chart_graph")), h("p", { class: "muted" }, note, page.edges_left_out ? ` ${L.f("console.edges_left_out", { n: page.edges_left_out })}` : ""), el);
  const degree = new Map();
  for (const e of page.edges) for (const k of [e.from, e.to]) degree.set(k, (degree.get(k) || 0) + e.weight);
  const hosts = new Set(s ? s.groups.map((x) => x.host).filter((x) => x !== null) : []);
  const c = chart(el, {
    tooltip: { formatter: (p) => (p.dataType === "node" ? `${p.data.name}${p.data.tag ? ` (${p.data.tag})` : ""}` : num(p.data.value)) },
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true,
      force: { repulsion: 60, edgeLength: 40, gravity: 0.1 },
      categories: s ? s.groups.map((_, i) => ({ name: `${L.t("console.circle")} ${i + 1}` })) : [{ name: L.t("label.members") }],
      data: page.nodes.map((n) => ({
        id: String(n.id), name: n.name, value: degree.get(n.id) || 0,
        category: n.circle ?? 0,
        symbol: n.hub ? "diamond" : "circle",
        symbolSize: 6 + Math.min(24, Math.sqrt(degree.get(n.id) || 0) * 3),
        itemStyle: n.bridge || hosts.has(n.id) ? { borderColor: "#111", borderWidth: 2 } : undefined,
        tag: [n.hub ? L.t("console.hub") : "", n.bridge ? L.t("console.bridge") : "", hosts.has(n.id) ? L.t("console.host") : ""].filter(Boolean).join(", "),
      })),
      links: page.edges.map((e) => ({ source: String(e.from), target: String(e.to), value: e.weight, lineStyle: { width: Math.min(4, 0.5 + Math.log1p(e.weight)) } })),
      lineStyle: { opacity: 0.35, curveness: 0.1 },
      emphasis: { focus: "adjacency" },
    }],
  });
  c.on("dblclick", (p) => { if (p.dataType === "node") location.hash = `#/member/${p.data.id}`; });
}

async function memberPage(main, id) {
  const c = encodeURIComponent(state.community);
  const m = await api("GET", `/api/c/${c}/members/${encodeURIComponent(id)}`);
  const groupName = new Map(m.groups.map((g) => [g.external_id, g.name || g.external_id]));
  // Export times are RFC 3339 with the group's own offset: show that clock.
  const localTime = (at) => {
    const off = /([+-])(\d\d):(\d\d)$/.exec(at);
    const tzS = off ? (off[1] === "-" ? -1 : 1) * (Number(off[2]) * 3600 + Number(off[3]) * 60) : 0;
    return date(Date.parse(at), tzS, true);
  };
  main.append(
    h("h1", {}, m.member.display_name),
    h("p", { class: "muted" }, m.identities.map((i) => `${i.platform}:${i.external_id}`).join(" · ")),
    h("h2", {}, L.t("console.groups_of_member")),
    h("table", { class: "grid", id: "member-groups" },
      h("thead", {}, h("tr", {}, ["label.group_name", "label.role", "console.messages_28d", "console.messages_before", "console.answered_people", "console.ties"].map((k) => h("th", {}, L.t(k))))),
      h("tbody", {}, m.in_groups.map((g) => h("tr", {},
        h("td", {}, h("a", { href: `#/group/${g.group}` }, g.name)),
        h("td", {}, g.roles ? g.roles.roles.map((r) => word("role", r)).join(" · ") : "-"),
        h("td", { class: "num" }, g.roles ? num(g.roles.messages_window) : "-"),
        h("td", { class: "num" }, g.roles ? num(g.roles.messages_before) : "-"),
        h("td", { class: "num" }, g.roles ? num(g.roles.answered_people) : "-"),
        h("td", {}, g.ties.length ? g.ties.map((t, i) => [i ? "、" : "", h("a", { href: `#/member/${t.member}` }, t.name ?? String(t.member)), ` (${num(t.weight)})`]) : "-"),
      ))),
    ),
  );
  if (m.moves.length) main.append(h("h2", {}, L.t("console.nav_moves")), h("div", { class: "moves" }, m.moves.map((mv) => moveCard(mv, render))));
  main.append(
    h("h2", {}, L.f("console.latest_messages", { shown: m.messages.length, total: m.messages_total })),
    h("table", { class: "grid", id: "messages" }, h("tbody", {}, m.messages.slice().reverse().map((x) =>
      h("tr", {}, h("td", { class: "nowrap" }, localTime(x.at)), h("td", {}, groupName.get(x.group) || x.group), h("td", {}, x.text || "")))),
    ),
  );
  const notes = h("ul", { class: "notes", id: "notes" }, m.notes.map((n) => h("li", {}, h("span", { class: "muted" }, `${date(n.at_ms, 0, true)} · ${n.author}: `), n.text)));
  main.append(h("h2", {}, L.t("console.notes")), notes);
  if (canOperate()) {
    const text = h("textarea", { id: "note-text", rows: 2, maxlength: 4000, placeholder: L.t("console.note_placeholder") });
    const add = h("button", { type: "button", id: "note-add", onclick: async () => {
      if (!text.value.trim()) return;
      const n = await api("POST", `/api/c/${c}/members/${encodeURIComponent(id)}/notes`, { text: text.value });
      notes.append(h("li", {}, h("span", { class: "muted" }, `${date(n.at_ms, 0, true)} · ${n.author}: `), n.text));
      text.value = "";
    } }, L.t("console.note_add"));
    main.append(h("div", { class: "actions" }, text, add));
  }
  if (canOperate()) {
    const del = h("button", { type: "button", class: "danger", id: "member-delete", onclick: async () => {
      if (!confirm(L.f("console.confirm_delete_member", { name: m.member.display_name }))) return;
      await api("DELETE", `/api/c/${c}/members/${encodeURIComponent(id)}`);
      location.hash = "#/";
    } }, L.t("console.delete_member"));
    main.append(h("div", { class: "actions" }, h("a", { href: `/api/c/${c}/members/${encodeURIComponent(id)}/export`, download: `member-${id}.json` }, L.t("console.export_member")), " ", del));
  }
}

async function importPage(main) {
  main.append(h("h1", {}, L.t("console.nav_import")), h("p", { class: "muted" }, L.t("console.import_help")));
  if (!canOperate()) {
    main.append(h("p", {}, L.t("console.error_forbidden")));
    return;
  }
  const input = h("input", { type: "file", id: "upload", multiple: true });
  const results = h("div", { id: "import-results" });
  input.addEventListener("change", async () => {
    for (const file of input.files) {
      const bar = h("progress", { max: 1, value: 0 });
      const line = h("div", { class: "upload" }, h("strong", {}, file.name), " ", bar, " ", h("span", { class: "status" }, L.t("console.uploading")));
      results.append(line);
      try {
        const { job } = await api("POST", `/api/c/${encodeURIComponent(state.community)}/imports?name=${encodeURIComponent(file.name)}`, file, true);
        let s;
        do {
          await new Promise((r) => setTimeout(r, 300));
          s = await api("GET", `/api/c/${encodeURIComponent(state.community)}/imports/${job}`);
          bar.value = s.bytes ? s.bytes_done / s.bytes : 0;
          line.querySelector(".status").textContent = L.f("console.events_read", { n: num(s.events) });
        } while (s.state === "running");
        bar.value = 1;
        line.querySelector(".status").textContent = word("job", s.state);
        main.dispatchEvent(new Event("imported"));
        line.append(
          s.error ? h("p", { class: "error" }, s.error) : "",
          h("table", { class: "grid" },
            h("thead", {}, h("tr", {}, ["label.file", "label.format", "label.new_messages", "label.new_members", "label.duplicates", "label.error"].map((k) => h("th", {}, L.t(k))))),
            h("tbody", {}, s.reports.map((r) => h("tr", {}, h("td", {}, r.file), h("td", {}, r.format || "-"), h("td", { class: "num" }, num(r.messages)), h("td", { class: "num" }, num(r.members)), h("td", { class: "num" }, num(r.duplicates)), h("td", { class: "error" }, (r.why && r.why[L.lang]) || r.error || r.skipped || "")))),
          ),
        );
      } catch (e) {
        line.append(errorBox(e));
      }
    }
  });
  main.append(h("label", { class: "file" }, L.t("console.choose_files"), " ", input), results);
  const log = h("div", { id: "import-log" });
  main.append(h("h2", {}, L.t("console.import_log")), log);
  const c = encodeURIComponent(state.community);
  const showLog = async () => {
    const imports = await api("GET", `/api/c/${c}/imports`);
    const undo = (i) => h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm(L.f("console.confirm_undo_import", { id: i.id, file: i.source }))) return;
      await api("POST", `/api/c/${c}/imports/${i.id}/undo`);
      log.replaceChildren();
      await showLog();
    } }, L.t("console.undo_import"));
    log.append(h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, ["label.import_id", "label.imported_at", "label.file", "label.format", "label.new_messages", "label.duplicates", ""].map((k) => h("th", {}, k ? L.t(k) : "")))),
      h("tbody", {}, imports.slice().reverse().map((i) => h("tr", {}, h("td", { class: "num" }, String(i.id)), h("td", {}, date(i.at_ms, 0, true)), h("td", {}, i.source), h("td", {}, i.format), h("td", { class: "num" }, num(i.stats.messages)), h("td", { class: "num" }, num(i.stats.duplicates)), h("td", {}, undo(i))))),
    ));
  };
  main.addEventListener("imported", () => { log.replaceChildren(); showLog(); });
  await showLog();
}

// The operators' records: what is planned, the check-in challenges, orders.
async function opsPage(main) {
  const c = encodeURIComponent(state.community);
  const [acts, checkins, conversion, tasks, points, templates] = await Promise.all([
    api("GET", `/api/c/${c}/activities`),
    api("GET", `/api/c/${c}/checkins`),
    api("GET", `/api/c/${c}/conversion`),
    api("GET", `/api/c/${c}/tasks`),
    api("GET", `/api/c/${c}/points?lang=${L.lang}`),
    api("GET", `/api/c/${c}/templates`),
  ]);
  const [library, management] = await Promise.all([api("GET", `/api/c/${c}/resources`), api("GET", `/api/c/${c}/management`)]);
  // The community's own encouragement text, if it set one (tonghao template set).
  const encourage = templates.find((t) => t.key === "draft.checkin_encourage")?.[L.lang];
  const title = new Map(acts.activities.map((a) => [a.id, a]));
  main.append(
    h("h1", {}, L.t("console.nav_ops")),
    h("h2", {}, L.t("console.calendar"), " ", h("a", { href: `/api/c/${c}/calendar.ics?lang=${L.lang}`, download: "tonghao.ics" }, L.t("console.ics"))),
    acts.upcoming.length
      ? h("table", { class: "grid", id: "upcoming" }, h("tbody", {}, acts.upcoming.map((o) => {
          const a = title.get(o.activity) || {};
          return h("tr", {}, h("td", { class: "nowrap" }, o.local_start.replace("T", " ").slice(0, 16)), h("td", {}, word("activity", a.kind)), h("td", {}, a.title), h("td", {}, a.group));
        })))
      : h("p", { class: "muted", id: "upcoming" }, L.t("console.nothing_planned")),
  );
  if (canOperate()) main.append(activityForm(c));
  if (acts.activities.length) {
    const shown = h("div", { id: "outcome" });
    main.append(
      h("h3", {}, L.t("console.planned")),
      h("table", { class: "grid", id: "activities" }, h("tbody", {}, acts.activities.map((a) => h("tr", {},
        h("td", {}, word("activity", a.kind)), h("td", {}, a.title), h("td", {}, a.group),
        h("td", { class: "nowrap" }, (a.next || a.first).replace("T", " ").slice(0, 16)),
        h("td", {}, h("button", { type: "button", class: "outcome", onclick: () => showOutcome(c, a, shown) }, L.t("console.outcome"))),
      )))),
      shown,
    );
  }
  main.append(h("h2", {}, L.t("console.tasks")));
  main.append(tasks.length
    ? h("table", { class: "grid", id: "tasks" }, h("tbody", {}, tasks.map((t) => h("tr", {},
        h("td", { class: "nowrap" }, t.due_day || ""), h("td", {}, word("task", t.kind)), h("td", {}, t.title), h("td", {}, t.assignee || "-"),
        h("td", {}, canOperate() ? h("button", { type: "button", class: "task-done", onclick: async () => {
          await api("POST", `/api/c/${c}/tasks/${t.id}/done`);
          render();
        } }, L.t("console.move_done")) : ""),
      ))))
    : h("p", { class: "muted", id: "tasks" }, L.t("console.no_tasks")));
  if (points.leaderboard.length) {
    main.append(
      h("h2", {}, L.t("console.points")),
      h("table", { class: "grid", id: "points" }, h("tbody", {}, points.leaderboard.slice(0, 20).map((s) => h("tr", {},
        h("td", { class: "num" }, num(s.rank)), h("td", {}, h("a", { href: `#/member/${s.member_id}` }, s.name)), h("td", { class: "num" }, num(s.total)),
      )))),
    );
  }
  main.append(h("h2", {}, L.t("console.checkins"), " ", checkins.length ? exportLinks("checkins") : ""));
  if (!checkins.length) main.append(h("p", { class: "muted" }, L.t("console.no_checkins")));
  for (const g of checkins) {
    // Who missed yesterday after checking in during the week before it is
    // slipping and worth a personal word; who stopped long ago is counted.
    const missed = g.members.filter((m) => m.missed_yesterday);
    const slipping = g.members.filter((m) => m.slipping);
    main.append(
      h("h3", {}, g.group, " ", h("span", { class: "muted" }, L.f("console.checkin_summary", { start: g.start, today: g.today, bare: pct(g.bare_share) }))),
      slipping.length ? h("p", { class: "slipping" }, h("strong", {}, L.t("console.missed_yesterday")), " ", slipping.map((m) => m.name).join("、")) : "",
      slipping.length ? h("details", {}, h("summary", {}, L.t("console.encouragements")), slipping.map((m) => {
        const args = { name: m.name, days: m.days + m.makeup, longest: m.longest_streak };
        const text = encourage ? L.fill(encourage, args) : L.f("draft.checkin_encourage", args);
        return h("blockquote", { class: "draft" }, text, " ", h("button", { type: "button", class: "copy", onclick: () => navigator.clipboard && navigator.clipboard.writeText(text) }, L.t("console.copy")));
      })) : "",
      missed.length > slipping.length ? h("p", { class: "muted" }, L.f("console.stopped_checking_in", { n: missed.length - slipping.length })) : "",
      h("table", { class: "grid checkins" },
        h("thead", {}, h("tr", {}, ["label.member", "console.checkin_days", "console.checkin_makeup", "console.checkin_leave", "console.checkin_misses", "console.checkin_completion", "console.streak_now", "console.streak_longest"].map((k) => h("th", {}, L.t(k))))),
        h("tbody", {}, g.members.map((m) => h("tr", {},
          h("td", {}, h("a", { href: `#/member/${m.member_id}` }, m.name), slipping.includes(m) ? " ⚠" : ""),
          [m.days, m.makeup, m.leave, m.misses].map((x) => h("td", { class: "num" }, num(x))),
          h("td", { class: "num" }, pct(m.completion)),
          h("td", { class: "num" }, num(m.current_streak)),
          h("td", { class: "num" }, num(m.longest_streak)),
        )))),
    );
  }
  resourcesAndMode(main, library, management);
  const yuan = (fen) => new Intl.NumberFormat(L.locale(), { style: "currency", currency: "CNY" }).format(fen / 100);
  main.append(h("h2", {}, L.t("console.conversion"), " ", conversion.orders ? exportLinks("conversion") : ""));
  if (!conversion.orders) {
    main.append(h("p", { class: "muted" }, L.t("console.no_orders")));
    return;
  }
  main.append(
    h("p", { class: "muted" }, L.f("console.conversion_summary", { orders: num(conversion.orders), revenue: yuan(conversion.revenue_fen), buyers: num(conversion.buyers), repeat: num(conversion.repeat_buyers), unlinked: num(conversion.unlinked_orders) })),
    h("table", { class: "grid", id: "conversion" },
      h("thead", {}, h("tr", {}, ["label.group_name", "console.buyers", "console.orders", "console.revenue", "console.repeat_buyers", "console.median_days_to_first_order", "console.first_order_within_90d"].map((k) => h("th", {}, L.t(k))))),
      h("tbody", {}, conversion.groups.map((g) => h("tr", {},
        h("td", {}, g.group),
        h("td", { class: "num" }, num(g.buyers)), h("td", { class: "num" }, num(g.orders)), h("td", { class: "num" }, yuan(g.revenue_fen)),
        h("td", { class: "num" }, num(g.repeat_buyers)), h("td", { class: "num" }, num(g.median_days_to_first_order, 1)), h("td", { class: "num" }, pct(g.share_within_90_days)),
      ))),
    ),
  );
}

// The resource library against the planned activities, and the management
// mode with the groups' hierarchy and its checks (read only: the CLI and the
// API change them).
function resourcesAndMode(main, library, management) {
  main.append(h("h2", {}, L.t("console.resources")));
  if (!library.resources.length && !library.matches.length) {
    main.append(h("p", { class: "muted" }, L.t("console.no_resources")));
  } else {
    main.append(h("ul", { id: "resource-matches" }, library.matches.map((m) => h("li", {},
      h("strong", {}, m.title), ` (${m.group}) · `, m.needs ? L.t(`resource.kind_${m.needs}`) : L.t("resource.nothing"),
      " · ", L.t(`resource.coverage_${m.coverage}`), m.fits.length ? ` · ${m.fits.map((f) => f.name).join("、")}` : ""))));
  }
  main.append(h("h2", {}, L.t("console.management")),
    h("p", { id: "management" }, management.mode ? L.f("mode.shown", { mode: L.t(`mode.${management.mode}`) }) : L.t("mode.unset")));
  const tree = (nodes) => h("ul", {}, nodes.map((n) => h("li", {}, n.group, n.owner ? ` (${L.f("mode.owner", { owner: n.owner })})` : "", n.children.length ? tree(n.children) : "")));
  if (management.groups.length) main.append(tree(management.tree));
  for (const c of management.checks) {
    const key = c.kind === "owner_silent" && c.days_since_owner_posted == null ? "mode.check_owner_never" : `mode.check_${c.kind}`;
    const line = L.f(key, { group: c.group ?? "", owner: c.owner ?? "", days: c.days_since_owner_posted ?? 0 });
    main.append(h("p", { class: c.ok ? "muted" : "slipping" }, `[${L.t(c.ok ? "canvas.ok" : "canvas.not_ok")}] ${line}`));
  }
}

// How a held occurrence went, against the same hours of the days before.
async function showOutcome(c, a, into) {
  into.replaceChildren();
  try {
    const o = await api("GET", `/api/c/${c}/activities/${a.id}/outcome`);
    const row = (key, f, b) => h("tr", {}, h("th", {}, L.t(key)),
      [f.messages, f.speakers, f.newcomers].map((x) => h("td", { class: "num" }, num(x))), h("td", { class: "num" }, pct(f.answered_share)),
      [b.messages, b.speakers, b.newcomers].map((x) => h("td", { class: "num" }, num(x, 1))), h("td", { class: "num" }, pct(b.answered_share)));
    into.append(
      h("h3", {}, L.f("console.outcome_of", { title: a.title, time: o.local_start.replace("T", " ").slice(0, 16) })),
      o.measured ? "" : h("p", { class: "muted" }, L.t("console.outcome_not_measured")),
      h("table", { class: "grid", id: "outcome-table" },
        h("thead", {}, h("tr", {}, h("th", {}, ""), ["label.messages", "console.speakers", "console.newcomers_spoke", "console.answered"].map((k) => h("th", {}, L.t(k))),
          ["label.messages", "console.speakers", "console.newcomers_spoke", "console.answered"].map((k) => h("th", { class: "muted" }, `${L.t(k)} ${L.t("console.baseline")}`)))),
        h("tbody", {}, row("console.during", o.during, o.baseline_during), row("console.after", o.after, o.baseline_after)),
      ),
      o.reward.length ? h("p", {}, h("strong", {}, L.t("console.reward")), " ", o.reward.map((s) => s.name).join("、")) : "",
    );
  } catch (e) {
    into.append(errorBox(e));
  }
}

function activityForm(c) {
  const field = (key, input) => h("label", {}, L.t(key), input);
  const group = h("input", { id: "act-group", required: true });
  const kind = h("select", { id: "act-kind" }, Object.keys(KEYS.activity).map((k) => h("option", { value: k }, word("activity", k))));
  const title = h("input", { id: "act-title", required: true });
  const start = h("input", { id: "act-start", type: "datetime-local", required: true });
  const rrule = h("input", { id: "act-rrule", placeholder: "FREQ=WEEKLY;BYDAY=WE;COUNT=8" });
  const duration = h("input", { id: "act-duration", value: "30m", size: 6 });
  const tz = h("input", { id: "act-tz", value: "Asia/Shanghai" });
  const host = h("input", { id: "act-host" });
  const msg = h("span", { class: "error", role: "alert" });
  const form = h("form", { class: "activity-form", id: "activity-form" },
    field("label.group_name", group), field("console.activity_kind", kind), field("console.activity_title", title),
    field("console.activity_start", start), field("console.activity_rrule", rrule), field("console.activity_duration", duration),
    field("console.activity_tz", tz), field("console.activity_host", host), h("button", { type: "submit", id: "act-submit" }, L.t("console.activity_add")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/api/c/${c}/activities`, { group: group.value, kind: kind.value, title: title.value, start: start.value.replace("T", " "), rrule: rrule.value, duration: duration.value, tz: tz.value, host: host.value });
      render();
    } catch (e) {
      msg.textContent = e.message;
    }
  });
  return h("details", { id: "plan" }, h("summary", {}, L.t("console.activity_plan")), form);
}

// ---- routing -------------------------------------------------------------

async function render() {
  clearCharts();
  frame();
  const main = document.getElementById("main");
  main.replaceChildren();
  if (!state.me) return loginPage(main);
  if (!state.community) return main.append(h("p", {}, L.t("console.no_community")));
  const [, page, id] = (location.hash || "#/").split("/");
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("here", a.dataset.nav === (page || "overview"));
  try {
    if (page === "group") await groupPage(main, id);
    else if (page === "member") await memberPage(main, id);
    else if (page === "moves") await movesPage(main);
    else if (page === "ops") await opsPage(main);
    else if (page === "import") await importPage(main);
    else await overviewPage(main);
  } catch (e) {
    if (e.status !== 401) main.append(errorBox(e));
  }
}

async function boot() {
  await loadWords();
  document.getElementById("lang").addEventListener("click", async () => {
    L.lang = L.lang === "zh" ? "en" : "zh";
    localStorage.setItem("tonghao.lang", L.lang);
    await loadWords();
    render();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/api/logout").catch(() => {});
    state.me = null;
    render();
  });
  document.getElementById("community").addEventListener("change", (ev) => {
    state.community = ev.target.value;
    localStorage.setItem("tonghao.community", state.community);
    location.hash = "#/";
    render();
  });
  window.addEventListener("hashchange", render);
  window.addEventListener("resize", () => state.charts.forEach((c) => c.resize()));
  try {
    const me = await api("GET", "/api/me");
    state.me = me.user;
    state.csrf = me.csrf;
    await start();
  } catch {
    render();
  }
}

document.addEventListener("DOMContentLoaded", boot);
