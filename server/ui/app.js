// The dialoutmock dashboard (docs/contract.md#dashboard): plain JavaScript,
// no framework, no build step, and no request to any other origin. It reads
// the control API (docs/contract.md#control-api) and calls the Graph
// function as a client does.
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const KEY = 'dialoutmock.adminKey'; // sessionStorage: this tab only
  const FN = '/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport';
  const TICK_MS = 1000; // the journal refreshes at least every 2 s
  const JOURNAL_ROWS = 200;
  const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#0a7f8f',
    '#bf3989', '#6e7781', '#953800', '#116329', '#4d2d8f', '#9a6700'];

  const LIST_MS = 5000; // the tenant picker's list refreshes this often
  // GRAPH_APP is Microsoft Graph's application id: a token asked for its
  // /.default scope is a Graph token, as one asked for by Graph's URI.
  const GRAPH_APP = '00000003-0000-0000-c000-000000000000';
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  const state = { drawn: null, version: null, needKey: false, busy: false, again: false, journalText: null, faultsText: null, next: '', page: 0,
    // With many tenants: the tenant shown, the default one, the picker's
    // list as last read, and tokens from the token endpoint per tenant.
    multi: false, tenant: '', def: '', tenants: [], tenantsText: null, listedAt: 0, tokens: new Map() };

  // at names a control path of the tenant shown: /_mock/tenants/{tid}/...
  // with many tenants, /_mock/... with one (docs/contract.md#many-tenants).
  const at = (p) => (state.tenant ? `/_mock/tenants/${state.tenant}` : '/_mock') + p;
  // forTenant adds ?tenant= to a journal or fault path with many tenants.
  const forTenant = (p, q) => {
    q = q || new URLSearchParams();
    if (state.tenant) q.set('tenant', state.tenant);
    const s = String(q);
    return s ? `${p}?${s}` : p;
  };

  // el builds an element; text always goes in as text, never as markup, since
  // journal paths and dataset names come from whoever sent them.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...kids.filter((k) => k !== undefined && k !== null));
    return e;
  }
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    e.append(...kids);
    return e;
  }

  // Money arrives as JSON numbers with two decimal places (at most two, as
  // the ledger keeps them); the page works in whole hundredths, so that its
  // sums are exact, and writes them back with two places.
  const cents = (n) => Math.round(Number(n) * 100);
  function money(c, grouped) {
    const neg = c < 0;
    const a = Math.abs(c);
    const units = Math.floor(a / 100);
    const frac = String(a % 100).padStart(2, '0');
    return (neg ? '-' : '') + (grouped ? units.toLocaleString('en-US') : String(units)) + '.' + frac;
  }
  const count = (n) => Number(n).toLocaleString('en-US');

  // KeyNeeded stops a control API call that the admin key must unlock.
  class KeyNeeded extends Error {}

  // ApiError is an answer in Graph's error envelope.
  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(`${status} ${e.code || ''}: ${e.message || 'no message'}`);
      this.details = e.details || [];
    }
  }

  // control calls the control API with the admin key, when the tab has one.
  async function control(path, opts) {
    const o = Object.assign({ cache: 'no-store' }, opts);
    const headers = new Headers(o.headers || {});
    const key = sessionStorage.getItem(KEY);
    if (key) headers.set('X-Admin-Key', key);
    o.headers = headers;
    const r = await fetch(path, o);
    if (r.status === 401) {
      askKey(key ? 'That key was refused; enter the mock\'s admin key.' : '');
      throw new KeyNeeded();
    }
    return r;
  }

  // body reads a JSON answer, and throws an ApiError for a failure.
  async function body(r) {
    const text = await r.text();
    let v = null;
    try { v = text ? JSON.parse(text) : null; } catch (e) { v = null; }
    if (!r.ok) throw new ApiError(r.status, v);
    return v;
  }

  function say(target, text, cls) {
    const e = $(target);
    e.textContent = text;
    e.className = cls || '';
  }

  // guard runs an event handler, reporting its failure in the panel's status
  // line instead of leaving an unhandled rejection.
  function guard(status, fn) {
    return async (ev) => {
      if (ev) ev.preventDefault();
      try {
        await fn(ev);
      } catch (e) {
        if (!(e instanceof KeyNeeded)) say(status, e.message, 'error');
      }
    };
  }

  // ---- admin key ----
  function askKey(message) {
    state.needKey = true;
    const panel = $('#key-panel');
    const first = panel.hidden;
    panel.hidden = false;
    $('#key-button').hidden = false;
    say('#key-status', message || 'Enter the admin key to see and change the mock.', message ? 'error' : '');
    if (first) $('#key-input').focus();
  }
  function useKey(ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $('#key-input').value);
    $('#key-input').value = '';
    $('#key-panel').hidden = true;
    state.needKey = false;
    state.version = null;
    state.journalText = state.faultsText = null;
    tick();
  }
  function forgetKey() {
    sessionStorage.removeItem(KEY);
    say('#key-status', 'The key is forgotten.');
  }

  // ---- dataset summary and chart ----
  // loadDataset reads the summary (unless given) and the daily totals of
  // the tenant shown; what arrives after a switch to another is dropped.
  async function loadDataset(sum) {
    const tid = state.tenant;
    sum = sum || await body(await control(at('/dataset')));
    const daily = await body(await control(at('/daily')));
    if (tid !== state.tenant) return;
    renderSummary(sum);
    renderChart(daily, sum);
    defaultRange(sum);
    state.version = sum.version;
  }

  function renderSummary(s) {
    $('#dataset-name').textContent = s.name;
    $('#sum-users').textContent = count(s.users);
    $('#sum-calls').textContent = count(s.calls);
    $('#sum-rows').textContent = count(s.rows);
    $('#sum-window').textContent = s.firstCall ? `${s.firstCall.slice(0, 10)} to ${s.lastCall.slice(0, 10)}` : 'no calls';
    $('#sum-version').textContent = s.version;
    $('#sum-currencies tbody').replaceChildren(...(s.currencies || []).map((c) => el('tr', { 'data-currency': c.currency },
      el('th', { scope: 'row' }, c.currency),
      el('td', { class: 'num' }, count(c.calls)),
      el('td', { class: 'num' }, count(c.seconds)),
      el('td', { class: 'num', 'data-charge': money(cents(c.charge)) }, money(cents(c.charge), true)))));
  }

  function renderChart(daily, sum) {
    state.drawn = { daily, sum };
    const curs = daily.currencies || [];
    const chart = $('#chart');
    const rows = [];
    for (const c of curs) {
      for (const d of c.days) rows.push(el('tr', {}, el('td', {}, d.date), el('td', {}, c.currency),
        el('td', { class: 'num' }, count(d.calls)), el('td', { class: 'num' }, money(cents(d.charge), true))));
    }
    $('#daily-table tbody').replaceChildren(...rows);
    if (!curs.length || !sum.firstCall) {
      chart.replaceChildren(el('p', { class: 'muted' }, 'No calls to draw.'));
      return;
    }
    // One unit of the drawing is about one pixel at any width, so that its
    // text stays readable on a phone; a resize draws it again.
    const W = Math.max(320, Math.round(chart.clientWidth) || 1000);
    const left = W < 600 ? 92 : 130, right = 10, bandH = 46, gap = 10, top = 6, axisH = 20;
    const day0 = Date.parse(sum.firstCall.slice(0, 10));
    const span = Math.max(1, (Date.parse(sum.lastCall.slice(0, 10)) - day0) / 864e5);
    const x = (date) => left + ((Date.parse(date) - day0) / 864e5 / span) * (W - left - right);
    const H = top + curs.length * (bandH + gap) + axisH;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Daily spend of ${curs.length} currencies; the table below has the same numbers.` });
    curs.forEach((c, i) => {
      const color = COLORS[i % COLORS.length];
      const y0 = top + i * (bandH + gap);
      const max = Math.max(1, ...c.days.map((d) => cents(d.charge)));
      const y = (d) => y0 + bandH - (cents(d.charge) / max) * (bandH - 4);
      const g = svg('g', { class: 'series', 'data-currency': c.currency, 'data-total': money(cents(c.charge)) },
        svg('text', { class: 'band-label', x: 0, y: y0 + 14 }, c.currency),
        svg('text', { class: 'band-scale', x: 0, y: y0 + 30 }, `total ${money(cents(c.charge), true)}`),
        svg('text', { class: 'band-scale', x: 0, y: y0 + 44 }, `peak ${money(max, true)}/day`),
        svg('line', { class: 'baseline', x1: left, x2: W - right, y1: y0 + bandH, y2: y0 + bandH }),
        svg('polyline', { fill: 'none', stroke: color, 'stroke-width': 1.2, 'stroke-opacity': 0.6,
          points: c.days.map((d) => `${x(d.date).toFixed(1)},${y(d).toFixed(1)}`).join(' ') }));
      for (const d of c.days) {
        const m = money(cents(d.charge));
        g.append(svg('circle', { class: 'point', cx: x(d.date).toFixed(1), cy: y(d).toFixed(1), r: 2.5, fill: color,
          'data-date': d.date, 'data-charge': m, 'data-calls': d.calls },
        svg('title', {}, `${d.date} ${c.currency} ${money(cents(d.charge), true)} (${d.calls} call${d.calls === 1 ? '' : 's'})`)));
      }
      root.append(g);
    });
    const axisY = H - 6;
    const first = sum.firstCall.slice(0, 10), last = sum.lastCall.slice(0, 10);
    root.append(svg('text', { class: 'axis', x: left, y: axisY }, first),
      svg('text', { class: 'axis', x: W - right, y: axisY, 'text-anchor': 'end' }, last));
    chart.replaceChildren(root);
  }

  function showPoint(ev) {
    const p = ev.target.closest && ev.target.closest('.point');
    if (!p) return;
    for (const on of document.querySelectorAll('#chart .point.on')) on.classList.remove('on');
    p.classList.add('on');
    $('#chart-readout').textContent = p.querySelector('title').textContent;
  }

  // ---- report preview ----
  function defaultRange(sum) {
    if ($('#report-from').value || !sum.lastCall) return;
    const to = new Date(sum.lastCall.slice(0, 10) + 'T00:00:00Z');
    const from = new Date(Math.max(Date.parse(sum.firstCall.slice(0, 10)), to.getTime() - 29 * 864e5));
    $('#report-from').value = from.toISOString().slice(0, 10);
    $('#report-to').value = to.toISOString().slice(0, 10);
  }

  // getReport asks for a range: from the start of the first day to the end
  // of the last (a date alone would mean midnight, docs/contract.md#parameters).
  function getReport() {
    const from = $('#report-from').value, to = $('#report-to').value;
    state.page = 0;
    return reportPage(`${FN}(fromDateTime=${from}T00:00:00Z,toDateTime=${to}T23:59:59Z)?$count=true`);
  }

  // tokenFor asks the mock's token endpoint for a token in tenant tid, as
  // a client's identity library does (docs/contract.md#identity-and-https),
  // and keeps it, in memory only, until a minute before it expires.
  async function tokenFor(tid) {
    const id = $('#report-client').value.trim();
    const kept = state.tokens.get(tid + ' ' + id);
    if (kept && kept.until > Date.now()) return kept.token;
    say('#report-status', `POST /${tid}/oauth2/v2.0/token …`);
    const r = await fetch(`/${tid}/oauth2/v2.0/token`, { method: 'POST', cache: 'no-store', body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: id, client_secret: $('#report-secret').value,
      scope: GRAPH_APP + '/.default' }) });
    let v = null;
    try { v = await r.json(); } catch (e) { v = null; }
    if (!r.ok || !v || !v.access_token) {
      throw new Error(`The token endpoint answered ${r.status} ${(v && v.error) || ''}: ${(v && v.error_description) || 'no token'}`);
    }
    state.tokens.set(tid + ' ' + id, { token: v.access_token, until: Date.now() + (v.expires_in - 60) * 1000 });
    return v.access_token;
  }

  async function reportPage(url) {
    const tid = state.tenant;
    const token = $('#report-token').value || (tid ? await tokenFor(tid) : 'dashboard');
    say('#report-status', `GET ${url} …`);
    const r = await fetch(url, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    let b;
    try {
      b = await body(r);
    } catch (e) {
      $('#report-next').disabled = true;
      throw e;
    }
    if (tid !== state.tenant) return;
    state.page++;
    state.next = b['@odata.nextLink'] || '';
    const rows = b.value || [];
    // @odata.count counts this page's entries (docs/contract.md#decisions, D1).
    const total = b['@odata.count'] !== undefined ? ` (@odata.count ${b['@odata.count']})` : '';
    say('#report-status', `Page ${state.page}: ${rows.length} entries${total}. GET ${url}${tid ? `, as tenant ${tid}` : ''}`);
    $('#report-table').hidden = false;
    $('#report-table tbody').replaceChildren(...rows.map((row) => el('tr', {},
      el('td', {}, row.userPrincipalName, el('br'), el('span', { class: 'muted' }, row.userDisplayName)),
      el('td', {}, row.usageLocation), el('td', {}, row.destinationContext), el('td', {}, row.currency),
      el('td', { class: 'num' }, count(row.totalCalls)), el('td', { class: 'num' }, count(row.totalCallSeconds)),
      el('td', { class: 'num' }, money(cents(row.totalCallCharge), true)))));
    $('#report-next').disabled = !state.next;
    $('#report-link').textContent = state.next ? `@odata.nextLink: ${state.next}` : 'no @odata.nextLink: the last page';
  }

  // nextPage follows the nextLink as sent; it is fetched from this origin,
  // since the page talks to no other (the link may name a --public-url).
  function nextPage() {
    const u = new URL(state.next, location.href);
    return reportPage(u.pathname + u.search);
  }

  const emptyRow = (cols, text) => el('tr', {}, el('td', { colspan: cols, class: 'empty' }, text));

  // ---- journal ----
  // refreshed counts the journal's refreshes on the page's root element, so
  // that a test can tell a slow machine from a stale panel.
  function refreshed() {
    const d = document.documentElement.dataset;
    d.journalRefreshes = String((Number(d.journalRefreshes) || 0) + 1);
  }

  async function journal() {
    const q = new URLSearchParams();
    const st = $('#journal-status').value.trim(), path = $('#journal-path').value;
    if (st) q.set('status', st);
    if (path) q.set('path', path);
    const tid = state.tenant;
    const r = await control(state.multi ? forTenant('/_mock/requests', q) : '/_mock/requests?' + q);
    const text = await r.text();
    if (tid !== state.tenant) return;
    refreshed();
    if (!r.ok) {
      state.journalText = null;
      let e = null;
      try { e = JSON.parse(text); } catch (x) { e = null; }
      say('#journal-count', new ApiError(r.status, e).message, 'error');
      return;
    }
    if (text === state.journalText) return;
    state.journalText = text;
    const list = JSON.parse(text);
    const shown = list.slice(-JOURNAL_ROWS).reverse();
    say('#journal-count', `${count(list.length)} request${list.length === 1 ? '' : 's'}${list.length > shown.length ? `, newest ${shown.length} shown` : ''}, newest first`, 'muted');
    if (!shown.length) {
      $('#journal-table tbody').replaceChildren(emptyRow(6, 'No request yet.'));
      return;
    }
    $('#journal-table tbody').replaceChildren(...shown.map((e) => {
      const marks = [];
      if (e.fault) marks.push(el('span', { class: 'mark fault', title: 'an injected fault answered' }, `fault ${e.fault}`));
      if (e.violation) marks.push(el('span', { class: 'mark violation', title: e.violation }, `⚠ ${e.violation}`));
      const cls = [e.fault ? 'faulted' : '', e.violation ? 'violating' : ''].join(' ').trim();
      return el('tr', { class: cls || null, 'data-status': e.status, 'data-fault': e.fault || null, 'data-tenant': e.tenant || null },
        el('td', {}, new Date(e.time).toISOString().slice(11, 23)),
        el('td', {}, e.method),
        el('td', { class: 's' + String(e.status)[0] }, String(e.status)),
        el('td', { class: 'path' }, e.path),
        el('td', { class: 'num' }, e.durationMs.toFixed(1)),
        el('td', {}, ...marks));
    }));
  }

  // ---- faults ----
  async function faults() {
    const tid = state.tenant;
    const r = await control('/_mock/faults');
    const text = await r.text();
    if (!r.ok || text === state.faultsText || tid !== state.tenant) return;
    state.faultsText = text;
    renderFaults(JSON.parse(text));
  }

  // renderFaults lists the queue; with many tenants, the faults that apply
  // to the tenant shown: those naming it and those naming none.
  function renderFaults(list) {
    if (state.tenant) list = list.filter((f) => !f.tenant || f.tenant === state.tenant);
    if (!list.length) {
      $('#fault-table tbody').replaceChildren(emptyRow(4, 'No fault queued.'));
      return;
    }
    $('#fault-table tbody').replaceChildren(...list.map((f) => {
      const other = [];
      if (f.retryAfter) other.push(`Retry-After ${f.retryAfter}`);
      if (f.page) other.push(`page ${f.page}`);
      if (f.delayMs) other.push(`delay ${f.delayMs} ms`);
      if (f.drop) other.push('drop');
      if (state.tenant && !f.tenant) other.push('every tenant');
      return el('tr', {}, el('td', { class: 'path' }, f.path || 'any'), el('td', {}, f.status ? String(f.status) : '–'),
        el('td', { class: 'num' }, String(f.remaining)), el('td', {}, other.join(', ')));
    }));
  }

  async function addFault() {
    const f = { times: Number($('#fault-times').value) };
    const num = (id, name) => { const v = $(id).value.trim(); if (v !== '') f[name] = Number(v); };
    if ($('#fault-path').value) f.path = $('#fault-path').value;
    num('#fault-status', 'status');
    num('#fault-retry', 'retryAfter');
    num('#fault-page', 'page');
    num('#fault-delay', 'delayMs');
    if ($('#fault-drop').checked) f.drop = true;
    if (state.tenant) f.tenant = state.tenant;
    const list = await body(await control('/_mock/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(f) }));
    state.faultsText = JSON.stringify(list);
    renderFaults(list);
    say('#fault-status-line', `Queued: ${f.status ? f.status : 'no status'} for ${f.times} request${f.times === 1 ? '' : 's'} on ${f.path || 'any path'}${f.tenant ? ` of tenant ${f.tenant}` : ''}.`, 'ok');
  }

  // clearFaults clears the queue; with many tenants, the faults naming the
  // tenant shown.
  async function clearFaults() {
    await body(await control(forTenant('/_mock/faults'), { method: 'DELETE' }));
    state.faultsText = null;
    say('#fault-status-line', state.tenant ? `Cleared the faults of tenant ${state.tenant}.` : 'No fault queued.', 'ok');
    await faults();
  }

  // ---- changing the dataset ----
  // datasetChanged shows what a PUT or reset answered, then reloads.
  async function datasetChanged(r, what) {
    $('#dataset-problems').replaceChildren();
    let s;
    try {
      s = await body(r);
    } catch (e) {
      say('#dataset-status', `${what} refused, the previous dataset keeps serving: ${e.message}`, 'error');
      $('#dataset-problems').replaceChildren(...(e.details || []).map((d) =>
        el('li', {}, el('code', {}, d.target || '(document)'), ' ', d.message)));
      return;
    }
    say('#dataset-status', `${what}: ${s.name}, ${count(s.users)} users, ${count(s.calls)} calls.`, 'ok');
    state.journalText = state.faultsText = null;
    state.listedAt = 0;
    $('#report-from').value = '';
    await loadDataset();
  }

  // upload sends the file as it is, with the type the browser gives it (the
  // server tells the formats apart by type, name and content).
  async function upload() {
    const f = $('#upload-file').files[0];
    if (!f) throw new Error('Choose a file first.');
    say('#dataset-status', `Uploading ${f.name} (${count(f.size)} bytes)…`);
    await datasetChanged(await control(at('/dataset?name=') + encodeURIComponent(f.name), { method: 'PUT', body: f }), `Upload of ${f.name}`);
  }

  async function generate() {
    const g = {};
    for (const name of ['seed', 'users', 'windowDays', 'intensity', 'internationalShare']) {
      const v = $('#gen-' + name).value.trim();
      if (v !== '') g[name] = Number(v);
    }
    for (const name of ['windowEnd', 'domain']) {
      const v = $('#gen-' + name).value.trim();
      if (v !== '') g[name] = v;
    }
    say('#dataset-status', 'Generating…');
    await datasetChanged(await control(at('/dataset'), { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ generator: g }) }), 'Generated');
  }

  async function reset() {
    await datasetChanged(await control(at('/reset'), { method: 'POST' }), 'Reset');
  }

  // ---- many tenants ----
  // tenancy shows the picker, and the words that only many tenants need,
  // when /_mock/health reports many tenants (docs/contract.md#many-tenants).
  function tenancy(h) {
    const multi = h.tenancy === 'multi';
    if (multi === state.multi) return;
    state.multi = multi;
    $('#tenant-panel').hidden = !multi;
    for (const e of document.querySelectorAll('[data-multi]')) e.hidden = !multi;
    for (const e of document.querySelectorAll('[data-single]')) e.hidden = multi;
    $('#report-token').placeholder = multi ? 'from the token endpoint' : 'any (lenient auth)';
    if (!multi) state.tenant = '';
  }

  // hashTenant is the tenant the address names (#tenant=<id>): the choice
  // survives a reload and can be shared.
  function hashTenant() {
    const m = /^#tenant=(.+)$/.exec(location.hash);
    return m && GUID.test(m[1]) ? m[1].toLowerCase() : '';
  }

  // tenants reads GET /_mock/tenants every few seconds for the picker; the
  // first read also names the tenant to show, when the address does not.
  async function tenants() {
    if (state.tenant && Date.now() - state.listedAt < LIST_MS) return;
    const list = await body(await control('/_mock/tenants'));
    const text = JSON.stringify(list);
    state.listedAt = Date.now();
    state.def = list.default;
    if (!state.tenant) state.tenant = hashTenant() || list.default;
    if (text === state.tenantsText) return;
    state.tenantsText = text;
    state.tenants = list.tenants || [];
    renderTenants();
  }

  function renderTenants() {
    const list = state.tenants.slice();
    if (!list.some((t) => t.id === state.tenant)) list.push({ id: state.tenant, source: 'new' });
    $('#tenant').replaceChildren(...list.map((t) => {
      const what = [t.id === state.def ? 'default' : '', t.source, t.summary ? `${count(t.summary.calls)} calls` : ''];
      return el('option', { value: t.id, 'data-source': t.source, 'data-default': t.id === state.def || null },
        `${t.id} (${what.filter(Boolean).join(', ')})`);
    }));
    $('#tenant').value = state.tenant;
    const t = list.find((x) => x.id === state.tenant);
    say('#tenant-status', `Showing tenant ${state.tenant}: ${t.source === 'new' ? 'built on first use' : t.source}` +
      (state.tenant === state.def ? '; the default tenant, which requests whose token names none belong to.' : '.'));
  }

  // choose shows tenant tid in every panel, and writes it in the address.
  function choose(tid) {
    tid = tid.trim().toLowerCase();
    if (!GUID.test(tid)) {
      say('#tenant-status', `"${tid}" is not a tenant id: want a GUID such as 00000000-0000-0000-0000-000000000000.`, 'error');
      return;
    }
    $('#tenant-id').value = '';
    if (history.replaceState) history.replaceState(null, '', '#tenant=' + tid);
    if (tid === state.tenant) return;
    state.tenant = tid;
    state.version = state.journalText = state.faultsText = state.drawn = null;
    state.next = '';
    state.page = 0;
    state.listedAt = 0;
    $('#dataset-name').textContent = 'loading…';
    $('#report-from').value = '';
    $('#report-table').hidden = true;
    $('#report-next').disabled = true;
    for (const id of ['#report-link', '#report-status', '#dataset-status', '#fault-status-line']) say(id, '');
    $('#dataset-problems').replaceChildren();
    renderTenants();
    tick(true);
  }

  // ---- the loop ----
  // tick refreshes the page; a tick asked for while one runs is dropped,
  // unless it is urgent (a tenant chosen), which runs right after.
  async function tick(urgent) {
    if (state.busy) {
      state.again = state.again || urgent === true;
      return;
    }
    state.busy = true;
    try {
      const h = await body(await fetch('/_mock/health', { cache: 'no-store' })); // open, for probes
      tenancy(h);
      if (!state.needKey) {
        if (state.multi) {
          await tenantTick();
        } else if (h.datasetVersion !== state.version) await loadDataset();
        await journal();
        await faults();
      }
    } catch (e) {
      if (!(e instanceof KeyNeeded)) $('#dataset-name').textContent = `The mock does not answer: ${e.message}`;
    } finally {
      state.busy = false;
      if (state.again) {
        state.again = false;
        tick(true);
      }
    }
  }

  // tenantTick refreshes the picker and, when the tenant shown has a new
  // dataset version, its summary and chart; health's version is the
  // default tenant's.
  async function tenantTick() {
    await tenants();
    const tid = state.tenant;
    let sum;
    try {
      sum = await body(await control(at('/dataset')));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (tid === state.tenant) say('#tenant-status', `Tenant ${tid}: ${e.message}`, 'error');
      return;
    }
    if (tid === state.tenant && sum.version !== state.version) await loadDataset(sum);
  }

  function start() {
    $('#key-form').addEventListener('submit', useKey);
    $('#key-forget').addEventListener('click', forgetKey);
    $('#key-button').addEventListener('click', () => { $('#key-panel').hidden = false; $('#key-input').focus(); });
    $('#chart').addEventListener('mouseover', showPoint);
    let resizing = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => { if (state.drawn) renderChart(state.drawn.daily, state.drawn.sum); }, 150);
    });
    $('#report-form').addEventListener('submit', guard('#report-status', getReport));
    $('#report-next').addEventListener('click', guard('#report-status', nextPage));
    $('#journal-filter').addEventListener('submit', (ev) => ev.preventDefault());
    $('#journal-filter').addEventListener('input', () => { state.journalText = null; });
    $('#journal-clear').addEventListener('click', guard('#journal-count', async () => {
      await body(await control(forTenant('/_mock/requests'), { method: 'DELETE' }));
      state.journalText = null;
    }));
    $('#fault-form').addEventListener('submit', guard('#fault-status-line', addFault));
    $('#fault-clear').addEventListener('click', guard('#fault-status-line', clearFaults));
    $('#upload-form').addEventListener('submit', guard('#dataset-status', upload));
    $('#generator-form').addEventListener('submit', guard('#dataset-status', generate));
    $('#dataset-reset').addEventListener('click', guard('#dataset-status', reset));
    $('#tenant').addEventListener('change', () => choose($('#tenant').value));
    $('#tenant-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      choose($('#tenant-id').value.trim() || $('#tenant').value);
    });
    window.addEventListener('hashchange', () => { if (state.multi && hashTenant()) choose(hashTenant()); });
    for (const id of ['#report-client', '#report-secret']) $(id).addEventListener('input', () => state.tokens.clear());
    if (sessionStorage.getItem(KEY)) $('#key-button').hidden = false;
    tick();
    setInterval(tick, TICK_MS);
  }

  start();
})();
