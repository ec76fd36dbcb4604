// The worker's status page. Polls /status.json every POLL_MS and renders it; rates come from the difference
// between successive polls, kept for WINDOW_MS in memory (nothing is stored or sent anywhere). Plain DOM, no
// libraries: every value goes in through textContent, never as HTML.
'use strict';

const POLL_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000;
const samples = []; // {t, results, tokens, admitted, regions: {name: tokens}, errors: {key: count}}
let polls = 0;

const fmt = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
const fmt1 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});

function $(id) { return document.getElementById(id); }

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function errorKey(e) { return e.source + '|' + e.code + '|' + (e.region || ''); }

/** The sample at least `ms` older than the newest one, or the oldest kept. */
function base(ms) {
  const last = samples[samples.length - 1];
  for (let i = samples.length - 2; i >= 0; i--) {
    if (last.t - samples[i].t >= ms) return samples[i];
  }
  return samples.length > 1 ? samples[0] : null;
}

/** Per-second rate of `pick` between the two newest samples. */
function rate(pick) {
  if (samples.length < 2) return null;
  const a = samples[samples.length - 2], b = samples[samples.length - 1];
  const dt = (b.t - a.t) / 1000;
  return dt > 0 ? Math.max(0, (pick(b) - pick(a)) / dt) : null;
}

function remember(s) {
  const regions = {};
  Object.entries(s.totals.regions || {}).forEach(([name, r]) => {
    regions[name] = (r.prompt_tokens || 0) + (r.completion_tokens || 0);
  });
  const errors = {};
  (s.errors || []).forEach(e => { errors[errorKey(e)] = e.count; });
  samples.push({t: s.time_ms, results: s.totals.results,
    tokens: s.totals.prompt_tokens + s.totals.completion_tokens, admitted: s.totals.admitted_tokens,
    regions: regions, errors: errors});
  while (samples.length > 2 && samples[samples.length - 1].t - samples[0].t > WINDOW_MS) samples.shift();
}

function badge(el, text, kind) {
  el.textContent = text;
  el.className = 'badge ' + kind;
}

function renderRegions(s) {
  const body = $('regions').tBodies[0];
  body.replaceChildren();
  const perMin = {};
  Object.keys(s.totals.regions || {}).forEach(name => {
    const r = rate(x => x.regions[name] || 0);
    perMin[name] = r === null ? null : r * 60;
  });
  (s.regions || []).forEach(r => {
    const tr = document.createElement('tr');
    tr.dataset.region = r.region;
    tr.dataset.deployment = r.deployment;
    tr.dataset.pool = r.pool;
    cell(tr, r.pool, 'pool');
    cell(tr, r.region, 'region');
    cell(tr, r.deployment, 'deployment');
    cell(tr, String(r.priority), 'priority');
    cell(tr, r.state, 'state state-' + r.state);
    const room = cell(tr, '', 'room');
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    const pct = Math.max(0, Math.min(1, r.room)) * 100;
    fill.style.width = pct.toFixed(0) + '%';
    bar.appendChild(fill);
    room.appendChild(bar);
    room.appendChild(document.createTextNode(' ' + pct.toFixed(0) + '%'));
    room.dataset.value = String(r.room);
    cell(tr, fmt.format(r.tpm), 'num tpm');
    cell(tr, fmt.format(r.rpm), 'num rpm');
    const now = perMin[r.region];
    cell(tr, now === null || now === undefined ? '-' : fmt.format(now), 'num tokens-now');
    cell(tr, r.cooling_ms > 0 ? fmt1.format(r.cooling_ms / 1000) + ' s' : '-', 'num cooling');
    cell(tr, r.breaker + (r.breaker_open_ms > 0 ? ' (' + fmt1.format(r.breaker_open_ms / 1000) + ' s)' : ''),
      'breaker breaker-' + r.breaker);
    cell(tr, r.misconfigured_code || '-', 'misconfigured');
    body.appendChild(tr);
  });
}

function spark(svg, values) {
  svg.replaceChildren();
  if (values.length < 2) return;
  const max = Math.max(...values, 1e-9);
  const pts = values.map((v, i) => (i * 300 / (values.length - 1)).toFixed(1) + ',' + (48 - v / max * 46).toFixed(1));
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.appendChild(line);
}

function renderThroughput(s) {
  const rr = rate(x => x.results), tr = rate(x => x.tokens), ar = rate(x => x.admitted);
  $('results-rate').textContent = rr === null ? '-' : fmt1.format(rr);
  $('tokens-rate').textContent = tr === null ? '-' : fmt.format(tr * 60);
  $('admitted-rate').textContent = ar === null ? '-' : fmt.format(ar * 60);
  $('results-total').textContent = fmt.format(s.totals.results);
  $('tokens-total').textContent = fmt.format(s.totals.prompt_tokens + s.totals.completion_tokens);
  $('in-flight').textContent = fmt.format(s.in_flight);
  const span = samples.length > 1 ? (samples[samples.length - 1].t - samples[0].t) / 1000 : 0;
  $('window').textContent = 'over the last ' + duration(span);
  const results = [], tokens = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000 || 1;
    results.push(Math.max(0, (samples[i].results - samples[i - 1].results) / dt));
    tokens.push(Math.max(0, (samples[i].tokens - samples[i - 1].tokens) / dt * 60));
  }
  spark($('spark-results'), results);
  spark($('spark-tokens'), tokens);
}

function renderLag(lag) {
  $('lag-group').textContent = 'group ' + lag.group + ' on ' + lag.topic
    + (lag.error ? ' (last read failed: ' + lag.error + ')' : '');
  $('lag-records').textContent = fmt.format(lag.lag_records);
  $('lag-tokens').textContent = lag.tokens_per_job === null ? fmt.format(lag.lag_tokens) + ' (no answer yet)'
    : fmt.format(lag.lag_tokens) + ' (' + fmt1.format(lag.tokens_per_job) + ' per job)';
  $('lag-rate').textContent = lag.records_per_second === null ? 'unknown'
    : fmt1.format(lag.records_per_second) + ' records/s';
  $('lag-eta').textContent = duration(lag.eta_seconds);
  const body = $('partitions').tBodies[0];
  body.replaceChildren();
  lag.partitions.forEach(p => {
    const tr = document.createElement('tr');
    tr.dataset.partition = String(p.partition);
    cell(tr, String(p.partition), 'num partition');
    cell(tr, fmt.format(p.committed), 'num committed');
    cell(tr, fmt.format(p.end), 'num end');
    cell(tr, fmt.format(p.lag_records), 'num lag');
    cell(tr, fmt.format(p.lag_tokens), 'num lag-tokens');
    body.appendChild(tr);
  });
}

function renderErrors(s) {
  const body = $('errors').tBodies[0];
  body.replaceChildren();
  const then = samples.length > 1 ? base(WINDOW_MS) : null;
  const list = (s.errors || []).slice().sort((a, b) => b.count - a.count);
  list.forEach(e => {
    const tr = document.createElement('tr');
    tr.dataset.source = e.source;
    tr.dataset.code = e.code;
    cell(tr, e.source, 'source');
    cell(tr, e.code, 'code');
    cell(tr, e.region || '-', 'region');
    cell(tr, fmt.format(e.count), 'num count');
    const before = then ? (then.errors[errorKey(e)] || 0) : null;
    cell(tr, before === null ? '-' : fmt.format(e.count - before), 'num recent');
    body.appendChild(tr);
  });
  $('no-errors').hidden = list.length > 0;
}

function render(s) {
  remember(s);
  const st = s.status;
  badge($('state'), st, st === 'up' ? 'ok' : st === 'degraded' || st === 'starting' ? 'warn' : 'bad');
  badge($('ready'), s.ready ? 'ready' : 'not ready', s.ready ? 'ok' : 'warn');
  renderRegions(s);
  renderThroughput(s);
  renderLag(s.lag);
  renderErrors(s);
  polls++;
  const u = $('updated');
  u.dataset.polls = String(polls);
  u.textContent = 'updated ' + new Date(s.time_ms).toLocaleTimeString() + (s.paused ? ' · intake paused' : '');
  $('fetch-error').hidden = true;
}

async function poll() {
  try {
    const r = await fetch('status.json', {cache: 'no-store'});
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
  } catch (e) {
    const el = $('fetch-error');
    el.textContent = 'cannot read status.json: ' + e.message;
    el.hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
