// Shared by the customer portal (/portal) and the admin panel (/admin): API calls with problem+json errors, DOM
// building without innerHTML, views, notices and the login form.

const main = document.getElementById('main');
const toast = document.getElementById('toast');
let leaveView = () => {};
/** What the app does once someone has logged in, and when the session is gone. */
export const session = { onLogin: async () => {}, onLogout: () => {} };

export class ApiError extends Error {
  // errors: the fields the problem names, [{field, message}] (RFC 9457 extension of the API)
  constructor(status, detail, type, errors) { super(detail); this.status = status; this.type = type || ''; this.errors = errors || []; }
}

export async function api(method, path, body) {
  const request = () => fetch('/api/v1' + path, {
    method, credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // A read that failed on the way (no answer at all) is asked once more: Chromium cancels requests in flight whenever
  // the machine's addresses change (ERR_NETWORK_CHANGED), which on a panel's own host happens as VEs come and go (LXD's
  // UI met the same, canonical/lxd#12475). Writes are never repeated: the first may have been done.
  const response = await request().catch(failure => {
    if (method !== 'GET') throw failure;
    return new Promise(resolve => setTimeout(resolve, 300)).then(request);
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && path !== '/auth/login') { showLogin(); }
    throw new ApiError(response.status, (data && data.detail) || 'The request failed (' + response.status + ').', data && data.type,
      data && data.errors);
  }
  return data;
}

// An event stream that reconnected by itself (the panel restarted, the network dropped) missed what changed
// meanwhile, so the page is fetched again with route(); a form being filled in keeps what was typed, and there only
// the VEs' states are brought up to date with showState(ve).
export async function refreshAfterReconnect(route, showState) {
  const active = document.activeElement;
  if (!active || !['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName)) {
    route();
    return;
  }
  const ves = await api('GET', '/ves').catch(() => []);
  ves.forEach(showState);
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'onclick' || name === 'onsubmit') node.addEventListener(name.slice(2), value);
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export function show(...nodes) {
  leaveView();
  leaveView = () => {};
  main.replaceChildren(...nodes);
  main.focus();
}

export function say(message) {
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { toast.hidden = true; }, 6000);
}

export function badge(state, id) {
  return el('span', { class: 'badge ' + state, 'data-ve-state': id, 'aria-live': 'polite' }, state);
}

// ---- login ------------------------------------------------------------------------------------------------

export function showLogin(needsCode = false, message = '') {
  document.getElementById('nav').hidden = true;
  session.onLogout();
  const error = el('p', { class: 'error', role: 'alert', id: 'login-error' }, message);
  const code = needsCode ? [el('label', { for: 'totp' }, 'Code from your authenticator app'),
    el('input', { id: 'totp', name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', required: true })] : [];
  const form = el('form', { class: 'card login', onsubmit: async event => {
    event.preventDefault();
    const body = { username: form.username.value, password: form.password.value };
    if (form.totp) body.totp = form.totp.value;
    try {
      await api('POST', '/auth/login', body);
      await session.onLogin();
    } catch (e) {
      if (e.type.endsWith('/totp-required')) {
        showLogin(true, '');
        document.getElementById('username').value = body.username;
        document.getElementById('password').value = body.password;
        document.getElementById('totp').focus();
      } else {
        error.textContent = e.message;
      }
    }
  } },
  el('h1', {}, 'Log in'),
  el('label', { for: 'username' }, 'Username'),
  el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true }),
  el('label', { for: 'password' }, 'Password'),
  el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
  code,
  el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'login' }, 'Log in')),
  error);
  show(form);
  (needsCode ? form.totp : form.username).focus();
}

export function form(id, fields, submitLabel, onSubmit) {
  const error = el('p', { class: 'error', role: 'alert' });
  const node = el('form', { id, onsubmit: async event => {
    event.preventDefault();
    error.textContent = '';
    try { await onSubmit(node); } catch (e) { error.textContent = e.message; }
  } }, fields.map(([name, label, type, extra]) => el('div', { class: 'field' }, el('label', { for: id + '-' + name }, label),
    control(id + '-' + name, name, type, extra))),
  el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, submitLabel)), error);
  return node;
}

// a form's field: an input of {@code type}, or with type 'select' a list of {@code extra.options}, [[value, text], …]
function control(id, name, type, extra) {
  if (type === 'select') {
    const { options, ...rest } = extra || {};
    return el('select', Object.assign({ id, name, required: true }, rest), (options || []).map(([value, text]) => el('option', { value }, text)));
  }
  return el('input', Object.assign({ id, name, type: type || 'text', required: true }, extra || {}));
}

export function size(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
  return bytes.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
}


/** Runs {@code hook} when the current view is replaced (closing a console, a stream). */
export function onLeave(hook) {
  const previous = leaveView;
  leaveView = () => { previous(); hook(); };
}

/**
 * Asks in a modal dialog (keyboard: Tab between fields, Enter submits, Escape cancels) and resolves to the form,
 * or null when cancelled. {@code check} may throw to keep the dialog open with the message shown.
 */
export function ask(title, fields, submitLabel, check = () => {}) {
  return new Promise(resolve => {
    const dialog = el('dialog', { 'aria-labelledby': 'dialog-title' });
    const f = form('dialog-form', fields, submitLabel, async values => {
      await check(values);
      dialog.close('ok');
      resolve(values);
    });
    f.querySelector('.actions').append(el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'));
    dialog.append(el('h2', { id: 'dialog-title' }, title), f);
    dialog.addEventListener('close', () => { dialog.remove(); if (dialog.returnValue !== 'ok') resolve(null); });
    document.body.append(dialog);
    dialog.showModal();
    const first = f.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}

/** A labelled gauge: "Memory 3.1 GiB of 24 GiB" over a bar. */
export function gauge(id, label, used, total, text) {
  return el('div', { class: 'gauge' }, el('label', { for: id }, label, ' ', el('span', { class: 'muted' }, text)),
    el('meter', { id, min: 0, max: total || 1, value: Math.min(used, total || 1), high: (total || 1) * 0.85, optimum: 0 }));
}

// ---- pages that plugins add ----------------------------------------------------------------------------------
// GET /api/v1/ui/contributions lists the pages the caller may see; each is an ES module served from its plugin's
// bundle that exports render(container, context). The menu follows plugins coming and going (the 'ui' event).

let contributions = [];

/**
 * Fetches the plugins' pages and puts those of {@code placement} ('admin' or 'portal') into the menu. Returns whether
 * the contributions changed: a page showing them is drawn again only then (drawing it closes a plugin tab left open).
 */
export async function loadPluginMenu(placement) {
  // not api(): a refresh in the background (a panel restarting answers 503 or, for a moment, 401) keeps the menu as
  // it is instead of showing the login form or emptying it
  const response = await fetch('/api/v1/ui/contributions', { credentials: 'same-origin' }).catch(() => null);
  if (!response || !response.ok) return false;
  const before = JSON.stringify(contributions);
  contributions = await response.json();
  const changed = JSON.stringify(contributions) !== before;
  const nav = document.getElementById('nav');
  nav.querySelectorAll('[data-plugin-nav]').forEach(link => link.remove());
  const who = document.getElementById('who');
  for (const c of contributions.filter(c => c.placement === placement)) {
    who.before(el('a', { href: '#/plugin/' + c.plugin + '/' + c.id, 'data-plugin-nav': c.plugin + '/' + c.id }, c.label));
  }
  return changed;
}

function pluginContext(me, extra) {
  return Object.assign({ api, el, say, ask, form, badge, size, chart, me, onLeave }, extra || {});
}

/**
 * The UI's one way to draw a chart (small inline SVG, no library): a line over {@code points} ({value}), or with
 * {@code bars} stacked bars over points whose {@code values} are drawn in the series' order ({@code bars} naming
 * them, shown as the legend). {@code format} writes a value for people (caption and the chart's accessible name).
 */
export function chart(title, points, format, bars) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 300 80');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const totals = points.map(p => bars ? p.values.reduce((a, b) => a + b, 0) : p.value);
  const max = Math.max(1e-9, ...totals);
  const latest = points.length ? totals[totals.length - 1] : null;
  svg.setAttribute('aria-label', title + (latest === null ? ': no data' : ': latest ' + format(latest)));
  if (bars && points.length) {
    const width = 300 / points.length;
    points.forEach((p, i) => {
      let y = 78;
      p.values.forEach((v, series) => {
        const h = Math.max(0, v) * 74 / max;
        const rect = document.createElementNS(ns, 'rect');
        rect.setAttribute('x', (i * width + width * 0.15).toFixed(1));
        rect.setAttribute('width', (width * 0.7).toFixed(1));
        rect.setAttribute('y', (y - h).toFixed(1));
        rect.setAttribute('height', h.toFixed(1));
        rect.setAttribute('class', 'series-' + series);
        const tip = document.createElementNS(ns, 'title');
        tip.textContent = (p.label || '') + ' ' + bars[series] + ': ' + format(v);
        rect.append(tip);
        svg.append(rect);
        y -= h;
      });
    });
  } else if (points.length > 1) {
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.map((p, i) => (i * 300 / (points.length - 1)).toFixed(1) + ',' + (78 - p.value * 74 / max).toFixed(1)).join(' '));
    svg.append(line);
  }
  const legend = bars ? el('div', { class: 'legend' }, bars.map((b, i) => el('span', { class: 'series-' + i }, b))) : '';
  return el('figure', {}, el('figcaption', {}, title + ': ' + (latest === null ? 'no data yet' : format(latest))), svg, legend);
}

async function renderModule(c, container, context) {
  try {
    const module = await import(c.module);
    await module.render(container, context);
  } catch (e) {
    container.replaceChildren(el('p', { class: 'error' }, 'The page of plugin ' + c.plugin + ' failed: ' + e.message));
  }
}

/** Draws a plugin's page ({@code #/plugin/<plugin>/<id>}), or says that it is gone. */
export async function showPluginPage(hash, me) {
  const [, plugin, id] = hash.match(/^#\/plugin\/([^/]+)\/([^/]+)$/) || [];
  const c = contributions.find(c => c.plugin === plugin && c.id === id && c.placement !== 've-tab' && c.placement !== 've-list');
  if (!c) {
    show(el('h1', {}, 'Page not available'), el('p', { id: 'plugin-gone' }, 'The plugin that added this page is not installed (any more), or your account may not use it.'));
    return;
  }
  const container = el('div', { id: 'plugin-page', 'data-plugin': plugin + '/' + id });
  show(el('h1', {}, c.label), container);
  await renderModule(c, container, pluginContext(me));
}

/** The VE page's tabs that plugins add: a row of buttons, each drawing its module below them. */
/**
 * The columns plugins add to the list of VEs: [{label, cell(ve)}]; a plugin whose module fails adds nothing (the
 * list is drawn without it, the failure logged).
 */
export async function pluginColumns(me, ves) {
  const columns = contributions.filter(c => c.placement === 've-list');
  const made = await Promise.all(columns.map(async c => {
    try {
      const module = await import(c.module);
      return { label: c.label, id: c.plugin + '/' + c.id, cell: await module.column(pluginContext(me, { ves })) };
    } catch (e) {
      console.warn('The VE list column of plugin ' + c.plugin + ' failed: ' + e.message);
      return null;
    }
  }));
  return made.filter(c => c && typeof c.cell === 'function');
}

export function pluginTabs(veId, me) {
  const tabs = contributions.filter(c => c.placement === 've-tab');
  if (!tabs.length) return el('div', { id: 'plugin-tabs', hidden: true });
  const area = el('div', { id: 'plugin-tab' });
  return el('div', { class: 'card', id: 'plugin-tabs' },
    el('div', { class: 'actions', role: 'tablist' }, tabs.map(c => el('button', { type: 'button', role: 'tab', 'data-plugin-tab': c.plugin + '/' + c.id,
      onclick: () => renderModule(c, area, pluginContext(me, { ve: veId })) }, c.label))), area);
}
