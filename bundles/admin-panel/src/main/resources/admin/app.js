// The provider's and resellers' admin panel over /api/v1: what the caller's role allows, for their part of the
// tenancy tree. Shares the portal's helpers and styles.

import { api, ask, badge, el, form, gauge, loadPluginMenu, onLeave, refreshAfterReconnect, say, session, show, showLogin, showPluginPage, size } from '/portal/ui.js';

let me = null;
let events = null;

// whether the event stream was open before: a stream that opens again missed what changed meanwhile
let connectedBefore = false;

function listen() {
  if (events) return;
  events = new EventSource('/api/v1/events');
  events.addEventListener('ready', () => {
    document.body.dataset.live = 'true';
    // reconnected: plugin events may have been missed meanwhile (the API is rebuilt as plugins come and go)
    if (connectedBefore) loadPluginMenu('admin').then(() => refreshAfterReconnect(route, showState));
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
  // a plugin's pages came or went: the menu follows, and an open plugin page is drawn again (or said to be gone)
  events.addEventListener('plugin', () => { if (location.hash === '#/plugins') route(); });
  events.addEventListener('ui', async () => {
    if (await loadPluginMenu('admin') && location.hash.startsWith('#/plugin/')) route();
  });
  events.addEventListener('operation', message => {
    const op = JSON.parse(message.data);
    if (op.state === 'FAILED') say(op.error || 'An action failed.');
    if (op.state === 'SUCCEEDED' && (op.kind === 've.create' || op.kind === 've.migrate') && location.hash === '#/ves') route();
    if (op.state === 'SUCCEEDED' && op.kind === 'node.drain') say(op.message || 'The node is drained.');
    const bar = document.getElementById('progress-' + op.id);
    if (bar) {
      bar.value = op.progress;
      document.getElementById('progress-text-' + op.id).textContent = ' ' + op.progress + ' % ' + (op.message || op.state.toLowerCase()) + (op.error ? ': ' + op.error : '');
      if (op.state === 'SUCCEEDED') route();
    }
  });
}

function showState(ve) {
  for (const node of document.querySelectorAll('[data-ve-state="' + ve.id + '"]')) {
    node.textContent = ve.state;
    node.className = 'badge ' + ve.state;
  }
}

function select(id, label, options, value) {
  return [el('label', { for: id }, label), el('select', { id, name: id.split('-').pop() },
    options.map(([v, text]) => el('option', { value: v, selected: v === value }, text)))];
}

// ---- dashboard --------------------------------------------------------------------------------------------------

async function showDashboard() {
  const [health, nodes, ves] = await Promise.all([api('GET', '/health'), api('GET', '/nodes').catch(() => []), api('GET', '/ves')]);
  const counts = {};
  ves.forEach(ve => { counts[ve.state] = (counts[ve.state] || 0) + 1; });
  show(el('h1', {}, 'Dashboard'),
    el('div', { class: 'card grid', id: 'health' }, Object.entries(health.checks || {}).map(([name, check]) =>
      el('div', {}, el('strong', {}, name), ' ', el('span', { class: 'badge ' + (check.status === 'UP' ? 'RUNNING' : 'ERROR') }, check.status),
        el('div', { class: 'muted' }, check.summary || check.message || '')))),
    el('div', { class: 'card' }, el('strong', {}, 'VEs'), el('div', { id: 've-counts' }, ves.length + ' in all' +
      Object.entries(counts).map(([state, n]) => ', ' + n + ' ' + state.toLowerCase()).join(''))),
    mixedVersions(nodes),
    ...nodes.map(nodeCard),
    me.permissions.includes('node.manage') ? addServerCard() : '');
  // load, memory and the pool move by themselves: refreshed while the dashboard is open
  const timer = setInterval(async () => {
    const fresh = await api('GET', '/nodes').catch(() => null);
    if (!fresh) return;
    for (const n of fresh) {
      const card = document.querySelector('[data-node="' + n.node.id + '"]');
      if (card) card.replaceWith(nodeCard(n));
    }
  }, 10000);
  onLeave(() => clearInterval(timer));
}

/** During a rolling upgrade: which nodes run which Vessel, so the provider sees what is left to upgrade. */
function mixedVersions(nodes) {
  const versions = {};
  nodes.filter(n => n.node.version).forEach(n => { (versions[n.node.version] = versions[n.node.version] || []).push(n.node.hostname); });
  if (Object.keys(versions).length < 2) return '';
  return el('div', { class: 'card', id: 'mixed-versions' }, el('strong', {}, 'Nodes run different Vessel versions'), ' — a rolling upgrade ' +
    'is under way: ' + Object.entries(versions).map(([v, hosts]) => v + ' on ' + hosts.join(', ')).join('; ') + '.');
}

/** A node's capacity: load against its processors, memory, the storage pool and its VEs. */
function nodeCard(n) {
  const s = n.status;
  const id = n.node.id.slice(0, 8);
  const facts = el('div', { class: 'muted', 'data-node-version': n.node.id }, (n.node.version ? 'Vessel ' + n.node.version + ' · ' : '') +
    'kernel ' + ((n.capabilities && n.capabilities.kernelRelease) || '') +
    (n.local ? ' · this server' : '') + (s ? ' · up ' + duration(s.uptimeSeconds) : ''));
  if (n.node.health === 'UNREACHABLE') return el('div', { class: 'card', 'data-node': n.node.id },
    el('h2', {}, 'Node ' + n.node.hostname, ' ', el('span', { class: 'badge ERROR', 'data-node-health': n.node.id }, 'unreachable')),
    el('p', {}, 'Not heard from since ' + new Date(n.node.lastHeartbeatAt).toLocaleString() + '. Its VEs show as UNKNOWN until it is back.'));
  if (n.node.role === 'panel') return el('div', { class: 'card', 'data-node': n.node.id }, el('h2', {}, 'Panel ' + n.node.hostname), facts,
    placementLine(n), el('p', {}, 'Serves the web and the API for the nodes\' VEs and runs none of its own; online, last heard from ' +
      new Date(n.node.lastHeartbeatAt).toLocaleString() + '.'));
  if (!s && !n.local) return el('div', { class: 'card', 'data-node': n.node.id }, el('h2', {}, 'Node ' + n.node.hostname), facts,
    el('p', {}, 'Online; last heard from ' + new Date(n.node.lastHeartbeatAt).toLocaleString() + '.'));
  if (!s) return el('div', { class: 'card', 'data-node': n.node.id }, el('h2', {}, 'Node ' + n.node.hostname), facts,
    el('p', {}, 'No figures: VEs are unavailable on this node (see the kernel check above).'));
  const memoryUsed = s.memoryTotalBytes - s.memoryAvailableBytes;
  const storageUsed = s.storageTotalBytes - s.storageFreeBytes;
  return el('div', { class: 'card', 'data-node': n.node.id }, el('h2', {}, 'Node ' + n.node.hostname), facts, placementLine(n),
    el('div', { class: 'grid' },
      gauge('load-' + id, 'Load', s.load1, s.cpus, s.load1.toFixed(2) + ' / ' + s.load5.toFixed(2) + ' / ' + s.load15.toFixed(2) + ' on ' + s.cpus + ' CPUs'),
      gauge('memory-' + id, 'Memory', memoryUsed, s.memoryTotalBytes, size(memoryUsed) + ' of ' + size(s.memoryTotalBytes)),
      gauge('storage-' + id, 'Storage pool', storageUsed, s.storageTotalBytes, size(storageUsed) + ' of ' + size(s.storageTotalBytes)),
      gauge('ves-' + id, 'Running VEs', s.runningVes, Math.max(s.ves, 1), s.runningVes + ' of ' + s.ves)));
}

/**
 * Another server into the installation: a one-time token (an hour) and the command to run there, shown once. The
 * server then joins by itself; its card appears here when it starts.
 */
function addServerCard() {
  const out = el('div', { id: 'enrolment' });
  const enrol = async () => {
    try {
      const e = await api('POST', '/nodes/enrolments', {});
      out.replaceChildren(el('p', {}, 'Run this as root on the new server before ' + new Date(e.expiresAt).toLocaleTimeString() +
        ' (the token works once and is not shown again):'), el('pre', { id: 'join-command' }, el('code', {}, e.command)));
    } catch (err) { say(err.message); }
  };
  return el('div', { class: 'card' }, el('h2', {}, 'Add a server'),
    el('p', { class: 'muted' }, 'Vessel installs on the new server as here; it then joins this installation with a one-time token ' +
      'and shares its PostgreSQL database.'),
    el('button', { type: 'button', id: 'add-server', onclick: enrol }, 'Add a server…'), out);
}

/** What placement weighs on the node (labels, overcommit ratios), and the button to change it. */
function placementLine(n) {
  if (n.node.role === 'panel') {
    return el('div', { class: 'muted', 'data-node-placement': n.node.id },
      el('span', { class: 'badge', 'data-node-panel': n.node.id, title: 'server.role = panel: web and API for the nodes\' VEs, none of its own' },
        'panel without VEs'));
  }
  const labels = Object.entries(n.node.labels || {}).map(([k, v]) => k + '=' + v);
  const o = n.node.overcommit || {};
  const ratios = ['cpu', 'memory', 'disk'].filter(r => o[r] != null).map(r => r + ' ×' + o[r]);
  return el('div', { class: 'muted', 'data-node-placement': n.node.id },
    n.channel && n.channel.agent ? el('span', { class: 'badge', 'data-node-agent': n.node.id, title: 'VEs only: no web tier, a database role of its own' },
      'node agent') : '', ' ',
    n.mode && n.mode !== 'ACTIVE' ? el('span', { class: 'badge ' + (n.mode === 'MAINTENANCE' ? 'STOPPED' : 'UNKNOWN'), 'data-node-mode': n.node.id },
      n.mode === 'MAINTENANCE' ? 'maintenance: no VEs, safe to take down' : 'draining') : '', ' ',
    (n.node.acceptsNewVes === false ? 'Takes no new VEs · ' : '') +
    'Labels: ' + (labels.length ? labels.join(', ') : 'none') + ' · overcommit: ' + (ratios.length ? ratios.join(', ') : 'no caps') + ' ',
    el('button', { type: 'button', 'aria-label': 'Placement of ' + n.node.hostname, onclick: () => editPlacement(n) }, 'Placement…'), ' ',
    el('button', { type: 'button', 'aria-label': 'Drain ' + n.node.hostname, onclick: () => drainNode(n) }, 'Drain…'));
}

/** Maintenance: every VE of the node moved to the others; new VEs stay off it until the provider lets them back. */
async function drainNode(n) {
  const sure = await ask('Drain ' + n.node.hostname, [['confirm', 'Move every VE of ' + n.node.hostname + ' to the other nodes (running ones are ' +
    'stopped for the move and started there). New VEs stay off this node until you tick "Takes new VEs" under Placement.', 'checkbox']],
  'Drain', () => api('POST', '/nodes/' + n.node.id + '/drain'));
  if (sure) done('Draining ' + n.node.hostname + '…');
}

/** A node as people tell them apart: its host name and the start of its id (two nodes may share a host name). */
function nodeName(nodes, id) {
  const n = nodes.find(x => x.node.id === id);
  return (n ? n.node.hostname : '?') + ' (' + String(id).slice(0, 8) + ')';
}

/** Moves a VE to another node, cold: stopped for the move if it runs, started there again. */
async function moveVe(ve, nodes) {
  const others = nodes.filter(n => n.node.id !== ve.node && n.node.role !== 'panel');
  const moved = await ask('Move ' + ve.name + ' to another node', [['node', 'To node (its files go with it; a running VE is stopped for the move ' +
    'and started there)', 'select', { options: others.map(n => [n.node.id, nodeName(nodes, n.node.id) +
      (n.node.acceptsNewVes === false ? ' — takes no new VEs' : '') + (n.node.health === 'UNREACHABLE' ? ' — out of reach' : '')]) }],
    ['live', 'Try to move it live (checkpointed with CRIU, experimental); where that cannot be done it moves cold and says why', 'checkbox',
      { required: false }]],
  'Move', values => api('POST', '/ves/' + ve.id + '/migrate', { node: values.node.value, live: values.live.checked }));
  if (moved) say('Moving ' + ve.name + ' to ' + nodeName(nodes, moved.node.value) + '…');
}

async function editPlacement(n) {
  const o = n.node.overcommit || {};
  const ratio = name => [name, name[0].toUpperCase() + name.slice(1) + ' overcommit ratio (empty: no cap; 1 allots no more than the node has)',
    'number', { required: false, min: '0.1', max: '100', step: '0.05', value: o[name] == null ? '' : String(o[name]) }];
  const saved = await ask('Placement on ' + n.node.hostname, [
    ['labels', 'Labels, e.g. disk=ssd, zone=eu', 'text', { required: false, value: Object.entries(n.node.labels || {}).map(([k, v]) => k + '=' + v).join(', ') }],
    ratio('cpu'), ratio('memory'), ratio('disk'),
    ['accepts', 'Takes new VEs (untick to keep new VEs off it, e.g. before maintenance; its VEs run on)', 'checkbox',
      { required: false, checked: n.node.acceptsNewVes !== false }]], 'Save', values => {
    const labels = {};
    for (const pair of values.labels.value.split(',').map(p => p.trim()).filter(p => p)) {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error('Write each label as key=value: ' + pair);
      labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    const number = f => f.value === '' ? null : Number(f.value);
    return api('PATCH', '/nodes/' + n.node.id, { labels, acceptsNewVes: values.accepts.checked,
      overcommit: { cpu: number(values.cpu), memory: number(values.memory), disk: number(values.disk) } });
  });
  if (saved) done('Placement on ' + n.node.hostname + ' saved.');
}

function duration(seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  return days ? days + ' d ' + hours + ' h' : hours + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
}

// ---- customers and resellers, and their accounts -------------------------------------------------------------------

async function showCustomers() {
  const [tenants, accounts, roles] = await Promise.all([api('GET', '/tenants'), api('GET', '/accounts'), api('GET', '/roles').catch(() => [])]);
  const names = Object.fromEntries(tenants.map(t => [t.id, t.name]));
  const below = tenants.filter(t => t.id !== me.tenant.id);
  const tenantRows = below.map(t => el('tr', { 'data-tenant': t.name },
    el('td', {}, t.name), el('td', {}, t.kind.toLowerCase()), el('td', { class: 'optional' }, names[t.parentId] || ''),
    el('td', {}, t.suspendedAt ? 'suspended: ' + t.suspendedReason : 'active', t.require2fa ? el('div', { class: 'muted' }, '2FA required') : ''),
    el('td', {}, el('div', { class: 'actions' },
      el('button', { type: 'button', 'aria-label': 'Edit ' + t.name, onclick: () => editTenant(t) }, 'Edit'),
      t.suspendedAt
        ? el('button', { type: 'button', onclick: () => act(api('PATCH', '/tenants/' + t.id, { suspended: false }), t.name + ' may log in again.') }, 'Unsuspend')
        : el('button', { type: 'button', class: 'danger', 'aria-label': 'Suspend ' + t.name, onclick: () => suspendTenant(t) }, 'Suspend'),
      el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + t.name, onclick: () => deleteTenant(t) }, 'Delete')))));
  const accountRows = accounts.filter(a => a.id !== me.account.id).map(a => el('tr', { 'data-account': a.username },
    el('td', {}, a.username), el('td', {}, names[a.tenantId] || ''), el('td', {}, a.role),
    el('td', {}, a.tenantId === me.tenant.id ? '' : el('button', { type: 'button', onclick: async () => {
      try {
        await api('POST', '/accounts/' + a.id + '/impersonate');
        location.href = '/portal/';
      } catch (e) { say(e.message); }
    } }, 'Act as'))));
  const newTenant = form('new-tenant', [['name', 'Name']], 'Create', async f => {
    const created = await api('POST', '/tenants', { name: f.name.value, kind: f.kind.value, parentId: f.parent.value || undefined });
    say(created.name + ' created.');
    route();
  });
  newTenant.insertBefore(el('div', {}, select('new-tenant-kind', 'Kind', [['CUSTOMER', 'Customer'], ['RESELLER', 'Reseller']], 'CUSTOMER'),
    select('new-tenant-parent', 'Belongs to', tenants.filter(t => t.kind !== 'CUSTOMER').map(t => [t.id, t.name]), me.tenant.id)),
  newTenant.querySelector('.actions'));
  const roleNames = [...new Set(['customer-owner', 'customer-member', 'reseller-admin', 'auditor', ...roles.map(r => r.name)])];
  const newAccount = form('new-account', [['username', 'Username', 'text', { autocomplete: 'off' }],
    ['password', 'Password (12 characters or more)', 'password', { autocomplete: 'new-password', minlength: 12 }]], 'Create account', async f => {
    const created = await api('POST', '/accounts', { tenantId: f.tenant.value, username: f.username.value, role: f.role.value, password: f.password.value });
    say('Account ' + created.username + ' created.');
    route();
  });
  newAccount.insertBefore(el('div', {}, select('new-account-tenant', 'Tenant', tenants.map(t => [t.id, t.name]), below.length ? below[0].id : me.tenant.id),
    select('new-account-role', 'Role', roleNames.map(r => [r, r]), 'customer-owner')), newAccount.querySelector('.actions'));
  show(el('h1', {}, 'Customers'),
    el('div', { class: 'card' }, el('table', { id: 'tenants' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Kind'), el('th', { class: 'optional' }, 'Belongs to'), el('th', {}, 'State'), el('th', {}, ''))),
      el('tbody', {}, tenantRows))),
    el('div', { class: 'card' }, el('h2', {}, 'New customer or reseller'), newTenant),
    el('div', { class: 'card' }, el('h2', {}, 'Accounts'), el('table', { id: 'accounts' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Username'), el('th', {}, 'Tenant'), el('th', {}, 'Role'), el('th', {}, ''))),
      el('tbody', {}, accountRows)), el('h3', {}, 'New account'), newAccount));
}

/** Runs a change, then says so and redraws; a refusal is said instead. */
async function act(request, message) {
  try {
    await request;
    done(message);
  } catch (e) {
    say(e.message);
  }
}

function done(message) {
  if (message) say(message);
  route();
}

async function editTenant(t) {
  const saved = await ask('Edit ' + t.name, [['name', 'Name', 'text', { value: t.name, maxlength: 100 }],
    ['require2fa', 'Accounts must use two-factor authentication', 'checkbox', { required: false, checked: t.require2fa }]], 'Save',
  values => api('PATCH', '/tenants/' + t.id, { name: values.name.value, require2fa: values.require2fa.checked }));
  if (saved) done(t.name + ' saved.');
}

async function suspendTenant(t) {
  const suspended = await ask('Suspend ' + t.name, [['reason', 'Reason (its users see this when they try to log in)', 'text', { maxlength: 500 }]],
    'Suspend', values => api('PATCH', '/tenants/' + t.id, { suspended: true, suspendedReason: values.reason.value }));
  if (suspended) done(t.name + ' is suspended.');
}

/** Deleting is for empty tenants (no VEs, no customers below); the API says what is left when it refuses. */
async function deleteTenant(t) {
  const deleted = await ask('Delete ' + t.name, [['confirm', 'Type ' + t.name + ' to delete it and its accounts', 'text', { autocomplete: 'off' }]],
    'Delete', async values => {
      if (values.confirm.value !== t.name) throw new Error('The name does not match; nothing was deleted.');
      await api('DELETE', '/tenants/' + t.id);
    });
  if (deleted) done(t.name + ' deleted.');
}

// ---- VEs of every tenant ------------------------------------------------------------------------------------------

let veFilters = { owner: '', state: '', text: '' };

async function showVes() {
  const [ves, tenants, templates, pools, nodes] = await Promise.all([api('GET', '/ves'), api('GET', '/tenants'), api('GET', '/templates'),
    api('GET', '/ip-pools').catch(() => []), api('GET', '/nodes').catch(() => [])]);
  // with more than one node: which node each VE is on, and moving it to another
  const cluster = nodes.length > 1;
  const names = Object.fromEntries(tenants.map(t => [t.id, t.name]));
  const tbody = el('tbody', {});
  const count = el('p', { class: 'muted', id: 've-count', role: 'status' });
  const draw = () => {
    const text = veFilters.text.trim().toLowerCase();
    const shown = ves.filter(ve => (!veFilters.owner || (ve.owner || 'provider') === veFilters.owner)
      && (!veFilters.state || ve.state === veFilters.state)
      && (!text || [ve.name, ve.hostname, String(ve.id)].some(v => v && String(v).toLowerCase().includes(text))));
    tbody.replaceChildren(...shown.map(ve => el('tr', { 'data-ve': ve.hostname },
      el('td', {}, ve.name), el('td', {}, ve.hostname), el('td', {}, names[ve.owner] || (ve.owner ? '?' : 'provider')),
      el('td', {}, badge(ve.state, ve.id)), el('td', { class: 'optional' }, size(ve.limits.memoryBytes)),
      cluster ? el('td', { class: 'optional', 'data-ve-node': ve.hostname }, nodeName(nodes, ve.node)) : '',
      el('td', {}, el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: () => api('POST', '/ves/' + ve.id + '/start').catch(e => say(e.message)) }, 'Start'),
        el('button', { type: 'button', onclick: () => api('POST', '/ves/' + ve.id + '/stop').catch(e => say(e.message)) }, 'Stop'),
        el('button', { type: 'button', 'data-limits': ve.hostname, onclick: () => editLimits(ve) }, 'Limits'),
        cluster ? el('button', { type: 'button', 'data-move': ve.hostname, onclick: () => moveVe(ve, nodes) }, 'Move…') : '')))));
    count.textContent = shown.length === ves.length ? ves.length + ' VEs' : shown.length + ' of ' + ves.length + ' VEs';
  };
  const filterSelect = (key, label, options) => {
    const [l, s] = select('filter-' + key, label, options, veFilters[key]);
    s.addEventListener('change', () => { veFilters[key] = s.value; draw(); });
    return el('div', {}, l, s);
  };
  const search = el('input', { id: 'filter-text', type: 'search', value: veFilters.text, placeholder: 'name, hostname or id' });
  search.addEventListener('input', () => { veFilters.text = search.value; draw(); });
  const filters = el('div', { class: 'filters', role: 'search' },
    filterSelect('owner', 'Customer', [['', 'all'], ['provider', 'the provider']].concat(tenants.filter(t => t.id !== me.tenant.id).map(t => [t.id, t.name]))),
    filterSelect('state', 'State', [['', 'all'], ...['RUNNING', 'STOPPED', 'SUSPENDED', 'CREATING', 'ERROR'].map(st => [st, st.toLowerCase()])]),
    el('div', {}, el('label', { for: 'filter-text' }, 'Search'), search));
  draw();
  const ready = [...new Set(templates.filter(t => t.state === 'READY' && !t.retired).map(t => t.name))];
  const create = form('new-ve', [['hostname', 'Hostname'], ['memory', 'Memory (MiB)', 'number', { value: 512, min: 16 }],
    ['disk', 'Disk (MiB)', 'number', { value: 2048, min: 64 }], ['cpu', 'CPU weight (1–10000)', 'number', { value: 100, min: 1, max: 10000 }]],
  'Create VE', async f => {
    await api('POST', '/ves', { template: f.template.value, hostname: f.hostname.value, name: f.hostname.value,
      owner: f.owner.value || undefined, ipPool: f.pool.value || undefined,
      limits: { memoryBytes: Number(f.memory.value) * 1048576, diskBytes: Number(f.disk.value) * 1048576, cpuWeight: Number(f.cpu.value) } });
    say('Creating ' + f.hostname.value + '…');
  });
  create.insertBefore(el('div', {}, select('new-ve-owner', 'Customer', tenants.filter(t => t.id !== me.tenant.id).map(t => [t.id, t.name])
    .concat([['', 'the provider itself']])), select('new-ve-template', 'Template', ready.map(t => [t, t]), 'busybox'),
  select('new-ve-pool', 'Address from IP pool', [['', 'none for now']].concat(pools.map(p => [p.name, p.name + ' (' + p.cidr + ')'])), '')),
  create.querySelector('.actions'));
  show(el('h1', {}, 'VEs'),
    el('div', { class: 'card' }, filters, count, el('table', { id: 'ves' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Hostname'), el('th', {}, 'Customer'), el('th', {}, 'State'),
        el('th', { class: 'optional' }, 'Memory'), cluster ? el('th', { class: 'optional' }, 'Node') : '', el('th', {}, ''))),
      tbody)),
    el('div', { class: 'card' }, el('h2', {}, 'New VE'), create));
}

/**
 * Limits change live on a running VE (cgroups, quota, traffic shaping); nesting (containers inside) applies at its
 * next start and is never offered for a privileged VE.
 */
function editLimits(ve) {
  const mib = 1048576;
  const nesting = !!(ve.features && ve.features.nesting);
  const f = form('limits-' + ve.id, [['memory', 'Memory (MiB)', 'number', { value: ve.limits.memoryBytes / mib, min: 16 }],
    ['disk', 'Disk (MiB)', 'number', { value: ve.limits.diskBytes / mib, min: 64 }],
    ['cpu', 'CPU weight (1–10000)', 'number', { value: ve.limits.cpuWeight, min: 1, max: 10000 }],
    ['processes', 'Processes', 'number', { value: ve.limits.processes, min: 16 }],
    ['nesting', 'Containers inside (Docker, Podman) — from the next start', 'checkbox',
      { required: false, checked: nesting, disabled: ve.privileged }]], 'Save limits', async values => {
    const changes = { limits: { memoryBytes: Number(values.memory.value) * mib, diskBytes: Number(values.disk.value) * mib,
      cpuWeight: Number(values.cpu.value), processes: Number(values.processes.value) } };
    if (!ve.privileged && values.nesting.checked !== nesting) changes.features = { nesting: values.nesting.checked };
    await api('PATCH', '/ves/' + ve.id, changes);
    say('Limits of ' + ve.name + ' changed.');
    route();
  });
  show(el('p', {}, el('a', { href: '#/ves' }, '← VEs')), el('h1', {}, 'Limits of ' + ve.name), el('div', { class: 'card' }, f));
}

// ---- templates ------------------------------------------------------------------------------------------------------

async function showTemplates() {
  const templates = await api('GET', '/templates');
  const rows = templates.map(t => el('tr', { 'data-template': t.name + '@' + t.version },
    el('td', {}, t.name + '@' + t.version),
    el('td', {}, el('span', { class: 'badge ' + (t.state === 'READY' ? 'RUNNING' : t.state === 'FAILED' ? 'ERROR' : 'CREATING') }, t.state)),
    el('td', { class: 'optional' }, t.osName || t.description || ''), el('td', { class: 'optional' }, t.sizeBytes ? size(t.sizeBytes) : ''),
    el('td', {}, String(t.vesUsing)), el('td', {}, t.retired ? 'retired' : ''),
    el('td', {}, el('button', { type: 'button', onclick: () => act(api('PATCH', '/templates/' + t.name, { retired: !t.retired })) },
      t.retired ? 'Allow again' : 'Retire'), ' ',
    el('button', { type: 'button', class: 'danger', onclick: () => act(api('DELETE', '/templates/' + t.name + '/' + t.version)) }, 'Delete'))));
  const progress = el('div', { id: 'build-progress', role: 'status' });
  const build = form('build-template', [['name', 'Name (e.g. debian-12)'], ['suite', 'Debian suite', 'text', { value: 'bookworm' }]], 'Build', async f => {
    const op = await api('POST', '/templates', { name: f.name.value, source: 'debootstrap', suite: f.suite.value });
    progress.replaceChildren(el('label', { for: 'progress-' + op.id }, 'Building ' + f.name.value), el('progress', { id: 'progress-' + op.id, max: 100, value: 0 }),
      el('span', { id: 'progress-text-' + op.id }, ''));
  });
  const upload = form('import-template', [['name', 'Name'], ['file', 'Root file system tarball (.tar, .tar.gz, .tar.xz, .tar.zst)', 'file']], 'Import', async f => {
    const file = f.file.files[0];
    const response = await fetch('/api/v1/templates/import?name=' + encodeURIComponent(f.name.value) + '&filename=' + encodeURIComponent(file.name),
      { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/octet-stream' }, body: file });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.detail) || 'The import was refused.');
    say('Importing ' + f.name.value + '…');
  });
  show(el('h1', {}, 'Templates'),
    el('div', { class: 'card' }, el('table', { id: 'templates' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Template'), el('th', {}, 'State'), el('th', { class: 'optional' }, 'System'),
        el('th', { class: 'optional' }, 'Size'), el('th', {}, 'VEs'), el('th', {}, ''), el('th', {}, ''))),
      el('tbody', {}, rows))),
    el('div', { class: 'card' }, el('h2', {}, 'Build a Debian template'), build, progress),
    el('div', { class: 'card' }, el('h2', {}, 'Import a tarball'), upload));
}

// ---- IP pools -------------------------------------------------------------------------------------------------------

async function showPools() {
  const [pools, tenants, nodes] = await Promise.all([api('GET', '/ip-pools'), api('GET', '/tenants'), api('GET', '/nodes').catch(() => [])]);
  const names = Object.fromEntries(tenants.map(t => [t.id, t.name]));
  const hosts = Object.fromEntries(nodes.map(n => [n.node.id, n.node.hostname]));
  const create = form('new-pool', [['name', 'Name'], ['cidr', 'Network (e.g. 192.0.2.0/24 or 2001:db8::/64)'],
    ['dns', 'Name servers (optional, comma-separated)', 'text', { required: false }]], 'Create pool', async f => {
    const body = { name: f.name.value, cidr: f.cidr.value, mode: f.mode.value };
    if (f.dns.value.trim()) body.dns = f.dns.value.split(',').map(x => x.trim());
    if (f.owner.value) body.owner = f.owner.value;
    const reached = [...f.querySelectorAll('input[name=reach]:checked')].map(c => c.value);
    if (reached.length) body.nodes = reached;
    await api('POST', '/ip-pools', body);
    route();
  });
  create.insertBefore(el('div', {}, select('new-pool-mode', 'Mode', [['NAT', 'NAT (the node is the gateway)'], ['BRIDGED', 'Bridged (public addresses)']], 'NAT'),
    select('new-pool-owner', 'For', [['', 'every customer']].concat(tenants.filter(t => t.id !== me.tenant.id).map(t => [t.id, t.name])), '')),
  create.querySelector('.actions'));
  // with several nodes: the ones the pool's network reaches (a bridged LAN some servers are cabled to); none ticked: all
  if (nodes.length > 1) create.insertBefore(el('fieldset', { id: 'new-pool-nodes' }, el('legend', {}, 'Reaches (none ticked: every node)'),
    ...nodes.map(n => el('label', {}, el('input', { type: 'checkbox', name: 'reach', value: n.node.id, 'data-reach': n.node.id }), ' ' + n.node.hostname, ' '))),
  create.querySelector('.actions'));
  show(el('h1', {}, 'IP pools'),
    el('div', { class: 'card' }, el('table', { id: 'pools' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Network'), el('th', { class: 'optional' }, 'Mode'), el('th', {}, 'In use'),
        el('th', { class: 'optional' }, 'For'), el('th', { class: 'optional' }, 'Nodes'), el('th', {}, ''))),
      el('tbody', {}, pools.map(p => el('tr', { 'data-pool': p.name }, el('td', {}, p.name), el('td', {}, p.cidr), el('td', { class: 'optional' }, p.mode),
        el('td', {}, p.allocated + ' of ' + p.capacity), el('td', { class: 'optional' }, p.owner ? names[p.owner] || '?' : 'everyone'),
        el('td', { class: 'optional', 'data-pool-nodes': p.name }, (p.nodes || []).length ? p.nodes.map(id => hosts[id] || id.substring(0, 8)).join(', ') : 'all'),
        el('td', {}, el('button', { type: 'button', class: 'danger', onclick: () => act(api('DELETE', '/ip-pools/' + p.name)) }, 'Delete'))))))),
    el('div', { class: 'card' }, el('h2', {}, 'New pool'), create));
}

// ---- audit log ------------------------------------------------------------------------------------------------------

async function showAudit(filters = {}) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  // dates are days in the viewer's time zone; the API takes instants
  if (filters.from) query.set('from', new Date(filters.from + 'T00:00:00').toISOString());
  if (filters.to) query.set('to', new Date(new Date(filters.to + 'T00:00:00').getTime() + 86400000).toISOString());
  query.set('limit', '200');
  const entries = await api('GET', '/audit?' + query);
  const filter = form('audit-filter', [['actor', 'Who', 'text', { required: false, value: filters.actor || '' }],
    ['action', 'What (part of)', 'text', { required: false, value: filters.action || '' }],
    ['target', 'Target (part of)', 'text', { required: false, value: filters.target || '' }],
    ['status', 'Result code (e.g. 403)', 'number', { required: false, min: 100, max: 599, value: filters.status || '' }],
    ['from', 'From', 'date', { required: false, value: filters.from || '' }],
    ['to', 'Until (inclusive)', 'date', { required: false, value: filters.to || '' }]], 'Filter', async f => {
    await showAudit({ actor: f.actor.value, action: f.action.value, target: f.target.value, status: f.status.value, from: f.from.value, to: f.to.value });
  });
  filter.classList.add('filters');
  show(el('h1', {}, 'Audit log'), el('div', { class: 'card' }, filter),
    el('div', { class: 'card' }, el('table', { id: 'audit' },
      el('thead', {}, el('tr', {}, el('th', {}, 'When'), el('th', {}, 'Who'), el('th', {}, 'What'), el('th', { class: 'optional' }, 'Target'),
        el('th', {}, 'Result'), el('th', { class: 'optional' }, 'From'))),
      el('tbody', {}, entries.map(e => el('tr', {}, el('td', {}, new Date(e.at).toLocaleString()),
        el('td', {}, e.actor + (e.impersonator ? ' (by ' + e.impersonator + ')' : '')), el('td', {}, e.action),
        el('td', { class: 'optional' }, e.target || ''), el('td', {}, String(e.status) + (e.detail ? ': ' + e.detail : '')),
        el('td', { class: 'optional' }, e.sourceIp || '')))))));
}

// ---- plugins and scheduled tasks ----------------------------------------------------------------------------------

const PLUGIN_BADGES = { ACTIVE: 'RUNNING', FAILED: 'ERROR', DISABLED: 'STOPPED', INSTALLED: 'CREATING', RESOLVED: 'CREATING' };

async function showPlugins() {
  const [plugins, tasks, catalogue] = await Promise.all([api('GET', '/plugins'), api('GET', '/scheduled-tasks').catch(() => []),
    api('GET', '/plugins/catalogue').catch(e => ({ error: e.message }))]);
  const rows = plugins.map(p => el('tr', { 'data-plugin': p.name },
    el('td', {}, el('strong', {}, p.title || p.name), el('div', { class: 'muted' }, p.name + ' ' + (p.version || '') + (p.vendor ? ' · ' + p.vendor : '')),
      p.kind === 'library' ? el('div', { class: 'muted', 'data-library': p.name }, 'library' + ((p.usedBy || []).length ? ', used by ' + p.usedBy.join(', ') : ', unused')) : ''),
    el('td', {}, el('span', { class: 'badge ' + (PLUGIN_BADGES[p.state] || 'CREATING'), 'data-plugin-state': p.name }, p.state),
      p.reason ? el('div', { class: 'muted', 'data-plugin-reason': p.name }, p.reason) : ''),
    el('td', { class: 'optional' }, contributions(p)),
    el('td', {}, el('div', { class: 'actions' },
      p.kind === 'library' ? '' : p.state === 'DISABLED'
        ? el('button', { type: 'button', 'aria-label': 'Enable ' + p.name, onclick: () => act(api('POST', '/plugins/' + p.name + '/enable'), p.name + ' enabled.') }, 'Enable')
        : el('button', { type: 'button', 'aria-label': 'Disable ' + p.name, onclick: () => act(api('POST', '/plugins/' + p.name + '/disable', {}), p.name + ' disabled.') }, 'Disable'),
      p.kind !== 'library' && (p.state === 'ACTIVE' || p.state === 'FAILED')
        ? el('button', { type: 'button', 'aria-label': 'Settings of ' + p.name, onclick: () => editPluginSettings(p) }, 'Settings') : '',
      ((p.contributes || {}).hooks || []).length || p.hookTimeLimitMs != null
        ? el('button', { type: 'button', 'aria-label': 'Hook time limit of ' + p.name, onclick: () => editHookTimeLimit(p) }, 'Time limit') : '',
      el('button', { type: 'button', 'aria-label': 'Upgrade ' + p.name, onclick: () => uploadPlugin(p.name) }, 'Upgrade'),
      el('button', { type: 'button', class: 'danger', 'aria-label': 'Remove ' + p.name, onclick: () => removePlugin(p) }, 'Remove')))));
  const taskRows = tasks.map(t => el('tr', { 'data-task': t.name },
    el('td', {}, t.name, el('div', { class: 'muted' }, t.bundle)),
    el('td', {}, el('code', {}, t.cron), el('div', { class: 'muted' }, t.timeZone + (t.missed === 'catch-up' ? ', missed runs caught up' : ''))),
    el('td', {}, t.running ? 'running now' : t.nextRunAt ? new Date(t.nextRunAt).toLocaleString() : t.problem || ''),
    el('td', {}, t.lastOutcome ? el('span', { class: 'badge ' + (t.lastOutcome === 'SUCCEEDED' ? 'RUNNING' : 'ERROR') }, t.lastOutcome) : 'never',
      t.lastStartedAt ? el('div', { class: 'muted' }, new Date(t.lastStartedAt).toLocaleString() + (t.lastError ? ': ' + t.lastError : '')) : ''),
    el('td', {}, t.registered && !t.problem ? el('button', { type: 'button', 'aria-label': 'Run ' + t.name + ' now',
      onclick: () => act(api('POST', '/scheduled-tasks/' + t.name + '/run'), t.name + ' will run in a moment.') }, 'Run now') : '')));
  show(el('h1', {}, 'Plugins'),
    el('div', { class: 'card' }, plugins.length ? el('table', { id: 'plugins' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Plugin'), el('th', {}, 'State'), el('th', { class: 'optional' }, 'Adds'), el('th', {}, ''))),
      el('tbody', {}, rows)) : el('p', { id: 'plugins' }, 'No plugins installed. Put a plugin jar into the plugins directory, or upload one below.')),
    el('div', { class: 'card' }, el('h2', {}, 'Install a plugin'),
      el('p', { class: 'muted' }, 'A plugin runs as the panel itself, with full access to this server: install only plugins you trust.'),
      el('button', { type: 'button', id: 'upload-plugin', onclick: () => uploadPlugin(null) }, 'Upload a plugin…')),
    catalogueCard(catalogue),
    el('div', { class: 'card' }, el('h2', {}, 'Scheduled tasks'), tasks.length ? el('table', { id: 'tasks' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Task'), el('th', {}, 'Schedule'), el('th', {}, 'Next run'), el('th', {}, 'Last run'), el('th', {}, ''))),
      el('tbody', {}, taskRows)) : el('p', { class: 'muted' }, 'No scheduled tasks.')));
}

/** What the provider's catalogue offers; installing resolves and brings the libraries a plugin needs. */
function catalogueCard(catalogue) {
  if (catalogue.error || !catalogue.source) return el('div', { class: 'card', id: 'catalogue' }, el('h2', {}, 'Catalogue'),
    el('p', { class: 'muted' }, catalogue.error || catalogue.note));
  const rows = catalogue.items.map(i => el('tr', { 'data-catalogue-item': i.name },
    el('td', {}, el('strong', {}, i.name), i.description ? el('div', { class: 'muted' }, i.description) : ''),
    el('td', {}, i.version, el('div', { class: 'muted' }, i.kind)),
    el('td', {}, i.installed ? (i.installed === i.version ? 'installed' : 'version ' + i.installed + ' installed') : ''),
    el('td', {}, i.offer ? el('button', { type: 'button', 'aria-label': (i.offer === 'upgrade' ? 'Upgrade ' : 'Install ') + i.name + ' ' + i.version,
      onclick: () => act(api('POST', '/plugins/catalogue/' + i.name + '/install', { version: i.version }),
        i.name + ' ' + i.version + (i.offer === 'upgrade' ? ' is running.' : ' installed.')) },
    i.offer === 'upgrade' ? 'Upgrade to ' + i.version : 'Install') : '')));
  return el('div', { class: 'card', id: 'catalogue' }, el('h2', {}, 'Catalogue' + (catalogue.name ? ': ' + catalogue.name : '')),
    el('p', { class: 'muted' }, 'From ' + catalogue.source + '. Installing a plugin also installs the libraries it needs from the catalogue;'
      + ' every file must match the catalogue\'s checksum.'),
    rows.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Version'), el('th', {}, ''), el('th', {}, ''))),
      el('tbody', {}, rows)) : el('p', { class: 'muted' }, 'The catalogue is empty.'));
}

function contributions(p) {
  const c = p.contributes || {};
  const parts = [];
  if ((c.resources || []).length) parts.push('API ' + c.resources.join(', '));
  if ((c.hooks || []).length) parts.push('hooks: ' + c.hooks.join(', ')
    + (p.hookTimeLimitMs != null ? ' (time limit set to ' + p.hookTimeLimitMs + ' ms)' : ''));
  if ((c.pages || []).length) parts.push('pages: ' + c.pages.join(', '));
  if ((c.tasks || []).length) parts.push('tasks: ' + c.tasks.join(', '));
  if ((c.permissions || []).length) parts.push('permissions: ' + c.permissions.join(', '));
  return parts.join('; ');
}

/** Uploads a jar (a new plugin, or a new version of {@code name}), confirmed with a code from the authenticator app. */
async function uploadPlugin(name) {
  const values = await ask(name ? 'Upgrade ' + name : 'Upload a plugin', [['file', 'Plugin jar', 'file', { accept: '.jar' }],
    ['code', 'Code from your authenticator app', 'text', { inputmode: 'numeric', autocomplete: 'one-time-code', required: false }]], name ? 'Upgrade' : 'Install',
    async f => {
      const response = await fetch('/api/v1/plugins' + (name ? '/' + name : ''), { method: name ? 'PUT' : 'POST', credentials: 'same-origin',
        headers: Object.assign({ 'Content-Type': 'application/java-archive' }, f.code.value ? { 'Vessel-Second-Factor': f.code.value } : {}),
        body: f.file.files[0] });
      const data = await response.json().catch(() => null);
      if (!response.ok) throw new Error((data && data.detail) || 'The upload was refused.');
      f.result = data;
    });
  if (values) done((values.result.title || values.result.name) + ' ' + values.result.version + ' is ' + values.result.state.toLowerCase() + '.');
}

/** A form per settings PID the plugin describes (OSGi Metatype); passwords are never shown, left empty they stay. */
async function editPluginSettings(p) {
  const forms = await api('GET', '/plugins/' + p.name + '/settings').catch(e => { say(e.message); return null; });
  if (!forms) return;
  if (!forms.length) { say((p.title || p.name) + ' has no settings.'); return; }
  for (const f of forms) {
    const fields = f.fields.map(field => {
      const label = field.name + (field.description ? ' (' + field.description + ')' : '');
      const common = { required: field.required };
      if (field.type === 'boolean') return [field.id, label, 'checkbox', { required: false, checked: String(field.value ?? field.defaultValue) === 'true' }];
      if (field.type === 'password') return [field.id, label, 'password', { required: false, autocomplete: 'new-password',
        placeholder: field.secretSet ? 'set; leave empty to keep it' : 'not set' }];
      return [field.id, label, field.type === 'string' ? 'text' : 'number', Object.assign(common, { value: field.value ?? field.defaultValue ?? '' })];
    });
    const saved = await ask(f.name, fields, 'Save', async form => {
      const values = {};
      for (const field of f.fields) {
        const input = form.elements.namedItem(field.id);
        if (field.type === 'boolean') values[field.id] = input.checked;
        else if (field.type === 'password') values[field.id] = input.value;
        else if (input.value === '') values[field.id] = null;
        else values[field.id] = field.type === 'string' ? input.value : Number(input.value);
      }
      await api('PUT', '/plugins/' + p.name + '/settings/' + f.pid, { values });
    });
    if (saved) say('Settings of ' + (p.title || p.name) + ' saved.');
  }
}

/** The provider's time limit for the plugin's VE hooks; empty gives the hooks the limits they declare. */
async function editHookTimeLimit(p) {
  const saved = await ask('Hook time limit of ' + (p.title || p.name), [['milliseconds',
    'Milliseconds each of its VE hooks may take (10 to 60000; empty: what the plugin declares)', 'number',
    { required: false, min: 10, max: 60000, value: p.hookTimeLimitMs ?? '' }]], 'Save', async f => {
    await api('PUT', '/plugins/' + p.name + '/hook-time-limit', { milliseconds: f.milliseconds.value === '' ? null : Number(f.milliseconds.value) });
  });
  if (saved) done('Hook time limit of ' + (p.title || p.name) + ' saved.');
}

async function removePlugin(p) {
  const sure = await ask('Remove ' + (p.title || p.name) + '?', [], 'Remove');
  if (sure) act(api('DELETE', '/plugins/' + p.name), p.name + ' removed; the data it stored is kept.');
}

// ---- routing --------------------------------------------------------------------------------------------------------

let routing = null;

async function route() {
  if (!me) return;
  const hash = location.hash || '#/';
  if (routing === hash) return;
  routing = hash;
  try {
    if (hash === '#/customers') await showCustomers();
    else if (hash === '#/ves') await showVes();
    else if (hash === '#/audit') await showAudit();
    else if (hash === '#/templates') await showTemplates();
    else if (hash === '#/pools') await showPools();
    else if (hash === '#/plugins') await showPlugins();
    else if (hash.startsWith('#/plugin/')) await showPluginPage(hash, me);
    else await showDashboard();
  } catch (e) {
    if (e.status !== 401) say(e.message);
  } finally {
    if (routing === hash) routing = null;
  }
}

async function start() {
  const state = await api('GET', '/auth/session').catch(() => ({ loggedIn: false }));
  if (!state.loggedIn) { me = null; showLogin(); return; }
  me = await api('GET', '/me');
  if (!me.permissions.includes('tenant.read')) {
    show(el('h1', {}, 'Not for your account'), el('p', {}, 'The admin panel is for providers and resellers. '), el('a', { href: '/portal/' }, 'Go to your servers'));
    return;
  }
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = me.account.username;
  document.getElementById('nav-plugins').hidden = !me.permissions.includes('plugin.read');
  await loadPluginMenu('admin');
  listen();
  await route();
}

session.onLogin = start;
session.onLogout = () => { if (events) { events.close(); events = null; } };
document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', '/auth/logout').catch(() => null);
  me = null;
  showLogin();
});
window.addEventListener('hashchange', route);
start();
