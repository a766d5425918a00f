// gale web UI: a single page over the REST API (/api/v1, docs/rest-api.md), refreshed every 2 s.
// Every string from the cluster (topology and component names, error messages, stack traces) is
// written with textContent, never parsed as HTML: topologies choose those strings.

const REFRESH_MS = 2000;
const SECRET_KEY = 'gale.secret';
const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const updated = document.getElementById('updated');
const secretInput = document.getElementById('secret');
const secretState = document.getElementById('secret-state');

/** The last action's outcome, shown until the next one: { ok, text }. */
let notice = null;
let timer = 0;

/** `el('td', { class: 'num' }, 'text', child)`: children that are strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
function count(n) {
  if (typeof n !== 'number') return '-';
  if (Math.abs(n) >= 1e6) return `${fmt.format(n / 1e6)}M`;
  if (Math.abs(n) >= 1e4) return `${fmt.format(n / 1e3)}k`;
  return fmt.format(n);
}
function ms(n) {
  return typeof n === 'number' ? (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) : '-';
}
function duration(msValue) {
  if (typeof msValue !== 'number') return '-';
  const s = Math.floor(msValue / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
const num = (v) => el('td', { class: 'num' }, v);

async function api(path) {
  const res = await fetch(`/api/v1${path}`, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body;
}

async function act(name, verb, body = {}) {
  const secret = sessionStorage.getItem(SECRET_KEY) ?? '';
  const headers = { 'content-type': 'application/json' };
  if (secret !== '') headers.authorization = `Bearer ${secret}`;
  const res = await fetch(`/api/v1/topologies/${encodeURIComponent(name)}/${verb}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (res.ok) {
    notice = { ok: true, text: `${verb}: ${answer.status ?? (answer.changes ?? []).join(', ') ?? 'done'}` };
  } else {
    const why = answer.error ? answer.error.message : `HTTP ${res.status}`;
    notice = { ok: false, text: res.status === 401 ? `${verb} refused: ${why} (enter the cluster secret above)` : `${verb} failed: ${why}` };
  }
  await refresh();
}

function route() {
  const m = /^#\/topology\/(.+)$/.exec(location.hash);
  return m ? { page: 'topology', name: decodeURIComponent(m[1]) } : { page: 'cluster' };
}

function statusCell(status, stalled) {
  return el('td', { class: `status-${status}` }, status, stalled ? el('span', { class: 'stalled' }, ' stalled') : null);
}

async function clusterPage() {
  const [cluster, list] = await Promise.all([api('/cluster'), api('/topologies')]);
  showMode(cluster.mode);
  crumbs.replaceChildren();
  const supervisors = el('table', {},
    el('tr', {}, el('th', {}, 'supervisor'), el('th', {}, 'host'), el('th', {}, 'leader'), el('th', { class: 'num' }, 'slots used'), el('th', { class: 'num' }, 'uptime'), el('th', {}, 'version')),
    cluster.supervisors.map((s) => el('tr', {},
      el('td', {}, s.id), el('td', {}, s.host), el('td', {}, s.leader ? 'yes' : ''),
      num(`${s.slots.filter((x) => x.topology !== null).length} / ${s.slots.length}`), num(duration(s.uptimeMs)), el('td', {}, s.version))));
  const topologies = list.topologies.length === 0
    ? el('p', { class: 'muted' }, cluster.mode === 'local' ? 'No topology is running (it was killed or finished).' : 'No topologies. Deploy one with: gale deploy <file>')
    : el('table', { id: 'topologies' },
      el('tr', {}, el('th', {}, 'topology'), el('th', {}, 'status'), el('th', { class: 'num' }, 'workers'), el('th', { class: 'num' }, 'executors'), el('th', { class: 'num' }, 'uptime')),
      list.topologies.map((t) => el('tr', {},
        el('td', {}, el('a', { href: `#/topology/${encodeURIComponent(t.name)}` }, t.name)), statusCell(t.status, t.stalled),
        num(`${t.workersRunning} / ${t.workers}`), num(t.executors), num(duration(t.uptimeMs)))));
  main.replaceChildren(
    el('div', { class: 'summary' },
      cluster.mode === 'local'
        ? el('div', { id: 'mode' }, el('b', {}, 'local'), 'gale local: one process')
        : el('div', {}, el('b', {}, cluster.leader ?? 'none'), 'leader'),
      el('div', {}, el('b', {}, cluster.supervisors.length), 'supervisors'),
      el('div', {}, el('b', {}, `${cluster.slots.used} / ${cluster.slots.total}`), 'slots used'),
      el('div', {}, el('b', {}, cluster.topologies), 'topologies')),
    el('h2', {}, 'Topologies'), topologies,
    el('h2', {}, 'Supervisors'), supervisors);
}

/** Columns by longest path from a spout; edges labelled with grouping and the source's emit rate. */
function graph(t) {
  const nodes = t.components.filter((c) => c.kind === 'spout' || c.kind === 'bolt');
  const byId = new Map(nodes.map((c) => [c.component, c]));
  const depth = new Map(nodes.filter((c) => c.kind === 'spout').map((c) => [c.component, 0]));
  for (let pass = 0; pass < nodes.length; pass++) {
    for (const e of t.edges) {
      const d = depth.get(e.from);
      if (d !== undefined && byId.has(e.to) && (depth.get(e.to) ?? -1) < d + 1) depth.set(e.to, d + 1);
    }
  }
  const columns = [];
  for (const c of nodes) {
    const d = depth.get(c.component) ?? 0;
    (columns[d] ??= []).push(c);
  }
  const W = 170;
  const H = 44;
  const pos = new Map();
  columns.forEach((col, x) => col.forEach((c, y) => pos.set(c.component, { x: 20 + x * (W + 110), y: 20 + y * (H + 50) })));
  const width = 40 + columns.length * (W + 110) - 110;
  const height = 40 + Math.max(1, ...columns.map((c) => c.length)) * (H + 50) - 50;
  const g = svg('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'component graph' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8b949e' }));
  defs.append(marker);
  g.append(defs);
  for (const e of t.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    g.append(svg('line', { x1, y1, x2, y2 }));
    const rate = byId.get(e.from)?.rates?.['10s']?.emitted;
    const grouping = e.fields ? `${e.grouping}(${e.fields.join(',')})` : e.grouping;
    const stream = e.stream === 'default' ? '' : ` [${e.stream}]`;
    g.append(svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5, 'text-anchor': 'middle', class: 'edge' }, `${grouping}${stream} · ${count(rate)}/s`));
  }
  for (const c of nodes) {
    const p = pos.get(c.component);
    g.append(svg('rect', { x: p.x, y: p.y, width: W, height: H, class: c.kind }));
    g.append(svg('text', { x: p.x + 10, y: p.y + 18 }, `${c.component} ×${c.executors}`));
    g.append(svg('text', { x: p.x + 10, y: p.y + 35, class: 'edge' }, `${c.kind} · ${count(c.kind === 'spout' ? c.rates?.['10s']?.emitted : c.rates?.['10s']?.executed)}/s`));
  }
  return g;
}

function componentsTable(t) {
  const head = ['component', 'kind', 'executors', 'emitted', 'emit/s (10s)', 'exec/s (10s)', 'acked', 'failed', 'capacity', 'execute p50/p99 ms', 'complete p50/p99 ms', 'pending', 'errors'];
  return el('table', { id: 'components' },
    el('tr', {}, head.map((h, i) => el('th', { class: i >= 2 ? 'num' : undefined }, h))),
    t.components.map((c) => {
      const r = c.rates?.['10s'] ?? {};
      return el('tr', { 'data-component': c.component },
        el('td', {}, c.component), el('td', {}, c.kind), num(c.executors), num(count(c.emitted)),
        el('td', { class: 'num rate-emitted' }, count(r.emitted)), el('td', { class: 'num rate-executed' }, count(r.executed)),
        num(count(c.acked)), num(count(c.failed)), num(typeof r.capacity === 'number' ? r.capacity.toFixed(3) : '-'),
        num(`${ms(c.executeLatencyMs?.p50)} / ${ms(c.executeLatencyMs?.p99)}`),
        num(`${ms(c.completeLatencyMs?.p50)} / ${ms(c.completeLatencyMs?.p99)}`),
        num(count(c.pending)), num(count(c.errors)));
    }));
}

function executorsTable(t) {
  const rows = t.components.flatMap((c) => (c.executorStats ?? []).map((x) => el('tr', {},
    el('td', {}, x.executor), el('td', {}, x.worker), el('td', {}, (x.tasks ?? []).join(', ')),
    num(count(x.emitted)), num(count(x.rates?.['10s']?.executed)), num(typeof x.rates?.['10s']?.capacity === 'number' ? x.rates['10s'].capacity.toFixed(3) : '-'),
    num(`${ms(x.executeLatencyMs?.p50)} / ${ms(x.executeLatencyMs?.p99)}`), num(count(x.queueDepth)))));
  return el('details', {}, el('summary', {}, `Executors (${rows.length})`),
    el('table', {}, el('tr', {}, ['executor', 'worker', 'tasks', 'emitted', 'exec/s (10s)', 'capacity', 'execute p50/p99 ms', 'queue'].map((h, i) => el('th', { class: i >= 3 ? 'num' : undefined }, h))), rows));
}

function errorsList(t) {
  const entries = Object.entries(t.errors ?? {}).flatMap(([component, errs]) => errs.map((e) => ({ component, ...e })));
  if (entries.length === 0) return el('p', { class: 'muted' }, 'none');
  return el('div', { id: 'errors' }, entries.slice(-30).reverse().map((e) => el('div', { class: 'error' },
    el('div', {}, el('b', {}, e.component), ` task ${e.taskId ?? '-'} on ${e.host ?? '?'}${e.port === undefined ? '' : `:${e.port}`} at ${new Date(e.timeMs).toLocaleTimeString()}: `, el('span', { class: 'message' }, e.message)),
    e.stack ? el('pre', { class: 'stack' }, e.stack) : null)));
}

/**
 * The action buttons of the topology shown, kept across refreshes: the page is rebuilt every
 * REFRESH_MS, and a button replaced between its mousedown and mouseup never gets the click.
 */
let buttons = null;
function actionButtons(t) {
  const key = `${t.name}\u0000${t.mode}`;
  if (buttons !== null && buttons.key === key) {
    buttons.t = t;
    return buttons.nodes;
  }
  const b = { key, t, nodes: [] };
  b.nodes.push(
    el('button', { id: 'activate', onclick: () => act(b.t.name, 'activate') }, 'Activate'),
    el('button', { id: 'deactivate', onclick: () => act(b.t.name, 'deactivate') }, 'Deactivate'));
  if (t.mode === 'local') {
    b.nodes.push(el('button', { id: 'rebalance', disabled: true, title: LOCAL_REBALANCE }, 'Rebalance…'), el('span', { id: 'rebalance-note', class: 'muted' }, LOCAL_REBALANCE));
  } else {
    b.nodes.push(el('button', {
      id: 'rebalance',
      onclick: () => {
        const workers = prompt(`Workers for "${b.t.name}"`, String(b.t.workers.wanted));
        if (workers !== null && workers.trim() !== '') void act(b.t.name, 'rebalance', { workers: Number(workers) });
      },
    }, 'Rebalance…'));
  }
  b.nodes.push(el('button', { id: 'kill', class: 'danger', onclick: () => confirm(`Kill "${b.t.name}"?`) && act(b.t.name, 'kill') }, 'Kill'));
  buttons = b;
  return b.nodes;
}

async function topologyPage(name) {
  const t = await api(`/topologies/${encodeURIComponent(name)}`);
  showMode(t.mode);
  crumbs.replaceChildren(el('a', { href: '#/' }, t.mode === 'local' ? 'local' : 'cluster'), ' / ', el('span', {}, t.name));
  const actions = el('div', { class: 'actions' },
    ...actionButtons(t),
    notice ? el('span', { id: 'notice', class: notice.ok ? 'notice-ok' : 'notice-error' }, notice.text) : null);
  main.replaceChildren(
    el('h2', {}, t.name, ' ', el('span', { id: 'status', class: `status-${t.status}` }, t.status),
      t.stalled ? el('span', { id: 'stalled', class: 'stalled' }, ' stalled') : null),
    // Always present (empty when healthy): replaceChildren would print a null child as text.
    el('p', { id: 'stall', class: t.stalled ? 'notice-error' : undefined }, t.stalled
      ? `${t.stall.pending} trees pending and no tree completed for ${duration(t.stall.sinceCompletionMs ?? 0)} (message timeout ${t.config?.messageTimeoutMs} ms)` : null),
    el('div', { class: 'summary' },
      el('div', {}, el('b', {}, `${t.workers.running} / ${t.workers.wanted}`), 'workers running'),
      el('div', {}, el('b', {}, duration(t.uptimeMs)), 'uptime'),
      el('div', {}, el('b', {}, t.config?.messageTimeoutMs ?? '-'), 'message timeout ms'),
      el('div', {}, el('b', {}, t.source ?? '-'), 'source')),
    actions,
    el('h2', {}, 'Graph'), graph(t),
    el('h2', {}, 'Components'), componentsTable(t), executorsTable(t),
    el('h2', {}, 'Errors'), errorsList(t));
}

async function refresh() {
  clearTimeout(timer);
  const r = route();
  try {
    if (r.page === 'topology') await topologyPage(r.name);
    else await clusterPage();
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    main.replaceChildren(el('p', { class: 'notice-error' }, `cannot load: ${err.message}`), el('p', {}, el('a', { href: '#/' }, 'back to the cluster')));
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

const LOCAL_REBALANCE = 'rebalance is not supported by gale local: parallelism is fixed when it starts; change the topology and restart';

/** gale local has no cluster secret: its actions are open (it listens on 127.0.0.1 only), so the secret box goes. */
function showMode(mode) {
  document.getElementById('secret-form').hidden = mode === 'local';
}

function showSecretState() {
  secretState.textContent = (sessionStorage.getItem(SECRET_KEY) ?? '') === '' ? 'read-only' : 'actions enabled';
}
secretInput.addEventListener('change', () => {
  sessionStorage.setItem(SECRET_KEY, secretInput.value);
  showSecretState();
});
document.getElementById('secret-form').addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('hashchange', () => {
  notice = null;
  void refresh();
});
showSecretState();
void refresh();
