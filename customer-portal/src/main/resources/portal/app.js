// The customer portal: plain ES module over /api/v1. Routes live in the URL's fragment (#/ves/101), which browsers
// never send to servers, so nothing about a tenant leaks through Referer or proxy logs.

import { api, badge, chart, el, form, loadPluginMenu, onLeave, pluginColumns, pluginTabs, refreshAfterReconnect, say, session, show, showLogin, showPluginPage, size } from './ui.js';

let me = null;
let events = null;
const stateListeners = new Set();

// ---- live events ------------------------------------------------------------------------------------------

const operationListeners = new Set();

// whether the event stream was open before: a stream that opens again missed what changed meanwhile
let connectedBefore = false;

function listen() {
  if (events) return;
  events = new EventSource('/api/v1/events');
  // the stream is open once it says hello: from then on the page follows every change by itself
  events.addEventListener('ready', () => {
    document.body.dataset.live = 'true';
    window.vesselLiveAt = window.vesselLiveAt || performance.now();
    // reconnected: plugin events may have been missed meanwhile (the API is rebuilt as plugins come and go)
    if (connectedBefore) loadPluginMenu('portal').then(() => refreshAfterReconnect(route, showState));
    connectedBefore = true;
  });
  events.addEventListener('error', () => {
    delete document.body.dataset.live;
    // a browser reconnects by itself after a network error, but gives up for good when the server answers with an
    // error (a restarting panel answers 503 for a moment): then a new stream is opened a little later
    if (events && events.readyState === EventSource.CLOSED) {
      events = null;
      setTimeout(() => { if (me && !events) listen(); }, 2000);
    }
  });
  events.addEventListener('ve', message => showState(JSON.parse(message.data)));
  // a plugin's pages or VE tabs came or went: the menu follows, and a page showing them is drawn again
  events.addEventListener('ui', async () => {
    const changed = await loadPluginMenu('portal');
    if (changed && (location.hash.startsWith('#/plugin/') || /^#\/ves\/\d+$/.test(location.hash))) route();
  });
  events.addEventListener('operation', message => {
    const op = JSON.parse(message.data);
    if (op.state === 'FAILED') say(describe(op) + ' failed: ' + sentence(op.error || 'no reason given'));
    operationListeners.forEach(listener => listener(op));
  });
}

function showState(ve) {
  for (const node of document.querySelectorAll('[data-ve-state="' + ve.id + '"]')) {
    node.textContent = ve.state;
    node.className = 'badge ' + ve.state;
  }
  stateListeners.forEach(listener => listener(ve));
}

// ---- VEs ----------------------------------------------------------------------------------------------------

async function showVes() {
  const ves = await api('GET', '/ves');
  const rows = ves.map(ve => el('tr', { 'data-ve': ve.id },
    el('td', {}, el('a', { href: '#/ves/' + ve.id }, ve.name)),
    el('td', {}, ve.hostname),
    el('td', {}, badge(ve.state, ve.id)),
    el('td', { class: 'optional' }, ve.template)));
  const head = el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Hostname'), el('th', {}, 'State'), el('th', { class: 'optional' }, 'Template'));
  show(el('h1', {}, 'Your servers'),
    ves.length === 0 ? el('p', { class: 'muted' }, 'You have no servers yet.')
      : el('div', { class: 'card' }, el('table', { id: 've-list' }, el('thead', {}, head), el('tbody', {}, rows))));
  // columns plugins add (billing: the cost so far and projected), filled in once their modules answer
  if (!ves.length) return;
  for (const column of await pluginColumns(me, ves)) {
    if (!head.isConnected) return; // the page changed meanwhile
    head.append(el('th', { 'data-plugin-column': column.id }, column.label));
    rows.forEach((row, i) => row.append(el('td', { 'data-plugin-column': column.id }, column.cell(ves[i]) || '')));
  }
}

function meter(label, used, limit) {
  const share = limit ? Math.min(100, Math.round((used || 0) * 100 / limit)) : 0;
  return el('div', {}, el('div', {}, label + ': ' + size(used) + (limit ? ' of ' + size(limit) : '')),
    el('div', { class: 'meter', role: 'meter', 'aria-label': label, 'aria-valuenow': share, 'aria-valuemin': 0, 'aria-valuemax': 100 },
      el('span', { style: false, 'data-share': share })));
}

async function showVe(id) {
  let ve;
  try {
    ve = await api('GET', '/ves/' + id);
  } catch (e) {
    if (e.status === 404) { show(el('h1', {}, 'Not found'), el('p', {}, e.message), el('a', { href: '#/ves' }, 'Back to your servers')); return; }
    throw e;
  }
  const ips = await api('GET', '/ves/' + id + '/ips').catch(() => []);
  const consoleArea = el('div', { id: 'console-area' });
  const action = (label, path, className) => el('button', { type: 'button', class: className || '', 'data-action': path, onclick: async () => {
    try {
      await api('POST', '/ves/' + id + '/' + path);
    } catch (e) { say(e.message); }
  } }, label);
  const usage = ve.usage || {};
  const graphs = el('div', { id: 've-graphs' });
  show(
    el('p', {}, el('a', { href: '#/ves' }, '← Your servers')),
    el('h1', {}, ve.name, ' ', badge(ve.state, ve.id)),
    el('div', { class: 'card grid' },
      el('div', {}, el('strong', {}, 'Hostname'), el('div', { id: 've-hostname' }, ve.hostname)),
      el('div', {}, el('strong', {}, 'Template'), el('div', {}, ve.template + '@' + ve.templateVersion)),
      el('div', {}, el('strong', {}, 'Addresses'), el('div', {}, ips.length ? ips.map(ip => ip.address).join(', ') : 'none'))),
    el('div', { class: 'card grid' },
      meter('Memory', usage.memoryBytes, ve.limits.memoryBytes),
      meter('Disk', usage.diskBytes, ve.limits.diskBytes),
      el('div', {}, 'Processes: ' + (usage.processes ?? '–') + ' of ' + ve.limits.processes)),
    el('div', { class: 'actions' },
      action('Start', 'start', 'primary'), action('Stop', 'stop'), action('Restart', 'restart'), action('Hard stop', 'kill', 'danger'),
      el('button', { type: 'button', id: 'open-console', onclick: () => openConsole(id, consoleArea) }, 'Open console')),
    consoleArea,
    pluginTabs(ve.id, me),
    el('div', { class: 'card' }, el('h2', {}, 'Usage'), graphs),
    el('div', { class: 'card' }, el('h2', {}, 'Settings'), settings(ve)));
  document.querySelectorAll('[data-share]').forEach(node => { node.style.width = node.dataset.share + '%'; });
  window.vesselDrawnAt = window.vesselDrawnAt || performance.now(); // for the portal benchmark
  drawGraphs(id, graphs, 'hour');
}

// ---- usage graphs: CPU, memory, disk and network over the last hour, day or month ------------------------------

const PERIODS = { hour: [3600, '1m'], day: [86400, '15m'], month: [30 * 86400, '6h'] };

async function drawGraphs(id, area, period) {
  const [seconds, step] = PERIODS[period];
  const from = new Date(Date.now() - seconds * 1000).toISOString();
  const data = await api('GET', '/ves/' + id + '/usage?from=' + encodeURIComponent(from) + '&step=' + step).catch(() => null);
  const tabs = el('div', { class: 'actions', role: 'group', 'aria-label': 'Period' }, Object.keys(PERIODS).map(p =>
    el('button', { type: 'button', 'aria-pressed': p === period ? 'true' : 'false', onclick: () => drawGraphs(id, area, p) }, 'Last ' + p)));
  if (!data) { area.replaceChildren(tabs, el('p', { class: 'muted' }, 'No usage recorded yet.')); return; }
  const rate = points => points.slice(1).map((p, i) => ({ at: p.at, value: Math.max(0, p.value - points[i].value) }));
  const charts = [
    ['CPU (seconds per step)', rate(data.series.cpuNanosTotal || []).map(p => ({ at: p.at, value: p.value / 1e9 })), v => v.toFixed(2) + ' s'],
    ['Memory', data.series.memoryBytes || [], size],
    ['Disk', data.series.diskBytes || [], size],
    ['Network in', rate(data.series.netRxBytesTotal || []), size],
    ['Network out', rate(data.series.netTxBytesTotal || []), size],
  ];
  area.replaceChildren(tabs, el('div', { class: 'grid' }, charts.map(([title, points, format]) => chart(title, points, format))));
}

// ---- settings: hostname, root password, reinstall -------------------------------------------------------------

function settings(ve) {
  const out = el('div', { id: 've-settings' });
  const hostname = form('hostname', [['hostname', 'Hostname', 'text', { value: ve.hostname, maxlength: 63 }]], 'Change hostname', async f => {
    const changed = await api('PATCH', '/ves/' + ve.id, { hostname: f.hostname.value });
    document.getElementById('ve-hostname').textContent = changed.hostname;
    say('Hostname changed to ' + changed.hostname + '.');
  });
  const password = el('div', {}, el('p', {}, 'Reset the root password to a new random one, shown once.'),
    el('button', { type: 'button', id: 'reset-root-password', onclick: async () => {
      const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
      const bytes = crypto.getRandomValues(new Uint8Array(20));
      const secret = Array.from(bytes, b => alphabet[b % alphabet.length]).join('');
      try {
        await api('POST', '/ves/' + ve.id + '/password', { password: secret });
        password.append(el('p', { role: 'status' }, 'New root password (copy it now, it is not shown again): ', el('code', { id: 'root-password' }, secret)));
      } catch (e) { say(e.message); }
    } }, 'Reset root password'));
  const reinstall = form('reinstall', [['template', 'Template', 'text', { value: ve.template }],
    ['confirm', 'Type the server\'s name (' + ve.name + ') to confirm: all its files are replaced', 'text', { autocomplete: 'off' }]],
  'Reinstall', async f => {
    if (f.confirm.value !== ve.name) throw new Error('Type the name ' + ve.name + ' exactly to confirm.');
    await api('POST', '/ves/' + ve.id + '/reinstall', { template: f.template.value });
    say('Reinstalling ' + ve.name + '; follow it under Tasks.');
  });
  const keys = el('div', { id: 'ssh-keys' });
  const drawKeys = async () => {
    const list = await api('GET', '/ves/' + ve.id + '/ssh-keys').catch(() => []);
    keys.replaceChildren(list.length === 0 ? el('p', { class: 'muted' }, 'No SSH keys.') : el('ul', {}, list.map(k => el('li', { 'data-key': k.fingerprint },
      el('code', {}, k.type + ' ' + k.fingerprint), ' ', k.comment || '', ' ',
      el('button', { type: 'button', class: 'danger', onclick: async () => { await api('DELETE', '/ves/' + ve.id + '/ssh-keys/' + k.id); drawKeys(); } }, 'Remove')))),
    form('add-key', [['publicKey', 'Public key (one line, e.g. ssh-ed25519 AAAA… you@laptop)', 'text', { autocomplete: 'off', spellcheck: 'false' }]], 'Add key', async f => {
      await api('POST', '/ves/' + ve.id + '/ssh-keys', { publicKey: f.publicKey.value });
      await drawKeys();
      say('Key added; root accepts it ' + (ve.state === 'RUNNING' ? 'now.' : 'from the next start.'));
    }));
  };
  drawKeys();
  out.append(hostname, el('hr'), password, el('hr'), el('h3', {}, 'SSH keys for root'), keys, el('hr'), el('h3', {}, 'Reinstall'), reinstall);
  return out;
}

// ---- the console --------------------------------------------------------------------------------------------

function openConsole(id, area) {
  const box = el('div', { class: 'console', id: 'console', role: 'region', 'aria-label': 'Console' });
  area.replaceChildren(el('h2', {}, 'Console'), box);
  const terminal = new window.Terminal({ cursorBlink: true, fontSize: 14, convertEol: false });
  const fit = new window.FitAddon.FitAddon();
  terminal.loadAddon(fit);
  terminal.open(box);
  fit.fit();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(scheme + '//' + location.host + '/ws/ves/' + id + '/console?columns=' + terminal.cols + '&rows=' + terminal.rows);
  socket.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  socket.onmessage = message => {
    if (typeof message.data === 'string') {
      const info = JSON.parse(message.data);
      if (info.type === 'exit') terminal.write('\r\n[the shell ended with status ' + info.code + ']\r\n');
    } else {
      terminal.write(new Uint8Array(message.data));
    }
  };
  socket.onclose = event => { if (event.code !== 1000) terminal.write('\r\n[console closed: ' + (event.reason || 'connection lost') + ']\r\n'); };
  terminal.onData(data => { if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data)); });
  const resize = () => {
    fit.fit();
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'resize', columns: terminal.cols, rows: terminal.rows }));
  };
  window.addEventListener('resize', resize);
  terminal.focus();
  const close = () => { socket.close(1000); terminal.dispose(); window.removeEventListener('resize', resize); };
  onLeave(close);
  window.addEventListener('pagehide', close, { once: true });
}

// ---- tasks ------------------------------------------------------------------------------------------------------

const ACTIONS = { 've.create': 'Create', 've.destroy': 'Delete', 've.start': 'Start', 've.stop': 'Stop', 've.restart': 'Restart',
  've.kill': 'Hard stop', 've.suspend': 'Suspend', 've.resume': 'Resume', 've.reinstall': 'Reinstall',
  'template.build': 'Build template', 'template.import': 'Import template' };
const STATES = { QUEUED: 'waiting', RUNNING: 'in progress', SUCCEEDED: 'done', FAILED: 'failed', CANCELLED: 'cancelled' };

/** "Start server 101" rather than "ve.start ve/101". */
function describe(op) {
  const [kind, id] = op.target.split('/');
  return (ACTIONS[op.kind] || op.kind) + (kind === 've' ? ' server ' : ' ') + id;
}

function taskRow(op) {
  const failed = op.state === 'FAILED';
  return el('tr', { 'data-operation': op.id },
    el('td', {}, describe(op)),
    el('td', {}, el('span', { class: 'badge ' + (failed ? 'ERROR' : op.state === 'SUCCEEDED' ? 'RUNNING' : 'CREATING') }, STATES[op.state] || op.state),
      failed && op.error ? el('div', { class: 'error' }, sentence(op.error)) : '',
      !failed && op.state !== 'SUCCEEDED' && op.message ? el('div', { class: 'muted' }, sentence(op.message)) : ''),
    el('td', {}, el('progress', { max: 100, value: op.progress, 'aria-label': describe(op) + ': ' + op.progress + ' %' }), ' ', op.progress + ' %'),
    el('td', { class: 'optional' }, new Date(op.createdAt || Date.now()).toLocaleString()));
}

/** API messages are written lower-case to be embedded; standing alone they start with a capital and end with a stop. */
function sentence(text) {
  const t = String(text).trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

async function showTasks() {
  const operations = await api('GET', '/operations?limit=50');
  const tbody = el('tbody', { id: 'tasks' }, operations.map(taskRow));
  show(el('h1', {}, 'Tasks'), el('p', { class: 'muted' }, 'Every action on your servers, newest first; this list follows them as they run.'),
    el('div', { class: 'card' }, el('table', {},
      el('thead', {}, el('tr', {}, el('th', {}, 'What'), el('th', {}, 'State'), el('th', {}, 'Progress'), el('th', { class: 'optional' }, 'When'))),
      tbody)));
  const follow = op => {
    const existing = tbody.querySelector('[data-operation="' + op.id + '"]');
    if (existing) existing.replaceWith(taskRow(op));
    else tbody.prepend(taskRow(op));
  };
  operationListeners.add(follow);
  onLeave(() => operationListeners.delete(follow));
}

// ---- account: password, two-factor authentication, tokens, security log -----------------------------------------

async function showAccount() {
  me = await api('GET', '/me');
  const twoFactor = el('div', { id: 'two-factor' });
  const renderTwoFactor = () => {
    if (me.account.twoFactor) {
      twoFactor.replaceChildren(el('p', {}, 'Two-factor authentication is on.'),
        me.twoFactorRequired ? el('p', { class: 'muted' }, 'Your organisation requires it.')
          : form('disable-2fa', [['password', 'Password', 'password', { autocomplete: 'current-password' }]], 'Switch off', async f => {
            await api('DELETE', '/me/2fa', { password: f.password.value });
            me = await api('GET', '/me');
            renderTwoFactor();
          }));
      return;
    }
    twoFactor.replaceChildren(el('p', {}, 'Two-factor authentication is off.'),
      el('button', { type: 'button', id: 'enrol-2fa', onclick: async () => {
        const enrolment = await api('POST', '/me/2fa');
        const qr = window.qrcode(0, 'M');
        qr.addData(enrolment.otpauthUri);
        qr.make();
        twoFactor.replaceChildren(
          el('p', {}, 'Scan this code with your authenticator app, or type the key by hand, then enter the code it shows.'),
          el('img', { src: qr.createDataURL(5, 8), alt: 'QR code for your authenticator app', id: 'totp-qr' }),
          el('p', {}, 'Key: ', el('code', { id: 'totp-secret' }, enrolment.secret)),
          form('confirm-2fa', [['totp', 'Code from the app', 'text', { inputmode: 'numeric', autocomplete: 'one-time-code' }]], 'Switch on', async f => {
            const result = await api('POST', '/me/2fa/confirm', { totp: f.totp.value });
            me = await api('GET', '/me');
            twoFactor.replaceChildren(el('p', {}, 'Two-factor authentication is on. Keep these recovery codes somewhere safe; each works once, and they are not shown again.'),
              el('ul', { id: 'recovery-codes' }, result.recoveryCodes.map(code => el('li', {}, el('code', {}, code)))),
              el('button', { type: 'button', onclick: renderTwoFactor }, 'Done'));
          }));
        document.getElementById('confirm-2fa-totp').focus();
      } }, 'Set up two-factor authentication'));
  };
  renderTwoFactor();

  const tokens = el('div', { id: 'tokens' });
  const renderTokens = async () => {
    const list = await api('GET', '/me/tokens');
    const permissions = me.permissions.filter(p => p !== 'self');
    tokens.replaceChildren(
      list.length === 0 ? el('p', { class: 'muted' }, 'No API tokens.') : el('table', {},
        el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Permissions'), el('th', { class: 'optional' }, 'Last used'), el('th', {}, ''))),
        el('tbody', {}, list.map(t => el('tr', {}, el('td', {}, t.name), el('td', {}, t.permissions.join(', ')),
          el('td', { class: 'optional' }, t.revokedAt ? 'revoked' : t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'),
          el('td', {}, t.revokedAt ? '' : el('button', { type: 'button', class: 'danger', onclick: async () => {
            await api('DELETE', '/me/tokens/' + t.id); await renderTokens();
          } }, 'Revoke')))))),
      el('h3', {}, 'New token'),
      (() => {
        const f = form('new-token', [['name', 'Name'], ['ips', 'Allowed addresses (optional, comma-separated)', 'text', { required: false }],
          ['expires', 'Expires on (optional)', 'date', { required: false }]], 'Create token', async f => {
          const chosen = [...f.querySelectorAll('input[name=permission]:checked')].map(c => c.value);
          const body = { name: f.name.value, permissions: chosen };
          if (f.ips.value.trim()) body.allowedIps = f.ips.value.split(',').map(x => x.trim()).filter(Boolean);
          if (f.expires.value) body.expiresAt = new Date(f.expires.value + 'T23:59:59Z').toISOString();
          const created = await api('POST', '/me/tokens', body);
          await renderTokens();
          tokens.prepend(el('p', { role: 'status' }, 'Copy the token now; it is not shown again: ', el('code', { id: 'token-secret' }, created.secret)));
        });
        f.insertBefore(el('fieldset', {}, el('legend', {}, 'Permissions'), permissions.map(p => el('label', { class: 'check' },
          el('input', { type: 'checkbox', name: 'permission', value: p }), ' ' + p))), f.querySelector('.actions'));
        return f;
      })());
  };

  const log = await api('GET', '/me/security-log?limit=50');
  const notifications = await notificationsCard();
  const webhooks = el('div', { id: 'webhooks' });
  const renderWebhooks = me.permissions.includes('webhook.manage') ? () => drawWebhooks(webhooks) : async () => webhooks.remove();
  show(el('h1', {}, 'Account'),
    el('div', { class: 'card' }, el('p', {}, el('strong', {}, me.account.username), ' · ', me.account.role, ' · ', me.tenant ? me.tenant.name : '')),
    el('div', { class: 'card' }, el('h2', {}, 'Password'),
      form('change-password', [['current', 'Current password', 'password', { autocomplete: 'current-password' }],
        ['password', 'New password (12 characters or more)', 'password', { autocomplete: 'new-password', minlength: 12 }]], 'Change password', async f => {
        await api('POST', '/me/password', { current: f.current.value, password: f.password.value });
        f.reset();
        say('Password changed; your other sessions have ended.');
      })),
    el('div', { class: 'card' }, el('h2', {}, 'Two-factor authentication'), twoFactor),
    el('div', { class: 'card' }, el('h2', {}, 'API tokens'), tokens),
    el('div', { class: 'card' }, el('h2', {}, 'E-mail notifications'), notifications),
    el('div', { class: 'card' }, el('h2', {}, 'Webhooks'), webhooks),
    el('div', { class: 'card' }, el('h2', {}, 'Security log'), el('table', { id: 'security-log' },
      el('thead', {}, el('tr', {}, el('th', {}, 'When'), el('th', {}, 'What'), el('th', { class: 'optional' }, 'From'))),
      el('tbody', {}, log.map(e => el('tr', {}, el('td', {}, new Date(e.at).toLocaleString()),
        el('td', {}, e.action + (e.detail ? ' (' + e.detail + ')' : '')), el('td', { class: 'optional' }, e.sourceIp || '')))))));
  await renderTokens();
  await renderWebhooks();
}

/** Which events reach this account by e-mail: a checkbox each, saved as it is ticked. */
async function notificationsCard() {
  const prefs = await api('GET', '/me/notifications').catch(() => null);
  if (!prefs) return el('p', { class: 'muted' }, 'Notifications are not available.');
  return el('div', { id: 'notifications' }, me.account.email ? '' : el('p', { class: 'muted' }, 'Your account has no e-mail address yet.'),
    prefs.events.map(choice => el('label', { class: 'check' }, el('input', { type: 'checkbox', name: choice.event, checked: choice.email,
      onclick: async event => {
        try {
          await api('PUT', '/me/notifications', { choices: { [choice.event]: event.target.checked } });
          say(choice.description + ': ' + (event.target.checked ? 'mailed to you.' : 'not mailed.'));
        } catch (e) { event.target.checked = !event.target.checked; say(e.message); }
      } }), ' ' + choice.description)));
}

/** The tenant's webhooks: where events about its servers are posted, signed; the secret is shown once. */
async function drawWebhooks(area) {
  const hooks = await api('GET', '/webhooks');
  const add = form('new-webhook', [['url', 'Address (https://…)', 'url'], ['events', 'Events (e.g. ve.*, or * for all)', 'text', { value: 've.*' }]], 'Add webhook',
    async f => {
      const created = await api('POST', '/webhooks', { url: f.url.value, events: f.events.value.split(',').map(x => x.trim()).filter(Boolean) });
      await drawWebhooks(area);
      area.prepend(el('p', { role: 'status' }, 'Signing secret (copy it now; it is not shown again): ', el('code', { id: 'webhook-secret' }, created.secret)));
    });
  area.replaceChildren(hooks.length ? el('table', { id: 'webhook-list' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Address'), el('th', {}, 'Events'), el('th', {}, ''))),
    el('tbody', {}, hooks.map(h => el('tr', { 'data-webhook': h.url }, el('td', {}, h.url), el('td', {}, h.events.join(', ')),
      el('td', {}, el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: async () => {
          try { await api('POST', '/webhooks/' + h.id + '/ping'); say('A test delivery is on its way.'); } catch (e) { say(e.message); }
        } }, 'Send test'),
        el('button', { type: 'button', onclick: () => showDeliveries(h) }, 'Deliveries'),
        el('button', { type: 'button', class: 'danger', onclick: async () => {
          try { await api('DELETE', '/webhooks/' + h.id); await drawWebhooks(area); } catch (e) { say(e.message); }
        } }, 'Delete'))))))) : el('p', { class: 'muted' }, 'No webhooks.'), el('h3', {}, 'New webhook'), add);
}

async function showDeliveries(h) {
  const deliveries = await api('GET', '/webhooks/' + h.id + '/deliveries').catch(e => { say(e.message); return null; });
  if (!deliveries) return;
  const dialog = el('dialog', { 'aria-labelledby': 'deliveries-title' }, el('h2', { id: 'deliveries-title' }, 'Deliveries to ' + h.url),
    deliveries.length ? el('table', {}, el('tbody', {}, deliveries.map(d => el('tr', {}, el('td', {}, new Date(d.createdAt).toLocaleString()),
      el('td', {}, d.event), el('td', {}, d.state + ' after ' + d.attempts + ' attempt(s)' + (d.lastStatus ? ', answered ' + d.lastStatus : '')
        + (d.lastError ? ': ' + d.lastError : '')))))) : el('p', {}, 'Nothing sent yet.'),
    el('div', { class: 'actions' }, el('button', { type: 'button', onclick: () => dialog.close() }, 'Close')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

// ---- routing ------------------------------------------------------------------------------------------------

let routing = null;

async function route() {
  if (!me) return;
  const hash = location.hash || '#/ves';
  if (routing === hash) return; // already being drawn (login and a link can ask at the same moment)
  routing = hash;
  try {
    await draw(hash);
  } finally {
    if (routing === hash) routing = null;
  }
}

async function draw(hash) {
  const ve = hash.match(/^#\/ves\/(\d+)$/);
  try {
    if (ve) await showVe(ve[1]);
    else if (hash === '#/tasks') await showTasks();
    else if (hash === '#/account') await showAccount();
    else if (hash.startsWith('#/plugin/')) await showPluginPage(hash, me);
    else await showVes();
  } catch (e) {
    if (e.status !== 401) say(e.message);
  }
}

// ---- single sign-on from a billing system -----------------------------------------------------------------

// A one-time login link (/portal/#sso=<secret>, valid for a minute) logs nobody in by being opened: the page shows
// whose account it opens and logs in only when the user confirms, so a link planted elsewhere cannot log a
// browser into someone else's account.
async function confirmLoginLink(token) {
  history.replaceState(null, '', location.pathname); // the secret leaves the address bar and the history
  document.getElementById('nav').hidden = true;
  let target;
  try {
    target = await api('POST', '/auth/login-link/peek', { token });
  } catch (e) {
    showLogin(false, e.message);
    return;
  }
  const error = el('p', { class: 'error', role: 'alert', id: 'sso-error' });
  // the code field is only added when the account turns out to use two-factor authentication
  const code = el('input', { id: 'sso-totp', name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', required: true });
  const codeBox = el('div');
  const confirm = el('form', { class: 'card login', id: 'sso', onsubmit: async event => {
    event.preventDefault();
    const body = { token };
    if (code.isConnected) body.totp = code.value;
    try {
      await api('POST', '/auth/login-link', body);
      location.hash = '#/ves';
      await start();
    } catch (e) {
      if (e.type && e.type.endsWith('/totp-required')) {
        codeBox.replaceChildren(el('label', { for: 'sso-totp' }, 'Code from your authenticator app'), code);
        code.focus();
      } else {
        error.textContent = e.message;
      }
    }
  } },
  el('h1', {}, 'Open your control panel'),
  el('p', {}, 'Log in as ', el('strong', { id: 'sso-user' }, target.username), target.tenant ? ' (' + target.tenant + ')' : '', '?'),
  el('p', { class: 'hint' }, 'Continue only if you opened this link yourself, from your billing area.'),
  codeBox,
  el('div', { class: 'actions' },
    el('button', { type: 'submit', class: 'primary', id: 'sso-continue' }, 'Continue as ' + target.username),
    el('button', { type: 'button', id: 'sso-cancel', onclick: () => showLogin() }, 'Cancel')),
  error);
  show(confirm);
  document.getElementById('sso-continue').focus();
}

async function start() {
  if (location.hash.startsWith('#sso=')) {
    await confirmLoginLink(decodeURIComponent(location.hash.slice(5)));
    return;
  }
  try {
    const session = await api('GET', '/auth/session');
    if (!session.loggedIn) { me = null; showLogin(); return; }
    me = await api('GET', '/me');
  } catch (e) {
    me = null;
    return;
  }
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = me.account.username;
  const banner = document.getElementById('banner');
  banner.hidden = !me.impersonator;
  banner.replaceChildren(...(me.impersonator ? ['You (' + me.impersonator + ') are acting as ' + me.account.username + '. ',
    el('button', { type: 'button', id: 'end-impersonation', onclick: async () => {
      const back = await api('POST', '/auth/impersonation/end').catch(e => { say(e.message); return null; });
      if (back) location.href = '/admin/#/customers';
    } }, 'Return to your own account')] : []));
  await loadPluginMenu('portal');
  listen();
  if (me.mustEnrolTwoFactor) {
    banner.hidden = false;
    banner.textContent = 'Your organisation requires two-factor authentication: set it up below to continue.';
    if (location.hash !== '#/account') { location.hash = '#/account'; return; }
  }
  await route();
}

document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', '/auth/logout').catch(() => null);
  me = null;
  showLogin();
});
session.onLogin = start;
session.onLogout = () => { if (events) { events.close(); events = null; } };
window.addEventListener('hashchange', () => (location.hash.startsWith('#sso=') ? start() : route()));
start();
