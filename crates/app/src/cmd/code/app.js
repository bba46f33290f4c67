// The coding workbench page (pokeval code). Plain JavaScript, no build
// step. Every text from the project is put in the page with textContent,
// never as HTML. Offsets are code points (as in REFI-QDA and the server),
// not UTF-16 units: Array.from(text) splits a string into code points.
'use strict';

const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
const nf = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const $ = (id) => document.getElementById(id);

let state = null;      // /api/state
let current = null;    // /api/source of the open source
let cps = [];          // the open source's text as code points
let selection = null;  // { start, end } in code points, within the text
let picker = null;     // what the open picker does with the chosen code
let adjusting = null;  // id of the coding whose span is being adjusted
let busy = Promise.resolve();

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function status(text) { $('status').textContent = text; }
function alertShow(text) { const a = $('alert'); a.textContent = text; a.hidden = false; }
function alertHide() { const a = $('alert'); a.hidden = true; a.textContent = ''; }
const num = (x) => (x === null || x === undefined ? '–' : nf.format(x).replace('-', '\u2212'));
const alClass = (line) => 'al-' + (line || 0);

async function getJson(path) {
  const r = await fetch(base + path, { cache: 'no-store' });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || ('fout ' + r.status));
  return data;
}

// Sends one change. A change made against an old revision (another tab
// saved first) is refused by the server: the page reloads and sends it
// again. A failed save is shown and tried again.
function change(op) {
  busy = busy.then(() => send(op));
  return busy;
}

async function send(op) {
  let delay = 1000;
  for (let attempt = 0; attempt < 8; attempt++) {
    let r, data;
    try {
      r = await fetch(base + 'api/change', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(Object.assign({ revision: state.revision }, op)),
      });
      data = await r.json().catch(() => ({}));
    } catch (e) {
      alertShow('Opslaan mislukt: de werkbank is niet bereikbaar. Nieuwe poging over ' + delay / 1000 + ' s.');
      await sleep(delay); delay = Math.min(delay * 2, 8000);
      continue;
    }
    if (r.ok) {
      alertHide();
      state.revision = data.revision;
      if (data.source && current && data.source.id === current.id) {
        current = data.source;
        renderDocument();
      }
      await refreshState();
      status('Opgeslagen (versie ' + data.revision + ').');
      return true;
    }
    if (r.status === 409) {
      status('De coderingen zijn elders gewijzigd; bijgewerkt, de wijziging wordt opnieuw verstuurd.');
      await refreshState();
      if (current) await openSource(current.id, true);
      continue;
    }
    if (r.status >= 500) {
      alertShow((data.error || 'Opslaan mislukt.') + ' Nieuwe poging over ' + delay / 1000 + ' s.');
      await sleep(delay); delay = Math.min(delay * 2, 8000);
      continue;
    }
    alertShow(data.error || ('De wijziging is geweigerd (' + r.status + ').'));
    return false;
  }
  alertShow('Opslaan is herhaaldelijk mislukt; de wijziging is niet bewaard. Herlaad de pagina.');
  return false;
}

async function refreshState() {
  state = await getJson('api/state');
  renderSources();
  renderCodebook();
  renderFigures();
  // last: the revision shown is the one everything on the page reflects
  $('revision').textContent = state.revision;
}

// ---- source list -------------------------------------------------------

function ancestorsOf(code) {
  const byId = new Map(state.codebook.map((c) => [c.id, c]));
  const out = [];
  let c = byId.get(code);
  while (c && c.parent) { out.push(c.parent); c = byId.get(c.parent); }
  return out;
}

function fillSelect(id, values) {
  const s = $(id);
  const chosen = s.value;
  while (s.options.length > 1) s.remove(1);
  for (const [value, label] of values) s.append(el('option', { value, text: label }));
  s.value = values.some(([v]) => v === chosen) ? chosen : '';
}

function filtered() {
  const m = $('f-municipality').value, w = $('f-wave').value, role = $('f-role').value;
  const code = $('f-code').value, open = $('f-open').checked;
  return state.sources.filter((s) =>
    (!m || s.municipality === m) && (!w || String(s.wave) === w) && (!role || s.role === role) &&
    (!code || s.codes.some((c) => c === code || ancestorsOf(c).includes(code))) &&
    (!open || s.reviewed < s.autocodes));
}

function renderSources() {
  const uniq = (xs) => [...new Set(xs.filter((x) => x))].sort((a, b) => String(a).localeCompare(String(b), 'nl'));
  fillSelect('f-municipality', uniq(state.sources.map((s) => s.municipality)).map((x) => [x, x]));
  fillSelect('f-wave', uniq(state.sources.map((s) => s.wave)).map((x) => [String(x), String(x)]));
  fillSelect('f-role', uniq(state.sources.map((s) => s.role)).map((x) => [x, x]));
  fillSelect('f-code', state.codebook.map((c) => [c.id, c.id + ' · ' + c.label]));
  $('project').textContent = '· ' + state.project;
  $('coder').textContent = state.coder;
  $('file').textContent = state.file;
  const list = $('source-list');
  list.replaceChildren();
  const shown = filtered();
  for (const s of shown) {
    const b = el('button', { type: 'button', 'data-id': s.id, onclick: () => openSource(s.id) },
      s.label,
      el('span', { class: 'count', text: s.autocodes === null ? 'autocodes worden toegekend…' : s.reviewed + ' van ' + s.autocodes + ' autocodes beoordeeld' }));
    if (current && current.id === s.id) b.setAttribute('aria-current', 'true');
    list.append(el('li', {}, b));
  }
  $('source-count').textContent = '(' + shown.length + ' van ' + state.sources.length + ')';
  const done = state.sources.reduce((n, s) => n + s.reviewed, 0);
  const all = state.sources.reduce((n, s) => n + s.autocodes, 0);
  $('progress').textContent = state.coding ? 'De autocodes van de andere bronnen worden toegekend…' : 'Beoordeeld: ' + done + ' van ' + all + ' autocodes.';
}

// While the other sources are coded (just after the start), the page asks
// again until they are, then shows the counts, the figures and the open
// source's autocodes.
function awaitCoding() {
  busy = busy.then(async () => {
    try { await refreshState(); } catch (e) { /* tried again below */ }
    if (state.coding) { setTimeout(awaitCoding, 250); return; }
    if (current) await openSource(current.id, true);
  });
}

function step(delta) {
  const shown = filtered();
  if (!shown.length) return;
  let i = current ? shown.findIndex((s) => s.id === current.id) : -1;
  i = i < 0 ? 0 : Math.min(Math.max(i + delta, 0), shown.length - 1);
  openSource(shown[i].id);
}

// ---- the document ----------------------------------------------------------

async function openSource(id, keep) {
  try {
    current = await getJson('api/source?id=' + encodeURIComponent(id));
  } catch (e) {
    alertShow('De bron kon niet worden geladen: ' + e.message);
    return;
  }
  cps = Array.from(current.text);
  selection = null; adjusting = null;
  renderDocument();
  for (const b of $('source-list').querySelectorAll('button')) {
    if (b.dataset.id === id) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
  }
  if (!keep) {
    const first = document.querySelector('.ac');
    (first || $('document')).focus();
  }
}

// The chunks of [start, end) cut at every boundary of a coding inside it.
function chunks(start, end, marks) {
  const cuts = new Set([start, end]);
  for (const m of marks) {
    if (m.start > start && m.start < end) cuts.add(m.start);
    if (m.end > start && m.end < end) cuts.add(m.end);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push([sorted[i], sorted[i + 1]]);
  return out;
}

function textChunks(start, end, marks) {
  const frag = document.createDocumentFragment();
  for (const [a, b] of chunks(start, end, marks)) {
    const text = cps.slice(a, b).join('');
    const over = marks.filter((m) => m.start < b && a < m.end);
    const span = el('span', { 'data-o': String(a) });
    if (over.length) {
      const manual = over.filter((m) => !m.matched);
      const names = over.map((m) => m.code + (m.matched ? ' (regel trof)' : ' door ' + m.coder));
      const cls = manual.length ? (manual.some((m) => m.mine) ? 'mine' : '') : 'matched';
      span.append(el('mark', { class: cls, title: names.join(', ') }, text));
    } else {
      span.append(text);
    }
    frag.append(span);
  }
  return frag;
}

function renderDocument() {
  const focusKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  $('doc-title').textContent = current.label;
  const box = $('segments');
  box.replaceChildren();
  // the codings files' codings of one passage and code as one entry that
  // names every coder
  const fromFiles = new Map();
  for (const c of current.file_codings) {
    const key = c.start + ':' + c.end + ':' + c.code;
    const had = fromFiles.get(key);
    if (had) had.coder += ', ' + c.coder;
    else fromFiles.set(key, Object.assign({ file: true, mine: false }, c));
  }
  const manual = current.codings.map((c) => Object.assign({ file: false }, c)).concat([...fromFiles.values()]);
  const segs = current.segments.slice().sort((a, b) => a.start - b.start);
  const placed = new Set();
  let at = 0;
  const gap = (a, b) => {
    if (b <= a || !cps.slice(a, b).join('').trim()) return;
    box.append(el('div', { class: 'gap' }, textChunks(a, b, [])));
  };
  for (const seg of segs) {
    gap(at, seg.start);
    const matched = seg.autocodes.filter((a) => a.matched).map((a) => ({ start: a.matched[0], end: a.matched[1], code: a.code, matched: true }));
    const here = manual.filter((m) => m.start < seg.end && seg.start < m.end);
    const side = el('div', { class: 'seg-side' });
    for (const a of seg.autocodes) side.append(autocode(seg, a));
    for (const m of here) {
      const key = (m.file ? 'f' : 'w') + (m.id !== undefined ? m.id : m.start + ':' + m.code + ':' + m.coder);
      if (placed.has(key)) continue;
      placed.add(key);
      side.append(codingItem(m));
    }
    const lines = seg.autocodes.map((a) => a.action_line).concat(here.map((m) => m.action_line)).filter((x) => x);
    const section = el('section', { class: 'seg' + (lines.length ? ' coded ' + alClass(lines[0]) : ''), id: 'seg-' + seg.id.split('#').pop(), tabindex: '0', 'data-key': 'seg|' + seg.id, 'aria-label': 'Segment ' + seg.id.split('#').pop() },
      el('div', { class: 'seg-text' }, textChunks(seg.start, seg.end, here.concat(matched))),
      side);
    box.append(section);
    at = seg.end;
  }
  gap(at, cps.length);
  const rest = manual.filter((m) => !placed.has((m.file ? 'f' : 'w') + (m.id !== undefined ? m.id : m.start + ':' + m.code + ':' + m.coder)));
  if (rest.length) {
    const side = el('div', { class: 'seg-side' }, el('h3', { text: 'Coderingen buiten de segmenten' }));
    for (const m of rest) side.append(codingItem(m));
    box.append(side);
  }
  // the source memo
  $('memo-section').hidden = false;
  const others = $('other-memos');
  others.replaceChildren();
  for (const m of current.memos.filter((m) => !m.mine)) others.append(el('li', {}, el('strong', { text: m.coder + ': ' }), m.memo));
  const mine = current.memos.find((m) => m.mine);
  $('source-memo').value = mine ? mine.memo : '';
  updateSelection();
  if (focusKey) {
    const f = document.querySelector('[data-key="' + CSS.escape(focusKey) + '"]');
    if (f) f.focus();
  }
}

function verdictText(r) {
  return (r.decision === 'accepted' ? 'geaccepteerd' : 'afgewezen') + ' door ' + (r.mine ? 'u' : r.reviewer);
}

function autocode(seg, a) {
  const key = 'ac|' + seg.id + '|' + a.code;
  const mine = a.reviews.find((r) => r.mine);
  const node = el('div', {
    class: 'ac ' + alClass(a.action_line), tabindex: '0', 'data-key': key,
    'data-seg': seg.id, 'data-code': a.code,
    'aria-label': 'Autocode ' + a.code + ' ' + a.label + (a.reviews.length ? ', ' + a.reviews.map(verdictText).join(', ') : ', nog niet beoordeeld'),
  },
  el('span', { class: 'code', text: a.code }), ' · ' + a.label,
  el('span', { class: 'rule', text: 'autocode, regel ' + a.rule + (a.matched ? ': trof “' + cps.slice(a.matched[0], a.matched[1]).join('') + '”' : '') }),
  el('span', { class: 'verdict', text: a.reviews.length ? a.reviews.map(verdictText).join('; ') : 'nog niet beoordeeld' }),
  el('button', { type: 'button', 'aria-pressed': mine && mine.decision === 'accepted' ? 'true' : 'false', onclick: () => review(seg.id, a.code, 'accepted') }, 'Accepteren (a)'),
  el('button', { type: 'button', 'aria-pressed': mine && mine.decision === 'rejected' ? 'true' : 'false', onclick: () => review(seg.id, a.code, 'rejected') }, 'Afwijzen (r)'),
  el('button', { type: 'button', onclick: () => openPicker('Andere code in plaats van ' + a.code + ' voor dit segment', (code) => review(seg.id, a.code, 'rejected', code)) }, 'Andere code (w)'),
  mine ? el('button', { type: 'button', onclick: () => review(seg.id, a.code, 'clear') }, 'Intrekken') : null);
  return node;
}

function codingItem(m) {
  const key = m.file ? null : 'c|' + m.id;
  const item = el('div', { class: 'coding ' + alClass(m.action_line), 'data-key': key, tabindex: key ? '-1' : null },
    el('span', { class: 'code', text: m.code }), ' · ' + m.label,
    el('span', { class: 'who', text: (m.mine ? 'uw codering' : 'door ' + m.coder) + (m.file ? ' (uit codeerbestand)' : '') + ' · “' + excerpt(m.start, m.end) + '”' }));
  if (m.mine) {
    const memoId = 'memo-' + m.id;
    const area = el('textarea', { id: memoId, rows: '2' });
    area.value = m.memo || '';
    item.append(
      el('button', { type: 'button', onclick: () => change({ op: 'remove', id: m.id }) }, 'Verwijderen'),
      el('button', { type: 'button', onclick: () => openPicker('Andere code voor uw codering ' + m.code, (code) => change({ op: 'recode', id: m.id, code })) }, 'Andere code'),
      el('button', { type: 'button', onclick: () => { adjusting = m.id; status('Selecteer de nieuwe tekst en kies “Bereik aanpassen naar selectie”.'); updateSelection(); } }, 'Bereik aanpassen'),
      el('label', { for: memoId, text: 'Memo' }), area,
      el('button', { type: 'button', onclick: () => change({ op: 'memo', id: m.id, memo: area.value }) }, 'Memo opslaan'));
  } else if (m.memo) {
    item.append(el('span', { class: 'who', text: 'memo: ' + m.memo }));
  }
  return item;
}

function excerpt(a, b) {
  const t = cps.slice(a, b).join('').replace(/\s+/g, ' ').trim();
  const c = Array.from(t);
  return c.length > 60 ? c.slice(0, 60).join('') + '…' : t;
}

function review(segment, code, decision, recode) {
  const op = { op: 'review', segment, code, decision };
  if (recode) op.recode = recode;
  const key = 'ac|' + segment + '|' + code;
  const next = nextAutocode(segment, code);
  return change(op).then((ok) => {
    // on to the next autocode, unless the coder has moved on meanwhile
    const still = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.key === key;
    if (ok && still && decision !== 'clear' && next) {
      const f = document.querySelector('[data-key="' + CSS.escape(next) + '"]');
      if (f) f.focus();
    }
  });
}

function nextAutocode(segment, code) {
  const all = [...document.querySelectorAll('.ac')];
  const i = all.findIndex((n) => n.dataset.seg === segment && n.dataset.code === code);
  return i >= 0 && i + 1 < all.length ? all[i + 1].dataset.key : null;
}

// ---- selection and the code picker -----------------------------------------

function pointOf(node, offset) {
  const elem = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  const chunk = elem && elem.closest('[data-o]');
  if (!chunk || !$('segments').contains(chunk)) return null;
  const start = Number(chunk.dataset.o);
  if (node.nodeType === Node.TEXT_NODE) return start + Array.from(node.textContent.slice(0, offset)).length;
  return offset === 0 ? start : start + Array.from(chunk.textContent).length;
}

function updateSelection() {
  const sel = document.getSelection();
  selection = null;
  if (current && sel && sel.rangeCount && !sel.isCollapsed) {
    const r = sel.getRangeAt(0);
    const a = pointOf(r.startContainer, r.startOffset);
    const b = pointOf(r.endContainer, r.endOffset);
    if (a !== null && b !== null && b > a && cps.slice(a, b).join('').trim()) selection = { start: a, end: b };
  }
  $('code-selection').disabled = !selection;
  const adj = $('adjust-selection');
  adj.hidden = adjusting === null;
  adj.disabled = !selection || adjusting === null;
}

function openPicker(what, done) {
  picker = done;
  $('picker-what').textContent = what;
  $('picker').hidden = false;
  const input = $('picker-input');
  input.value = '';
  input.focus();
}

function closePicker() {
  picker = null;
  $('picker').hidden = true;
}

function codeOf(value) {
  const v = value.trim();
  const id = v.split(' · ')[0].trim();
  const hit = state.codebook.find((c) => c.id === id) ||
    state.codebook.find((c) => c.id.toLowerCase() === v.toLowerCase() || c.label.toLowerCase() === v.toLowerCase());
  return hit ? hit.id : null;
}

// Codes the whole segment `node` (a .seg element): coding by keyboard
// without selecting text.
function codeSegment(node) {
  const seg = current && current.segments.find((s) => 'seg|' + s.id === node.dataset.key);
  if (!seg) return;
  openPicker('Coderen: het hele segment “' + excerpt(seg.start, seg.end) + '”', (code) =>
    change({ op: 'add', source: current.id, start: seg.start, end: seg.end, code }));
}

function codeSelection() {
  if (!selection || !current) return;
  const s = selection;
  openPicker('Coderen: “' + excerpt(s.start, s.end) + '”', (code) =>
    change({ op: 'add', source: current.id, start: s.start, end: s.end, code }));
}

// ---- codebook, passages and figures ------------------------------------------

function renderCodebook() {
  const q = $('cb-search').value.trim().toLowerCase();
  const list = $('codebook');
  list.replaceChildren();
  const options = $('code-options');
  options.replaceChildren();
  for (const c of state.codebook) {
    options.append(el('option', { value: c.id + ' · ' + c.label }));
    if (q && !(c.id.toLowerCase().includes(q) || c.label.toLowerCase().includes(q) || c.description.toLowerCase().includes(q))) continue;
    const details = (c.description || c.examples.length)
      ? el('details', {}, el('summary', { text: 'Definitie en voorbeelden' }),
        c.description ? el('p', { text: c.description }) : null,
        c.examples.length ? el('ul', {}, ...c.examples.map((x) => el('li', { text: x }))) : null)
      : null;
    list.append(el('li', { class: alClass(c.action_line) + ' depth-' + Math.min(c.depth, 2) },
      el('span', { class: 'label', text: c.id }), ' · ' + c.label + ' ',
      el('span', { class: 'muted', text: '(' + c.rules + ' autocodes, ' + c.manual + ' handmatig)' }), ' ',
      el('button', { type: 'button', onclick: () => showPassages(c.id) }, 'Passages'),
      details));
  }
}

async function showPassages(code) {
  let data;
  try { data = await getJson('api/passages?code=' + encodeURIComponent(code)); } catch (e) { alertShow(e.message); return; }
  $('passages-section').hidden = false;
  $('pass-title').textContent = 'Passages met ' + code;
  $('passages-count').textContent = data.total + ' passages' + (data.total > data.passages.length ? ', de eerste ' + data.passages.length + ' getoond' : '') + '.';
  const list = $('passages');
  list.replaceChildren();
  for (const p of data.passages) {
    list.append(el('li', {},
      el('button', { type: 'button', onclick: () => jump(p.source, p.start) }, p.label),
      el('span', { class: 'muted', text: ' (' + p.by + ')' }), el('br'), '“' + p.text + '”'));
  }
  $('passages').querySelector('button')?.focus();
}

async function jump(source, start) {
  if (!current || current.id !== source) await openSource(source, true);
  const seg = current.segments.find((s) => s.start <= start && start < s.end);
  const node = seg && document.getElementById('seg-' + seg.id.split('#').pop());
  if (node) {
    node.scrollIntoView({ block: 'center' });
    node.classList.add('flash');
    const ac = node.querySelector('.ac');
    (ac || node).focus({ preventScroll: true });
  }
}

function renderFigures() {
  const f = state.figures;
  const box = $('figures');
  box.replaceChildren();
  if (f.pending) {
    box.append(el('p', { text: 'De cijfers volgen zodra alle bronnen hun autocodes hebben.' }));
    return;
  }
  if (f.error) {
    box.append(el('p', { class: 'alert', text: 'De autocodes konden niet worden toegekend: ' + f.error }));
    return;
  }
  if (f.agreement) {
    const a = f.agreement;
    box.append(el('p', {}, 'Krippendorffs alfa over alle gebruikte codes: ', el('strong', { text: num(a.alpha) }),
      ' (' + a.coders.length + ' codeurs, ' + a.units + ' gedeelde segmenten).'));
    const t = el('table', { class: 'fig' }, el('caption', { class: 'muted', text: 'Per paar codeurs' }),
      el('tr', {}, el('th', { scope: 'col', text: 'Paar' }), el('th', { scope: 'col', text: 'Beslissingen' }), el('th', { scope: 'col', text: '% eens' }), el('th', { scope: 'col', text: 'Kappa' })));
    for (const p of a.pairs) {
      t.append(el('tr', {}, el('td', { text: p.a + ' – ' + p.b }), el('td', { class: 'n', text: String(p.units) }),
        el('td', { class: 'n', text: p.percent === null ? '–' : num(p.percent * 100) }), el('td', { class: 'n', text: num(p.kappa) })));
    }
    box.append(t);
  } else {
    box.append(el('p', { text: 'Nog geen overeenstemming: daarvoor zijn coderingen van ten minste twee codeurs op dezelfde bron nodig.' }));
  }
  if (f.rule_quality) {
    const q = f.rule_quality;
    box.append(el('p', {}, 'Regels tegen ' + q.gold + ' (' + q.units + ' segmenten): precisie ', el('strong', { text: num(q.precision) }),
      ', recall ', el('strong', { text: num(q.recall) }), ', F1 ', el('strong', { text: num(q.f1) }), '.'));
    const t = el('table', { class: 'fig' }, el('caption', { class: 'muted', text: 'Per code' }),
      el('tr', {}, el('th', { scope: 'col', text: 'Code' }), el('th', { scope: 'col', text: 'Precisie' }), el('th', { scope: 'col', text: 'Recall' }), el('th', { scope: 'col', text: 'Fout-positief' })));
    for (const c of q.per_code) {
      t.append(el('tr', {}, el('td', { text: c.code }), el('td', { class: 'n', text: num(c.precision) }), el('td', { class: 'n', text: num(c.recall) }), el('td', { class: 'n', text: String(c.fp) })));
    }
    box.append(t);
  } else if (f.gold) {
    box.append(el('p', { text: 'Regelkwaliteit: ' + f.gold + ' heeft nog geen coderingen.' }));
  } else {
    box.append(el('p', { text: 'Regelkwaliteit: het project noemt geen gouden codeur ([coding] gold).' }));
  }
  if (f.rejects.length) {
    box.append(el('p', { class: 'alert', text: f.rejects.length + ' coderingen uit de werkbank kunnen niet worden geplaatst (de bron of het codeboek is sindsdien gewijzigd): regel ' + f.rejects.map((r) => r.line).join(', ') + ' van ' + state.file + '. pokeval build noemt ze met de reden.' }));
  }
}

// ---- keyboard ----------------------------------------------------------------

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape') { if (picker) { closePicker(); e.preventDefault(); } return; }
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
  const ac = document.activeElement && document.activeElement.closest ? document.activeElement.closest('.ac') : null;
  const all = [...document.querySelectorAll('.ac')];
  const moveAc = (d) => {
    if (!all.length) return;
    let i = ac ? all.indexOf(ac) + d : 0;
    i = Math.min(Math.max(i, 0), all.length - 1);
    all[i].focus();
    all[i].scrollIntoView({ block: 'nearest' });
  };
  switch (e.key) {
    case 'n': step(1); break;
    case 'p': step(-1); break;
    case 'j': moveAc(1); break;
    case 'k': moveAc(-1); break;
    case 'a': if (ac) review(ac.dataset.seg, ac.dataset.code, 'accepted'); else return; break;
    case 'r': if (ac) review(ac.dataset.seg, ac.dataset.code, 'rejected'); else return; break;
    case 'w': if (ac) openPicker('Andere code in plaats van ' + ac.dataset.code, (code) => review(ac.dataset.seg, ac.dataset.code, 'rejected', code)); else return; break;
    case 'c': {
      // the selection, or else the segment the focus is in
      const seg = document.activeElement && document.activeElement.closest ? document.activeElement.closest('.seg') : null;
      if (selection) codeSelection(); else if (seg) codeSegment(seg); else return;
      break;
    }
    case '/': $('cb-search').focus(); break;
    default: return;
  }
  e.preventDefault();
}

function start() {
  document.addEventListener('keydown', onKey);
  document.addEventListener('selectionchange', updateSelection);
  for (const id of ['f-municipality', 'f-wave', 'f-role', 'f-code', 'f-open']) $(id).addEventListener('change', renderSources);
  $('cb-search').addEventListener('input', renderCodebook);
  $('code-selection').addEventListener('click', codeSelection);
  $('adjust-selection').addEventListener('click', () => {
    if (!selection || adjusting === null) return;
    const id = adjusting; adjusting = null;
    change({ op: 'adjust', id, start: selection.start, end: selection.end });
  });
  $('picker').addEventListener('submit', (e) => {
    e.preventDefault();
    const code = codeOf($('picker-input').value);
    if (!code) { alertShow('Onbekende code: kies er een uit de lijst.'); return; }
    const done = picker;
    closePicker();
    if (done) done(code);
  });
  $('picker-cancel').addEventListener('click', closePicker);
  $('save-source-memo').addEventListener('click', () => {
    if (current) change({ op: 'source_memo', source: current.id, memo: $('source-memo').value });
  });
  // the page comes with the state and its first source as data
  const boot = $('boot') ? JSON.parse($('boot').textContent) : null;
  const ready = boot ? Promise.resolve(boot) : getJson('api/state').then((st) => ({ state: st, source: null }));
  ready.then((b) => {
    state = b.state;
    renderSources(); renderCodebook(); renderFigures();
    $('revision').textContent = state.revision;
    const first = filtered()[0];
    if (!first) return null;
    if (b.source && b.source.id === first.id) {
      current = b.source;
      cps = Array.from(current.text);
      renderDocument();
      for (const btn of $('source-list').querySelectorAll('button')) {
        if (btn.dataset.id === first.id) btn.setAttribute('aria-current', 'true');
      }
      return null;
    }
    return openSource(first.id, true);
  }).then(() => {
    // lets a test or the browser's tools see when the first document stood
    // on the page
    if (current) performance.mark('pokeval-first-document');
    if (state.coding) setTimeout(awaitCoding, 250);
  }).catch((e) => alertShow('De werkbank kon niet worden geladen: ' + e.message));
}

start();
