// The controller's status page: reads the API same-origin (the hadoop.auth cookie the
// authentication filter set when the page was loaded) and draws everything here, with no library.
// Text from the API is only ever set as textContent, never parsed as HTML.
'use strict';
(function () {
  const REFRESH_MS = 30000;
  const TIMELINE = 30; // cuts per service shown and charted

  // ---- small helpers -------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    let v = Number(n);
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v : v.toFixed(1)) + ' ' + u[i];
  }
  function seconds(s) {
    if (s === null || s === undefined || isNaN(s)) return '–';
    s = Math.round(Number(s));
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  function durationSec(m) {
    if (!m.startedAt || !m.finishedAt) return null;
    return (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000;
  }

  // ---- the API -------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  // GET or POST one endpoint; a refusal becomes an ApiError carrying the API's one-line error.
  async function api(path, body) {
    const init = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-XSRF-HEADER'] = 'status-page';
      init.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'the controller did not answer ' + path + ': ' + e.message);
    }
    let doc = null;
    try { doc = await r.json(); } catch (e) { /* not JSON: reported below by status */ }
    if (!r.ok) {
      const line = doc && doc.error ? doc.error : 'HTTP ' + r.status + ' ' + r.statusText;
      throw new ApiError(r.status, line);
    }
    return doc;
  }
  // An optional endpoint (built elsewhere, maybe absent): its document, or null when it does not answer 200.
  async function optional(path) {
    try { return await api(path); } catch (e) { return null; }
  }

  const errors = new Map();
  function showErrors() {
    const box = document.getElementById('errors');
    box.replaceChildren(...[...errors.entries()].map(([what, msg]) => el('div', { class: 'error' }, what + ': ' + msg)));
  }
  function setError(what, e) {
    if (e) errors.set(what, e.message); else errors.delete(what);
    showErrors();
  }

  // ---- clusters ------------------------------------------------------------------------------
  function renderClusters(status, identity, guards, switching) {
    const who = identity.primary ? 'primary is ' + identity.primary : 'no cluster is primary: a switch is in progress';
    document.getElementById('identity').textContent = 'Identity: ' + who + ', epoch ' + identity.epoch
      + ', since ' + when(identity.changedAt) + (identity.reason ? ' (' + identity.reason + ')' : '');
    const byCluster = {};
    for (const c of (guards && guards.clusters) || []) byCluster[c.cluster] = c.guards;
    const rows = status.clusters.map(c => {
      const gs = byCluster[c.name];
      let guardCell;
      if (!gs) {
        guardCell = el('td', { class: 'muted' }, 'unknown');
      } else if (gs.length === 0) {
        guardCell = el('td', { class: 'muted' }, 'no guard registered');
      } else {
        const acked = gs.filter(g => g.acknowledged);
        guardCell = el('td', { title: gs.map(g => g.member + ': epoch ' + g.epoch + ' ' + g.state).join('\n') },
          el('span', { class: acked.length === gs.length ? 'ok' : 'warn' }, acked.length + ' of ' + gs.length),
          ' at epoch ' + identity.epoch, el('br'),
          el('span', { class: 'muted' }, acked.map(g => g.member).join(', ')));
      }
      const health = c.healthy ? el('span', { class: 'ok' }, 'healthy')
        : el('span', { class: 'bad' }, 'unhealthy' + (c.faultySince ? ' since ' + when(c.faultySince) : ''));
      return el('tr', { 'data-cluster': c.name },
        el('td', {}, el('b', {}, c.name)),
        el('td', { class: 'role' }, c.role),
        el('td', { class: 'num epoch' }, String(c.epoch)),
        el('td', {}, health, (c.problems || []).length ? el('div', { class: 'bad' }, c.problems.join('; ')) : null),
        el('td', { class: 'num' }, c.skewMs === null || c.skewMs === undefined ? 'not measured' : c.skewMs + ' ms'),
        guardCell,
        el('td', {}, when(c.checkedAt)));
    });
    if (rows.length === 0) {
      rows.push(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no cluster probed yet')));
    }
    document.querySelector('#clusters tbody').replaceChildren(...rows);
    const cur = switching && switching.current;
    const last = switching && switching.last;
    const s = document.getElementById('switch-state');
    if (cur) {
      s.textContent = 'Switch in progress: ' + cur.from + ' → ' + cur.to + ', step ' + cur.step
        + (cur.error ? ', stopped: ' + cur.error : '');
      s.className = 'warn';
    } else if (last) {
      s.textContent = 'Last switch: ' + last.from + ' → ' + last.to + ', ' + last.step + ' at ' + when(last.updatedAt)
        + (last.error ? ' (' + last.error + ')' : '');
      s.className = 'muted';
    } else {
      s.textContent = 'No switch recorded.';
      s.className = 'muted';
    }
  }

  // ---- services ------------------------------------------------------------------------------
  function rpoBar(svc) {
    const age = svc.newestCompleteAgeSeconds;
    const target = svc.rpoSeconds;
    if (age === null || age === undefined) {
      return el('div', {}, el('span', { class: 'bad' }, 'no COMPLETE cut yet'), ' (target ' + seconds(target) + ')');
    }
    const ratio = target > 0 ? age / target : 1;
    const cls = ratio >= 1 ? 'bad' : ratio >= 0.75 ? 'warn' : 'ok';
    return el('div', {},
      el('div', { class: 'bar', title: Math.round(ratio * 100) + '% of the RPO target' },
        el('span', { class: cls, style: 'width:' + Math.min(100, Math.max(1, ratio * 100)).toFixed(1) + '%' })),
      el('span', { class: cls }, 'age ' + seconds(age)), ' of ' + seconds(target) + ' target');
  }

  function running(r) {
    if (!r) return el('span', { class: 'muted' }, 'none');
    const parts = [el('span', { class: 'state-RUNNING' }, r.cutId), ' ' + r.phase];
    if (r.bytesTotal !== undefined) {
      const pct = r.bytesTotal > 0 ? 100 * r.bytesDone / r.bytesTotal : 0;
      parts.push(el('div', { class: 'bar' }, el('span', { class: 'run', style: 'width:' + pct.toFixed(1) + '%' })),
        bytes(r.bytesDone) + ' of ' + bytes(r.bytesTotal) + ', files ' + r.filesDone + ' of ' + r.filesTotal
        + ', ' + bytes(r.rateBytesPerSec) + '/s, ETA ' + seconds(r.etaSeconds));
    }
    return el('span', {}, parts);
  }

  function verification(m) {
    if (!m) return el('span', { class: 'muted' }, 'no cut yet');
    if (m.state === 'COMPLETE') {
      return el('span', { class: 'ok' }, 'verified: ' + (m.tables || []).length + ' table(s), ' + (m.dirs || []).length
        + ' directory(ies) match on the secondary');
    }
    if (m.state === 'RUNNING') return el('span', { class: 'state-RUNNING' }, 'in progress');
    return el('span', { class: 'bad' }, m.state + ': ' + (m.reason || 'no reason recorded'));
  }

  function timeline(cuts) {
    const rows = cuts.slice().reverse().map(m => el('tr', { 'data-cut': m.cutId },
      el('td', {}, el('code', {}, m.cutId)),
      el('td', { class: 'state-' + m.state }, m.state),
      el('td', {}, when(m.moment)),
      el('td', { class: 'num' }, m.cutMethod === 'sequential' ? 'sequential' : m.fenceWindowMs + ' ms'),
      el('td', { class: 'num' }, Object.keys(m.ackLatencyMs || {}).length),
      el('td', { class: 'num' }, bytes(m.bytesCopied) + ' / ' + bytes(m.bytesInCut)),
      el('td', { class: 'num' }, seconds(durationSec(m))),
      el('td', {}, verification(m))));
    return el('table', { class: 'timeline' },
      el('thead', {}, el('tr', {}, ['cut', 'state', 'moment', 'fence window', 'acks', 'copied / in cut', 'duration',
        'verification'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'no cuts in the catalog'))));
  }

  // A line or bar chart of points {t: ms, v: number, state}; target draws a dashed limit.
  function chart(points, { bars, target, caption, unit }) {
    const W = 480, H = 150, L = 44, R = 8, T = 10, B = 22;
    const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    root.append(svg('title', {}, caption));
    if (points.length === 0) {
      root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no data yet'));
      return el('figure', {}, root, el('figcaption', {}, caption));
    }
    const t0 = Math.min(...points.map(p => p.t));
    const t1 = Math.max(...points.map(p => p.t));
    const vmax = Math.max(1, target || 0, ...points.map(p => p.v)) * 1.1;
    const x = t => t1 === t0 ? L + (W - L - R) / 2 : L + (t - t0) / (t1 - t0) * (W - L - R);
    const y = v => T + (1 - v / vmax) * (H - T - B);
    root.append(svg('line', { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: '#8c959f' }));
    root.append(svg('line', { x1: L, y1: T, x2: L, y2: y(0), stroke: '#8c959f' }));
    root.append(svg('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, seconds(vmax / 1.1)));
    root.append(svg('text', { x: L - 4, y: y(0), 'text-anchor': 'end' }, '0'));
    root.append(svg('text', { x: L, y: H - 6 }, when(new Date(t0).toISOString())));
    if (t1 > t0) root.append(svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, when(new Date(t1).toISOString())));
    if (target) {
      root.append(svg('line', { x1: L, y1: y(target), x2: W - R, y2: y(target), stroke: '#cf222e', 'stroke-dasharray': '4 3' }));
      root.append(svg('text', { x: W - R, y: y(target) - 3, 'text-anchor': 'end', fill: '#cf222e' }, 'target ' + seconds(target)));
    }
    if (bars) {
      const w = Math.max(2, Math.min(14, (W - L - R) / points.length - 2));
      for (const p of points) {
        const colour = p.state === 'COMPLETE' ? '#2da44e' : p.state === 'RUNNING' ? '#0969da' : '#cf222e';
        const r = svg('rect', { x: x(p.t) - w / 2, y: y(p.v), width: w, height: Math.max(1, y(0) - y(p.v)), fill: colour });
        r.append(svg('title', {}, p.label + ': ' + seconds(p.v) + ' ' + p.state));
        root.append(r);
      }
    } else {
      root.append(svg('polyline', { points: points.map(p => x(p.t) + ',' + y(p.v)).join(' '), fill: 'none',
        stroke: '#0969da', 'stroke-width': 1.5 }));
      for (const p of points) {
        const c = svg('circle', { cx: x(p.t), cy: y(p.v), r: 2.5, fill: p.v > (target || Infinity) ? '#cf222e' : '#0969da' });
        c.append(svg('title', {}, p.label + ': ' + seconds(p.v)));
        root.append(c);
      }
    }
    return el('figure', {}, root, el('figcaption', {}, caption + (unit ? ' (' + unit + ')' : '')));
  }

  // RPO age over time: just before each COMPLETE cut landed, the newest restorable point was the
  // previous COMPLETE cut's moment; the last point is the age now.
  function rpoSeries(cuts, svc, now) {
    const complete = cuts.filter(m => m.state === 'COMPLETE' && m.finishedAt);
    const pts = [];
    for (let i = 1; i < complete.length; i++) {
      const t = Date.parse(complete[i].finishedAt);
      pts.push({ t, v: (t - Date.parse(complete[i - 1].moment)) / 1000, label: complete[i].cutId });
    }
    if (svc.newestCompleteAgeSeconds !== null && svc.newestCompleteAgeSeconds !== undefined) {
      pts.push({ t: now, v: svc.newestCompleteAgeSeconds, label: 'now' });
    }
    return pts;
  }

  function drillsSection(drills) {
    const box = el('div', { class: 'drills' }, el('h4', {}, 'Restore drills'));
    if (!Array.isArray(drills)) {
      box.append(el('p', { class: 'muted' }, 'not available'));
      return box;
    }
    if (drills.length === 0) {
      box.append(el('p', { class: 'muted' }, 'no drill has run'));
      return box;
    }
    box.append(el('table', {},
      el('thead', {}, el('tr', {}, ['started', 'state', 'cut', 'duration', 'reason'].map(h => el('th', {}, h)))),
      el('tbody', {}, drills.slice(0, 10).map(d => el('tr', {},
        el('td', {}, when(d.startedAt)), el('td', { class: 'state-' + d.state }, d.state),
        el('td', {}, el('code', {}, d.cutId || '–')),
        el('td', { class: 'num' }, seconds(d.durationMs === undefined || d.durationMs === null ? null : d.durationMs / 1000)),
        el('td', {}, d.reason || ''))))));
    return box;
  }

  function driftSection(drift) {
    const box = el('div', { class: 'drift' }, el('h4', {}, 'Drift beyond the newest complete cut'));
    if (drift === null || typeof drift !== 'object') {
      box.append(el('p', { class: 'muted' }, 'not available'));
      return box;
    }
    if (drift.error) {
      box.append(el('p', { class: 'bad' }, 'could not be computed: ' + drift.error));
      return box;
    }
    box.append(el('p', { class: drift.drift ? 'warn' : 'ok' }, drift.drift
      ? 'what a failover now would not bring (or the clusters disagree on):'
      : 'nothing differs beyond cut ' + (drift.cut ? drift.cut.cutId : '–')));
    if (drift.cut && drift.cut.replicaAtCut === false) {
      box.append(el('p', { class: 'bad' }, 'the secondary does not hold the cut: ' + (drift.cut.replicaProblems || []).join('; ')));
    }
    const rows = [];
    (drift.tables || []).forEach(t => {
      const what = [];
      if (t.presence !== 'both') what.push(t.presence);
      if (t.changedSinceCut) what.push('changed since the cut');
      if (t.boundariesDifferFromCut) what.push('regions differ from the cut');
      if (t.boundariesDifferFromSecondary) what.push('regions differ from the secondary');
      if (what.length) rows.push(['table', t.table, what.join(', ')]);
    });
    (drift.dirs || []).forEach(d => {
      if (d.note) {
        rows.push(['directory', d.path, d.note]);
      } else if (d.added || d.removed || d.modified || d.renamed) {
        rows.push(['directory', d.path, d.added + ' added, ' + d.removed + ' removed, ' + d.modified + ' modified, '
          + d.renamed + ' renamed' + (d.paths && d.paths.length ? ': ' + d.paths.slice(0, 5).join(' ') : '')
          + (d.more ? ' and ' + d.more + ' more' : '')]);
      }
    });
    const users = drift.users || {};
    (users.differences || []).slice(0, 10).forEach(u => rows.push(['user data', u.object,
      u.kind + ': primary ' + u.primary + ', secondary ' + u.secondary]));
    if (users.more) rows.push(['user data', '', 'and ' + users.more + ' more']);
    if (rows.length) {
      box.append(el('table', {}, el('thead', {}, el('tr', {}, ['kind', 'object', 'difference'].map(h => el('th', {}, h)))),
        el('tbody', {}, rows.map(r => el('tr', {}, el('td', {}, r[0]), el('td', {}, el('code', {}, r[1])), el('td', {}, r[2]))))));
    }
    return box;
  }

  async function renderService(svc, now) {
    const name = svc.service;
    const enc = encodeURIComponent(name);
    const [cuts, drills, drift] = await Promise.all([
      api('/api/v1/backups/' + enc + '?limit=' + TIMELINE).catch(e => { setError('cuts of ' + name, e); return null; }),
      optional('/api/v1/drills/' + enc),
      optional('/api/v1/drift?service=' + enc)]);
    if (cuts) setError('cuts of ' + name, null);
    const list = cuts || [];
    let newest = null;
    for (const m of list) if (m.state === 'COMPLETE') newest = m;
    const last = list.length ? list[list.length - 1] : null;
    const durations = list.filter(m => durationSec(m) !== null)
      .map(m => ({ t: Date.parse(m.moment), v: durationSec(m), state: m.state, label: m.cutId }));
    return el('article', { class: 'service', 'data-service': name },
      el('h3', {}, name),
      el('dl', { class: 'facts' },
        el('dt', {}, 'newest COMPLETE cut'),
        el('dd', { class: 'newest-complete' }, newest ? el('code', {}, newest.cutId) : el('span', { class: 'bad' }, 'none'),
          newest ? ' at ' + when(newest.moment) + (newest.consistent ? ', consistent across tables' : '') : ''),
        el('dt', {}, 'RPO'), el('dd', { class: 'rpo' }, rpoBar(svc)),
        el('dt', {}, 'in flight'), el('dd', { class: 'running' }, running(svc.running)),
        el('dt', {}, 'last cut'), el('dd', {}, last ? [el('code', {}, last.cutId), ' ', verification(last)] : '–')),
      el('div', { class: 'charts' },
        chart(rpoSeries(list, svc, now), { target: svc.rpoSeconds, caption: 'RPO age over time, target dashed' }),
        chart(durations, { bars: true, caption: 'Cut duration (start to catalog)' })),
      el('h4', {}, 'Cuts, newest first'),
      timeline(list),
      drillsSection(drills),
      driftSection(drift));
  }

  // ---- the switch ----------------------------------------------------------------------------
  let plan = null; // the dry run's report, for the target currently selected
  const sw = {};
  function switchForm(status, identity) {
    const names = status.clusters.map(c => c.name).filter(n => n !== identity.primary);
    const current = sw.target.value;
    if (names.join() !== [...sw.target.options].map(o => o.value).join()) {
      sw.target.replaceChildren(...names.map(n => el('option', { value: n }, n)));
      if (names.includes(current)) sw.target.value = current;
    }
    sw.dryrun.disabled = names.length === 0;
  }
  function armSwitch() {
    const t = sw.target.value;
    sw.confirm.disabled = !(plan && plan.to === t);
    sw.go.disabled = !(plan && plan.to === t && sw.confirm.value === t);
    if (plan && plan.to === t) {
      sw.result.textContent = sw.go.disabled ? 'Type ' + t + ' above to enable the switch.'
        : 'Armed: the button makes ' + t + ' primary (the switch runs in the controller; this page follows it).';
    }
  }
  function resetPlan() {
    plan = null;
    sw.confirm.value = '';
    sw.plan.replaceChildren();
    armSwitch();
  }
  function renderPlan(p) {
    const lost = p.lossWarnings || [];
    sw.plan.replaceChildren(
      el('p', {}, 'Dry run: ' + (p.action || 'switch') + ' ' + (p.from || '(none)') + ' → ' + p.to + ', at epoch '
        + p.epochBefore + (p.dryRun ? ' (the switch raises it)' : ' → ' + p.epochAfter) + (p.planned ? ', planned (a final cut of every service first)'
        : ', unplanned (the old primary is not healthy: no final cut)')),
      lost.length ? el('div', { class: 'loss' }, el('b', {}, 'Would be lost:'), el('ul', {}, lost.map(l => el('li', {}, l))))
        : el('p', { class: 'ok' }, 'Nothing would be lost.'),
      el('table', {}, el('thead', {}, el('tr', {}, ['service', 'cut made live', 'its moment', 'live data kept because']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, (p.services || []).map(s => el('tr', {}, el('td', {}, s.service),
        el('td', {}, el('code', {}, s.cutId || '–')), el('td', {}, when(s.cutMoment)), el('td', {}, s.kept || ''))))));
    armSwitch();
  }
  async function dryRun() {
    const to = sw.target.value;
    resetPlan();
    sw.result.textContent = 'running the dry run…';
    try {
      const p = await api('/api/v1/identity/switch', { to, dryRun: true });
      setError('dry run', null);
      if (sw.target.value !== to) return;
      plan = p;
      renderPlan(p);
    } catch (e) {
      setError('dry run', e);
      sw.result.textContent = '';
    }
  }
  async function doSwitch() {
    if (!plan || sw.confirm.value !== plan.to) return;
    const to = plan.to;
    sw.go.disabled = true;
    try {
      await api('/api/v1/identity/switch', { to, confirm: true, dryRun: false, expectedEpoch: plan.epochBefore, await: false });
      setError('switch', null);
      sw.result.textContent = 'Switch to ' + to + ' started; following it…';
      resetPlan();
      follow();
    } catch (e) {
      setError('switch', e);
      armSwitch();
    }
  }
  async function follow() {
    try {
      const s = await api('/api/v1/identity/switch');
      const cur = s.current;
      if (s.runningHere || (cur && !cur.error)) {
        sw.result.textContent = 'Switch ' + (cur ? cur.from + ' → ' + cur.to + ': step ' + cur.step : 'starting') + '…';
        setTimeout(follow, 2000);
        return;
      }
      const done = cur || s.last;
      sw.result.textContent = done ? 'Switch ' + done.from + ' → ' + done.to + ' ended at step ' + done.step
        + (done.error ? ': ' + done.error : '') : 'Switch ended.';
      refresh();
    } catch (e) {
      setError('switch', e);
    }
  }

  // ---- the whole page ------------------------------------------------------------------------
  async function refresh() {
    const started = performance.now();
    try {
      const [status, identity, switching, guards] = await Promise.all([
        api('/api/v1/status'), api('/api/v1/identity'), api('/api/v1/identity/switch'),
        api('/api/v1/identity/guards').catch(() => null)]);
      setError('status', null);
      const c = status.controller;
      document.getElementById('controller').textContent = 'Controller ' + c.host + ' (' + (c.active ? 'active' : 'standby')
        + '), started ' + when(c.startedAt);
      renderClusters(status, identity, guards, switching);
      switchForm(status, identity);
      armSwitch();
      const now = Date.now();
      const cards = await Promise.all(status.services.map(s => renderService(s, now)));
      document.getElementById('services').replaceChildren(...(cards.length ? cards
        : [el('p', { class: 'muted' }, 'No service has a policy yet.')]));
      document.getElementById('refreshed').textContent = 'Last refreshed ' + when(new Date().toISOString())
        + ' in ' + Math.round(performance.now() - started) + ' ms.';
    } catch (e) {
      setError('status', e);
    } finally {
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['target', 'dryrun', 'confirm', 'go', 'plan', 'result']) sw[id] = document.getElementById('switch-' + id);
    sw.target.addEventListener('change', resetPlan);
    sw.dryrun.addEventListener('click', dryRun);
    sw.confirm.addEventListener('input', armSwitch);
    sw.go.addEventListener('click', doSwitch);
    refresh();
    setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  });
})();
