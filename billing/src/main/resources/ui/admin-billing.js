// Billing in the admin panel, for the provider's and resellers' administrators (each sees its own customers): orders
// waiting for approval, invoices filtered by state, customer and period (PDF, credit note, payment), the accountant's
// CSV exports, and which plans customers may order themselves. Served from the billing bundle as a UI contribution;
// amounts stay the API's decimal strings.
export async function render(container, ctx) {
  const { api, el, say, ask } = ctx;
  const [orders, tenants, plans, revenue, dunning, pools] = await Promise.all([api('GET', '/billing/orders?state=PENDING').catch(() => []),
    api('GET', '/tenants').catch(() => []), api('GET', '/billing/plans').catch(() => []), api('GET', '/billing/revenue?months=12').catch(() => []),
    api('GET', '/billing/dunning').catch(() => []), api('GET', '/ip-pools').catch(() => [])]);
  const names = new Map(tenants.map(t => [t.id, t.name]));
  const customer = id => names.get(id) || id;
  const redraw = () => render(container, ctx);
  const act = async (promise, done) => {
    try { await promise; say(done); redraw(); } catch (e) { say(e.message); }
  };

  // ---- orders waiting for approval ----
  const decide = (o, approve) => approve
    ? act(api('POST', '/billing/orders/' + o.id + '/approve'), 'Order approved: the server is being made.')
    : ask('Refuse the order of ' + customer(o.tenant) + '?', [['reason', 'Reason the customer reads', 'text']], 'Refuse order')
      .then(f => f && act(api('POST', '/billing/orders/' + o.id + '/reject', { reason: f.reason.value }), 'Order refused.'));
  const ordersCard = el('div', { class: 'card', id: 'admin-orders' }, el('h2', {}, 'Orders waiting for approval'),
    orders.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Customer'), el('th', {}, 'Plan'), el('th', { class: 'optional' }, 'Server'),
      el('th', { class: 'optional' }, 'Placed'), el('th', {}, 'Decide'))),
    el('tbody', {}, orders.map(o => el('tr', { 'data-order': o.id }, el('td', {}, customer(o.tenant)), el('td', {}, o.planName),
      el('td', { class: 'optional' }, (o.hostname || '') + ' (' + o.template + ')' + (o.reason ? ' — ' + o.reason : '')),
      el('td', { class: 'optional' }, new Date(o.placedAt).toLocaleString()),
      el('td', {}, el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'primary', 'aria-label': 'Approve order of ' + customer(o.tenant), onclick: () => decide(o, true) }, 'Approve'),
        el('button', { type: 'button', class: 'danger', 'aria-label': 'Refuse order of ' + customer(o.tenant), onclick: () => decide(o, false) }, 'Refuse')))))))
      : el('p', { class: 'muted' }, 'No order is waiting.'));

  // ---- dunning: who is in which step, what comes next and when; pause for a promise to pay ----
  const pause = d => d.pausedUntil
    ? act(api('PUT', '/billing/accounts/' + d.tenant + '/dunning-pause', { until: null }), 'Dunning goes on for ' + customer(d.tenant) + '.')
    : ask('Pause dunning for ' + customer(d.tenant) + '?', [['days', 'For how many days', 'number', { value: 14, min: 1, max: 365 }]], 'Pause dunning')
      .then(f => f && act(api('PUT', '/billing/accounts/' + d.tenant + '/dunning-pause',
        { days: Number(f.days.value) }), 'Dunning paused for ' + customer(d.tenant) + '.'));
  const when = t => t ? new Date(t).toLocaleDateString() : '–';
  const dunningCard = el('div', { class: 'card', id: 'admin-dunning' }, el('h2', {}, 'Overdue and dunning'),
    dunning.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Customer'), el('th', {}, 'Due'), el('th', { class: 'optional' }, 'Since'),
      el('th', {}, 'Step'), el('th', { class: 'optional' }, 'Next'), el('th', {}, 'Pause'))),
    el('tbody', {}, dunning.map(d => el('tr', { 'data-dunning': d.tenant }, el('td', {}, customer(d.tenant)),
      el('td', {}, d.amountDue + ' ' + d.currency + (d.oldestInvoice ? ' (' + d.oldestInvoice + ')' : '')), el('td', { class: 'optional' }, when(d.overdueSince)),
      el('td', {}, d.stepAction || 'overdue'),
      el('td', { class: 'optional' }, d.pausedUntil ? 'paused until ' + when(d.pausedUntil) : d.nextAction ? d.nextAction + ' on ' + when(d.nextAt) : '–'),
      el('td', {}, el('button', { type: 'button', 'aria-label': (d.pausedUntil ? 'Resume dunning for ' : 'Pause dunning for ') + customer(d.tenant),
        onclick: () => pause(d) }, d.pausedUntil ? 'Resume' : 'Pause…'))))))
      : el('p', { class: 'muted' }, 'Nobody is overdue.'));

  // ---- invoices ----
  const filter = el('form', { id: 'invoice-filter', class: 'grid', onsubmit: e => { e.preventDefault(); drawInvoices(); } },
    field('invoice-state', 'State', el('select', { id: 'invoice-state' }, ['all', 'open', 'overdue', 'paid', 'credit notes'].map(s => el('option', { value: s }, s)))),
    field('invoice-customer', 'Customer', el('select', { id: 'invoice-customer' }, el('option', { value: '' }, 'all'),
      tenants.filter(t => t.kind === 'CUSTOMER').map(t => el('option', { value: t.id }, t.name)))),
    field('invoice-from', 'Issued from', el('input', { id: 'invoice-from', type: 'date' })),
    field('invoice-to', 'until (excl.)', el('input', { id: 'invoice-to', type: 'date' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Show')));
  const exports = el('p', { id: 'billing-exports' });
  const table = el('div', { id: 'admin-invoices' });
  const none = a => !a || /^0(\.0+)?$/.test(a);
  const stateOf = i => i.kind !== 'INVOICE' ? i.kind.replace('_', ' ').toLowerCase() : none(i.amountDue) ? 'paid'
    : new Date(i.dueAt) < new Date() ? 'overdue' : 'open';
  const credit = i => ask('Credit note on ' + i.number, [['amount', 'Amount with tax (empty: all not yet credited)', 'text', { required: false, inputmode: 'decimal' }],
    ['reason', 'Reason', 'text']], 'Issue credit note')
    .then(f => f && act(api('POST', '/billing/invoices/' + i.id + '/credit-notes', { amount: f.amount.value.trim() || null, reason: f.reason.value }),
      'Credit note issued on ' + i.number + '.'));
  const payment = i => ask('Payment for ' + i.number, [['amount', 'Amount (' + i.currency + ')', 'text', { value: i.amountDue, inputmode: 'decimal' }],
    ['reference', 'Reference (bank statement)', 'text', { required: false }]], 'Record payment')
    .then(f => f && act(api('POST', '/billing/accounts/' + i.tenant + '/payments', { amount: f.amount.value.trim(), method: 'BANK_TRANSFER',
      reference: f.reference.value.trim() || null, invoice: i.id }), 'Payment recorded for ' + i.number + '.'));
  const drawInvoices = async () => {
    const state = filter.querySelector('#invoice-state').value;
    const tenant = filter.querySelector('#invoice-customer').value;
    const from = filter.querySelector('#invoice-from').value;
    const to = filter.querySelector('#invoice-to').value;
    const period = 'from=' + from + '&to=' + to + '&timeZone=' + encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    exports.replaceChildren(...(from && to ? ['For the accountant: ',
      el('a', { href: '/api/v1/billing/invoices/export?' + period, download: 'invoices.csv', id: 'export-invoices' }, 'invoices (CSV)'), ' · ',
      el('a', { href: '/api/v1/billing/payments/export?' + period, download: 'payments.csv', id: 'export-payments' }, 'payments (CSV)')]
      : [el('span', { class: 'muted' }, 'Choose a period to export its invoices and payments as CSV.')]));
    const all = await api('GET', '/billing/invoices' + (tenant ? '?tenant=' + tenant : '')).catch(e => { say(e.message); return []; });
    const shown = all.filter(i => (!from || i.issuedAt >= from) && (!to || i.issuedAt < to))
      .filter(i => state === 'all' || (state === 'credit notes' ? i.kind === 'CREDIT_NOTE' : stateOf(i) === state)).reverse();
    table.replaceChildren(shown.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Number'), el('th', {}, 'Customer'),
      el('th', { class: 'optional' }, 'Issued'), el('th', {}, 'Total'), el('th', {}, 'State'), el('th', {}, 'Actions'))),
    el('tbody', {}, shown.map(i => el('tr', { 'data-invoice': i.number }, el('td', {}, i.number), el('td', {}, customer(i.tenant)),
      el('td', { class: 'optional' }, new Date(i.issuedAt).toLocaleDateString()), el('td', {}, i.total + ' ' + i.currency),
      el('td', {}, stateOf(i) + (i.kind === 'INVOICE' && !none(i.amountDue) && !none(i.amountPaid) ? ' (' + i.amountDue + ' due)' : '')),
      el('td', {}, el('div', { class: 'actions' },
        el('a', { class: 'button', href: '/api/v1/billing/invoices/' + i.id + '/pdf', download: i.number + '.pdf', 'aria-label': 'PDF of ' + i.number }, 'PDF'),
        i.kind === 'INVOICE' ? el('button', { type: 'button', 'aria-label': 'Credit ' + i.number, onclick: () => credit(i) }, 'Credit…') : '',
        i.kind === 'INVOICE' && !none(i.amountDue) ? el('button', { type: 'button', 'aria-label': 'Record payment for ' + i.number, onclick: () => payment(i) }, 'Paid…') : ''))))))
      : el('p', { class: 'muted' }, 'No documents match.'));
  };

  // ---- plans customers order themselves ----
  const ordering = (p, change, label) => act(api('PUT', '/billing/plans/' + p.id + '/ordering', change), label);
  const plansCard = el('div', { class: 'card', id: 'admin-plan-ordering' }, el('h2', {}, 'Ordering in the portal'),
    plans.filter(p => !p.retiredAt).length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Plan'), el('th', {}, 'Customers order it'),
      el('th', {}, 'First order needs approval'), el('th', { class: 'optional' }, 'Address from'))),
    el('tbody', {}, plans.filter(p => !p.retiredAt).map(p => el('tr', { 'data-plan': p.code }, el('td', {}, p.definition.name + ' (' + p.definition.price + ' '
      + p.definition.currency + ')'),
      el('td', {}, toggle(p.orderable, 'Customers order ' + p.code,
        on => ordering(p, { orderable: on }, p.code + (on ? ' can be ordered.' : ' is not offered for ordering.')))),
      el('td', {}, toggle(p.firstOrderApproval, 'First order of ' + p.code + ' needs approval',
        on => ordering(p, { firstOrderApproval: on }, on ? 'First orders of ' + p.code + ' wait for approval.' : 'Orders of ' + p.code + ' are made at once.'))),
      el('td', { class: 'optional' }, poolChoice(p))))))
    : el('p', { class: 'muted' }, 'No plans yet.'));

  // ---- revenue: one card per currency ----
  const revenueCards = revenue.map(r => el('div', { class: 'card', 'data-revenue': r.currency }, el('h2', {}, 'Revenue in ' + r.currency),
    el('div', { class: 'grid' },
      el('div', {}, el('strong', {}, 'Monthly recurring'), el('div', { 'data-mrr': r.currency }, r.mrr + ' ' + r.currency + ' (' + r.subscriptions + ' subscriptions)')),
      el('div', {}, el('strong', {}, 'Outstanding'), el('div', { 'data-outstanding': r.currency }, r.outstanding + ' ' + r.currency)),
      el('div', {}, el('strong', {}, 'Overdue'), el('div', {}, r.overdue + ' ' + r.currency))),
    ctx.chart('Invoiced per month (net)', r.months.map(m => ({ label: m.month, values: [Number(m.recurring), Number(m.usage)] })),
      v => v.toFixed(2) + ' ' + r.currency, ['recurring', 'usage']),
    r.plans.length ? el('table', { class: 'plans-revenue' }, el('thead', {}, el('tr', {}, el('th', {}, 'Plan'), el('th', {}, 'Running'),
      el('th', {}, 'MRR'), el('th', { class: 'optional' }, 'Billed, 12 months'))),
    el('tbody', {}, r.plans.map(p => el('tr', { 'data-plan-revenue': p.code }, el('td', {}, p.name), el('td', {}, String(p.subscriptions)),
      el('td', {}, p.mrr), el('td', { class: 'optional' }, p.billed))))) : ''));

  container.replaceChildren(...revenueCards, ordersCard, dunningCard,
    el('div', { class: 'card' }, el('h2', {}, 'Invoices and credit notes'), filter, exports, table),
    plansCard);
  await drawInvoices();

  // the pool an ordered VE's first address comes from (empty: the seller's first pool with a free address)
  function poolChoice(p) {
    const choice = el('select', { 'aria-label': 'Address pool of ' + p.code }, el('option', { value: '' }, 'first free pool'),
      pools.map(pool => el('option', { value: pool.name, selected: pool.name === p.orderIpPool }, pool.name + ' (' + pool.cidr + ')')));
    choice.addEventListener('change', () => ordering(p, { ipPool: choice.value }, 'Servers ordered on ' + p.code + ' get their address from '
      + (choice.value || 'the first pool with a free address') + '.'));
    return choice;
  }

  function toggle(on, label, changed) {
    const box = el('input', { type: 'checkbox', checked: on, 'aria-label': label });
    box.addEventListener('change', () => changed(box.checked));
    return box;
  }

  function field(id, label, input) {
    return el('div', { class: 'field' }, el('label', { for: id }, label), input);
  }
}
