// Plans in the admin panel, for the provider's and resellers' administrators (each edits its own): the plans on
// sale with their price and versions, and an editor for a new plan or a new version of one — price and period,
// setup fee, trial, the VE quotas it grants, and what it charges per meter (per unit, graduated or volume tiers, or
// per package, with included units). Saving a plan makes a new version; subscriptions keep theirs until moved.
// Retiring a plan stops new subscriptions. Amounts stay the API's decimal strings. Served from the billing bundle.
const QUOTAS = [['memoryMiB', 'Memory (MiB)'], ['swapMiB', 'Swap (MiB)'], ['diskGiB', 'Disk (GiB)'], ['cpuCapPercent', 'CPU cap (% of a core)'],
  ['cpuWeight', 'CPU weight'], ['processes', 'Processes'], ['ioReadMBps', 'Disk read (MB/s)'], ['ioWriteMBps', 'Disk write (MB/s)'],
  ['bandwidthMbit', 'Bandwidth (Mbit/s)'], ['trafficGiB', 'Traffic per month (GiB)'], ['throttleMbit', 'Throttled to (Mbit/s)'],
  ['ipv4', 'IPv4 addresses'], ['ipv6', 'IPv6 addresses'], ['ves', 'VEs'], ['backupSlots', 'Backups kept'], ['backupGiB', 'Backup storage (GiB)']];
const KEEP = [['last', 'Keep the last'], ['daily', 'Keep daily'], ['weekly', 'Keep weekly'], ['monthly', 'Keep monthly']];
const MODELS = [['perUnit', 'per unit'], ['graduated', 'graduated tiers'], ['volume', 'volume tiers'], ['package', 'per package']];

let charges = 0; // numbers the usage-charge rows, so their fields' ids stay unique across redraws

export async function render(container, ctx) {
  const { api, el, say, ask } = ctx;
  const [plans, meters] = await Promise.all([api('GET', '/billing/plans'), api('GET', '/billing/plans/meters').catch(() => [])]);
  const redraw = () => render(container, ctx);
  const editor = el('div', { id: 'plan-editor-box' });

  const retire = async p => {
    if (!await ask('Retire ' + p.code + '? Nobody new subscribes to it; running subscriptions keep it.', [], 'Retire plan')) return;
    try { await api('POST', '/billing/plans/' + p.id + '/retire'); say(p.code + ' is retired.'); redraw(); } catch (e) { say(e.message); }
  };
  const history = async (p, row) => {
    const versions = await api('GET', '/billing/plans/' + p.id + '/versions').catch(e => { say(e.message); return []; });
    row.after(el('tr', { class: 'plan-history' }, el('td', { colspan: 5 }, el('ul', {}, versions.map(v => el('li', {},
      'Version ' + v.version + ': ' + v.name + ', ' + v.price + ' ' + v.currency + ' — ' + new Date(v.createdAt).toLocaleString() + ' by ' + v.createdBy))))));
  };
  const edit = p => {
    editor.replaceChildren(planForm(p));
    editor.scrollIntoView();
    editor.querySelector('input').focus();
  };

  const list = plans.length ? el('table', { id: 'plans' }, el('thead', {}, el('tr', {}, el('th', {}, 'Plan'), el('th', {}, 'Price'),
    el('th', { class: 'optional' }, 'Version'), el('th', { class: 'optional' }, 'State'), el('th', {}, 'Actions'))),
  el('tbody', {}, plans.map(p => {
    const d = p.definition;
    const row = el('tr', { 'data-plan': p.code }, el('td', {}, d.name + ' (' + p.code + ')'),
      el('td', {}, d.price + ' ' + d.currency + ' / ' + d.period.toLowerCase() + (d.charges && d.charges.length ? ' + usage' : '')),
      el('td', { class: 'optional' }, String(p.latestVersion)), el('td', { class: 'optional' }, p.retiredAt ? 'retired' : 'on sale'),
      el('td', {}, el('div', { class: 'actions' },
        p.retiredAt ? '' : el('button', { type: 'button', 'aria-label': 'Edit ' + p.code, onclick: () => edit(p) }, 'Edit'),
        el('button', { type: 'button', 'aria-label': 'Versions of ' + p.code, onclick: event => { event.target.disabled = true; history(p, row); } }, 'Versions'),
        p.retiredAt ? '' : el('button', { type: 'button', class: 'danger', 'aria-label': 'Retire ' + p.code, onclick: () => retire(p) }, 'Retire'))));
    return row;
  }))) : el('p', { class: 'muted' }, 'No plans yet: make the first one below.');

  container.replaceChildren(el('div', { class: 'card' }, el('h2', {}, 'Plans'), list,
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', id: 'plan-new', onclick: () => edit(null) }, 'New plan'))), editor);

  // ---- the editor: one form for a new plan and for a new version of one ----
  function planForm(plan) {
    const d = plan ? plan.definition : { currency: 'EUR', period: 'MONTH', quotas: {}, charges: [] };
    const q = d.quotas || {};
    const b = d.backupSchedule || {};
    const error = el('div', { class: 'error', role: 'alert', id: 'plan-error' });
    const charges = el('div', { id: 'plan-charges' });
    (d.charges || []).forEach(c => charges.append(chargeRow(c)));
    const node = el('form', { class: 'card', id: 'plan-editor', onsubmit: async event => {
      event.preventDefault();
      error.replaceChildren();
      const body = read(node, plan);
      try {
        const saved = plan ? await api('PUT', '/billing/plans/' + plan.id, body) : await api('POST', '/billing/plans', body);
        say((plan ? 'Saved as version ' + saved.latestVersion + ' of ' : 'Plan made: ') + saved.code + '.');
        redraw();
      } catch (e) {
        error.replaceChildren(el('p', {}, e.message), e.errors.length ? el('ul', {}, e.errors.map(f => el('li', { 'data-field': f.field },
          label(f.field) + ': ' + f.message))) : '');
        error.scrollIntoView();
      }
    } },
    el('h2', {}, plan ? 'New version of ' + plan.code : 'New plan'),
    plan ? el('p', { class: 'muted' }, 'Subscriptions keep the version they have until they are moved; new ones get this one.') : '',
    el('div', { class: 'grid' },
      plan ? '' : input('code', 'Code (customers and billing systems name the plan by it)', '', { required: true, maxlength: 40 }),
      input('name', 'Name', d.name, { required: true }),
      input('currency', 'Currency', d.currency, { required: true, maxlength: 3, pattern: '[A-Za-z]{3}' }),
      select('period', 'Billed per', d.period, [['MONTH', 'month'], ['YEAR', 'year'], ['HOUR', 'hour (capped per month)']]),
      input('price', 'Price', d.price, { required: true, inputmode: 'decimal' }),
      input('monthlyCap', 'Monthly cap (hourly plans)', d.monthlyCap, { inputmode: 'decimal' }),
      input('setupFee', 'Setup fee', d.setupFee, { inputmode: 'decimal' }),
      input('trialDays', 'Trial days', d.trialDays, { type: 'number', min: 0, max: 365 })),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'plan-suspendedAccrues', checked: d.suspendedAccrues !== false }),
      ' Charge for days a VE is suspended for non-payment'),
    el('h3', {}, 'Quotas (empty: not limited)'),
    el('div', { class: 'grid' }, QUOTAS.map(([key, text]) => input('q-' + key, text, q[key], { type: 'number', min: 0 })),
      select('q-trafficPolicy', 'Beyond the traffic', q.trafficPolicy || 'BILL', [['BILL', 'bill the overage'], ['THROTTLE', 'throttle'], ['SUSPEND', 'suspend']])),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'plan-backupsWhileSuspended', checked: q.backupsWhileSuspended !== false }),
      ' Scheduled backups go on while a VE is suspended'),
    el('h3', {}, 'Backup schedule of its VEs (empty: only as their owners schedule)'),
    el('div', { class: 'grid' },
      input('b-cron', 'When (cron, e.g. 0 3 * * *)', b.cron, { maxlength: 100 }),
      input('b-timeZone', 'Time zone', b.timeZone || 'UTC', { maxlength: 64 }),
      input('b-spreadMinutes', 'Spread (minutes)', b.spreadMinutes, { type: 'number', min: 0, max: 1440 }),
      ...KEEP.map(([key, text]) => input('b-keep-' + key, text, (b.keep || {})[key] || null, { type: 'number', min: 0, max: 1000 }))),
    el('h3', {}, 'Usage charges'),
    el('datalist', { id: 'plan-meters' }, meters.map(m => el('option', { value: m.name }, m.description))),
    charges,
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'plan-add-charge', onclick: () => { const row = chargeRow(null); charges.append(row); row.querySelector('input').focus(); } },
        'Add usage charge')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'plan-save' }, plan ? 'Save new version' : 'Make plan'),
      el('button', { type: 'button', onclick: () => editor.replaceChildren() }, 'Cancel')),
    error);
    return node;
  }

  // one usage charge: meter, included units, price model and its figures; tiers one per line: "up to, unit price, flat fee"
  function chargeRow(charge) {
    const c = charge || { price: { model: 'perUnit' } };
    const n = ++charges;
    const id = name => 'charge-' + n + '-' + name;
    const figures = el('div', { class: 'grid charge-figures' });
    const model = el('select', { id: id('model'), 'data-charge': 'model' }, MODELS.map(([value, text]) => el('option', { value, selected: value === c.price.model }, text)));
    const showFigures = () => {
      const p = c.price;
      const m = model.value;
      figures.replaceChildren(...(m === 'perUnit' ? [input(id('unitPrice'), 'Price per unit', p.unitPrice, { inputmode: 'decimal', 'data-charge': 'unitPrice' })]
        : m === 'package' ? [input(id('blockSize'), 'Units per package', p.blockSize, { inputmode: 'decimal', 'data-charge': 'blockSize' }),
          input(id('blockPrice'), 'Price per package', p.blockPrice, { inputmode: 'decimal', 'data-charge': 'blockPrice' })]
          : [el('div', { class: 'field wide' }, el('label', { for: id('tiers') }, 'Tiers, one per line: up to, unit price, flat fee (last line: * for the rest)'),
            el('textarea', { id: id('tiers'), rows: 4, 'data-charge': 'tiers' }, (p.tiers || []).map(t => [t.upTo || '*', t.unitPrice || '0', t.flatFee || '']
              .filter((v, i) => i < 2 || v).join(', ')).join('\n')))]));
    };
    model.addEventListener('change', showFigures);
    const row = el('fieldset', { class: 'plan-charge' }, el('legend', {}, 'Usage charge'),
      el('div', { class: 'grid' },
        input(id('meter'), 'Meter', c.meter, { list: 'plan-meters', required: true, 'data-charge': 'meter' }),
        input(id('included'), 'Included units', c.included, { inputmode: 'decimal', 'data-charge': 'included' }),
        el('div', { class: 'field' }, el('label', { for: id('model') }, 'Priced'), model)),
      figures,
      el('div', { class: 'actions' }, el('button', { type: 'button', class: 'danger', onclick: () => row.remove() }, 'Remove charge')));
    showFigures();
    return row;
  }

  function input(name, text, value, extra) {
    const id = name.startsWith('charge-') ? name : 'plan-' + name;
    return el('div', { class: 'field' }, el('label', { for: id }, text),
      el('input', Object.assign({ id, name: id, value: value === null || value === undefined ? '' : String(value) }, extra || {})));
  }

  function select(name, text, value, options) {
    return el('div', { class: 'field' }, el('label', { for: 'plan-' + name }, text),
      el('select', { id: 'plan-' + name }, options.map(([v, t]) => el('option', { value: v, selected: v === value }, t))));
  }

  function label(field) {
    const quota = QUOTAS.find(([key]) => field === 'quotas.' + key);
    return quota ? quota[1] : field;
  }

  // the form as the API's plan request: empty fields are absent, amounts stay the strings typed
  function read(node, plan) {
    const value = id => { const v = node.querySelector('#plan-' + id); return v && v.value.trim() !== '' ? v.value.trim() : null; };
    const number = id => value(id) === null ? null : Number(value(id));
    const quotas = {};
    QUOTAS.forEach(([key]) => { if (value('q-' + key) !== null) quotas[key] = number('q-' + key); });
    if (quotas.trafficGiB !== undefined) quotas.trafficPolicy = value('q-trafficPolicy');
    if (!node.querySelector('#plan-backupsWhileSuspended').checked) quotas.backupsWhileSuspended = false;
    const keep = {};
    KEEP.forEach(([key]) => { if (value('b-keep-' + key) !== null) keep[key] = number('b-keep-' + key); });
    const backupSchedule = value('b-cron') === null ? null
      : { cron: value('b-cron'), timeZone: value('b-timeZone'), spreadMinutes: number('b-spreadMinutes'), keep };
    const charges = [...node.querySelectorAll('.plan-charge')].map(row => {
      const part = name => { const v = row.querySelector('[data-charge="' + name + '"]'); return v && v.value.trim() !== '' ? v.value.trim() : null; };
      const model = part('model');
      const price = { model };
      if (model === 'perUnit') price.unitPrice = part('unitPrice');
      else if (model === 'package') { price.blockSize = part('blockSize'); price.blockPrice = part('blockPrice'); }
      else price.tiers = (part('tiers') || '').split('\n').map(line => line.split(',').map(s => s.trim())).filter(t => t[0] !== '')
        .map(([upTo, unitPrice, flatFee]) => ({ upTo: upTo === '*' ? null : upTo, unitPrice: unitPrice || '0', flatFee: flatFee || null }));
      return { meter: part('meter'), included: part('included'), price };
    });
    return { code: plan ? plan.code : value('code'), name: value('name'), currency: (value('currency') || '').toUpperCase(), period: value('period'),
      price: value('price'), monthlyCap: value('monthlyCap'), setupFee: value('setupFee'), trialDays: number('trialDays'),
      suspendedAccrues: node.querySelector('#plan-suspendedAccrues').checked, quotas, charges, backupSchedule };
  }
}
