// Billing in the customer portal: why servers are suspended and what is due (with a pay button), balance and this
// period's cost (live), ordering a server on a plan, subscriptions (another plan with its prorated price shown first,
// cancel), invoices (viewed in the page, as PDF), payments, spending limit. Served from the billing bundle as a UI
// contribution; amounts stay the API's decimal strings (never parsed into floating point).
export async function render(container, ctx) {
  const { api, el, say, form, me, onLeave, size } = ctx;
  const tenant = me.tenant.id;
  let account;
  try {
    account = await api('GET', '/billing/accounts/' + tenant);
  } catch (e) {
    container.replaceChildren(el('p', { class: 'muted', id: 'billing-none' }, e.status === 404 ? 'Your organisation has no billing account yet.' : e.message));
    return;
  }
  const [invoices, subscriptions, payments, gateways, cost, offered, orders] = await Promise.all([
    api('GET', '/billing/invoices'), api('GET', '/billing/subscriptions'),
    api('GET', '/billing/accounts/' + tenant + '/payments').catch(() => []), api('GET', '/billing/gateways').catch(() => []),
    api('GET', '/billing/accounts/' + tenant + '/cost').catch(() => null),
    api('GET', '/billing/orders/plans').catch(() => null), api('GET', '/billing/orders').catch(() => [])]);
  // zero as the API writes it in any currency: "0", "0.00", "0.000"
  const none = amount => !amount || /^0(\.0+)?$/.test(amount);
  const open = invoices.filter(i => i.kind === 'INVOICE' && !none(i.amountDue));
  const currency = account.currency;

  const pay = async invoice => {
    if (!gateways.length) { say('Pay by bank transfer, quoting invoice ' + invoice.number + '; no online payment is set up.'); return; }
    try {
      const checkout = await api('POST', '/billing/checkouts', { account: tenant, gateway: gateways[0].id, invoice: invoice.id,
        returnUrl: location.origin + '/portal/' + location.hash });
      if (checkout.redirect) location.href = checkout.redirect;
      else say('Payment ' + checkout.state.toLowerCase() + (checkout.message ? ': ' + checkout.message : '.'));
    } catch (e) { say(e.message); }
  };
  const payButton = invoice => el('button', { type: 'button', class: 'primary', 'data-pay': invoice.number,
    onclick: () => pay(invoice) }, 'Pay ' + invoice.amountDue + ' ' + invoice.currency);

  const held = account.heldVes && account.heldVes.length;
  const suspension = held || account.dunningStep > 0 ? el('div', { class: 'card', id: 'billing-suspended', role: 'alert' },
    el('h2', {}, held ? 'Your servers are suspended for non-payment' : 'Payment overdue'),
    el('p', {}, (held ? (account.heldVes.length === 1 ? 'Server ' + account.heldVes[0] + ' is' : 'Servers ' + account.heldVes.join(', ') + ' are')
      + ' held until the overdue invoices are paid, and runs again within a minute of payment. ' : '') + 'Overdue since ' + (account.overdueSince ? new Date(account.overdueSince).toLocaleDateString() : 'recently') + '.'),
    el('div', { class: 'actions' }, open.map(payButton))) : '';

  const costCard = el('div', { id: 'billing-cost' });
  const drawCost = c => costCard.replaceChildren(el('div', { class: 'grid' },
    el('div', {}, el('strong', {}, 'Balance'), el('div', { id: 'billing-balance' }, account.balance + ' ' + currency)),
    el('div', {}, el('strong', {}, 'This period so far'), el('div', { id: 'billing-so-far' }, c ? c.soFar + ' ' + currency : '–')),
    el('div', {}, el('strong', {}, 'Projected to the period\'s end'), el('div', { id: 'billing-projected' }, c ? c.projected + ' ' + currency : '–'))));
  drawCost(cost);
  // live: the account's figures again whenever one of its servers' cost moves (at most every 5 s)
  const ves = subscriptions.filter(s => s.ve != null && !s.endedAt).map(s => s.ve).slice(0, 50);
  if (ves.length) {
    const stream = new EventSource('/api/v1/events?' + ves.map(v => 've=' + v).join('&'));
    let last = 0;
    stream.addEventListener('cost', async () => {
      if (Date.now() - last < 5000 || !costCard.isConnected) return;
      last = Date.now();
      drawCost(await api('GET', '/billing/accounts/' + tenant + '/cost').catch(() => null));
    });
    if (onLeave) onLeave(() => stream.close());
  }

  const limit = form('spending-limit', [['limit', 'Monthly spending limit (' + currency + ', empty: none)', 'text',
    { value: account.spendingLimit || '', required: false, inputmode: 'decimal' }]], 'Save limit', async f => {
    const body = { limit: f.limit.value.trim() || null, action: f.action.value };
    await api('PUT', '/billing/accounts/' + tenant + '/spending-limit', body);
    say(body.limit ? 'Spending limit set to ' + body.limit + ' ' + currency + '.' : 'Spending limit removed.');
  });
  limit.insertBefore(el('div', {}, el('label', { for: 'spending-limit-action' }, 'At 100 %'),
    el('select', { id: 'spending-limit-action', name: 'action' },
      el('option', { value: 'alert', selected: account.limitAction !== 'BLOCK' }, 'Alert me'),
      el('option', { value: 'block', selected: account.limitAction === 'BLOCK' }, 'Alert me and refuse new servers'))), limit.querySelector('.actions'));

  const state = i => i.kind !== 'INVOICE' ? i.kind.replace('_', ' ').toLowerCase() : none(i.amountDue) ? 'paid'
    : new Date(i.dueAt) < new Date() ? 'overdue' : 'open';
  const invoiceRows = invoices.slice().reverse().map(i => el('tr', { 'data-invoice': i.number },
    el('td', {}, el('button', { type: 'button', 'aria-label': 'Show invoice ' + i.number, onclick: () => showInvoice(i.id) }, i.number)),
    el('td', { class: 'optional' }, new Date(i.issuedAt).toLocaleDateString()),
    el('td', {}, i.total + ' ' + i.currency), el('td', {}, state(i)),
    el('td', {}, i.kind === 'INVOICE' && state(i) !== 'paid' ? payButton(i) : '')));

  const showInvoice = async id => {
    const i = await api('GET', '/billing/invoices/' + id).catch(e => { say(e.message); return null; });
    if (!i) return;
    const dialog = el('dialog', { 'aria-labelledby': 'invoice-title', id: 'invoice-dialog' },
      el('h2', { id: 'invoice-title' }, (i.kind === 'CREDIT_NOTE' ? 'Credit note ' : i.kind === 'PREPAYMENT' ? 'Prepayment invoice ' : 'Invoice ') + i.number),
      el('p', {}, 'Issued ' + new Date(i.issuedAt).toLocaleDateString() + ' by ' + i.issuer + (i.kind === 'INVOICE' ? ', due ' + new Date(i.dueAt).toLocaleDateString() : '')),
      el('table', {}, el('tbody', {}, i.lines.map(l => el('tr', {}, el('td', {}, l.description), el('td', { class: 'optional' }, l.quantity),
        el('td', {}, l.amount))),
        el('tr', {}, el('td', {}, 'Subtotal'), el('td', { class: 'optional' }, ''), el('td', {}, i.subtotal)),
        el('tr', {}, el('td', {}, i.taxName || 'Tax'), el('td', { class: 'optional' }, i.taxRate ? i.taxRate + ' %' : ''), el('td', {}, i.tax)),
        el('tr', {}, el('th', {}, 'Total'), el('td', { class: 'optional' }, ''), el('th', { id: 'invoice-total' }, i.total + ' ' + i.currency)))),
      i.taxNote ? el('p', { class: 'muted' }, i.taxNote) : '',
      el('p', {}, 'Paid ' + i.amountPaid + ', due ' + i.amountDue + ' ' + i.currency),
      el('div', { class: 'actions' },
        el('a', { class: 'button', id: 'invoice-pdf', href: '/api/v1/billing/invoices/' + i.id + '/pdf', download: i.number + '.pdf' }, 'Download PDF'),
        el('button', { type: 'button', onclick: () => dialog.close() }, 'Close')));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  };

  // what each plan grants beside what its server uses: memory and disk from the VE's latest sample, traffic from
  // this period's cost when the plan meters it
  const veUsage = new Map(await Promise.all(subscriptions.filter(s => s.ve != null && !s.endedAt)
    .map(s => api('GET', '/ves/' + s.ve).then(v => [s.ve, v.usage], () => [s.ve, null]))));
  const grants = s => {
    const q = s.quotas || {};
    const used = veUsage.get(s.ve) || null;
    const traffic = cost && cost.lines.find(l => l.ve === s.ve && l.meter === 'network.egress.gib');
    const parts = [];
    if (q.memoryMiB != null) parts.push('Memory ' + (used && used.memoryBytes != null ? size(used.memoryBytes) + ' of ' : '') + size(q.memoryMiB * 1048576));
    if (q.diskGiB != null) parts.push('Disk ' + (used && used.diskBytes != null ? size(used.diskBytes) + ' of ' : '') + size(q.diskGiB * 1073741824));
    if (q.cpuCapPercent != null) parts.push('CPU ' + q.cpuCapPercent + ' % of a core');
    if (q.trafficGiB != null) parts.push('Traffic ' + (traffic ? traffic.used + ' of ' : '') + q.trafficGiB + ' GiB a month');
    if (q.ipv4 != null) parts.push(q.ipv4 + ' IPv4');
    return parts.length ? el('div', { class: 'muted', 'data-quotas': s.id }, parts.join(' · ')) : '';
  };
  // held for what is overdue: nothing new is ordered until it is paid (the API refuses it too)
  const orderCard = offered && !held ? ordering(ctx, offered, orders, () => render(container, ctx)) : '';
  // another plan: the prorated price as the next billing run will charge it, shown before anything changes
  const changePlan = async subscription => {
    const choices = offered.filter(p => p.id !== subscription.plan);
    if (!choices.length) { say('Your provider offers no other plan.'); return; }
    const dialog = el('dialog', { 'aria-labelledby': 'change-title', id: 'change-dialog' });
    const select = el('select', { id: 'change-plan', name: 'plan' }, choices.map(p => el('option', { value: p.id }, planLabel(p))));
    const preview = el('div', { id: 'change-preview', 'aria-live': 'polite' });
    const confirm = el('button', { type: 'button', class: 'primary', id: 'change-confirm', disabled: true }, 'Change plan');
    const show = async () => {
      confirm.disabled = true;
      try {
        const p = await api('GET', '/billing/orders/change-preview?subscription=' + subscription.id + '&plan=' + select.value);
        preview.replaceChildren(el('table', {}, el('tbody', {}, p.lines.map(l => el('tr', {}, el('td', {}, l.description), el('td', {}, l.amount + ' ' + p.currency))),
          el('tr', {}, el('th', {}, 'Charged now (before tax)'), el('th', { id: 'change-total' }, p.total + ' ' + p.currency)))),
          el('p', { class: 'muted' }, 'The unused part of this period on your current plan is credited; the new plan runs from now.'));
        confirm.disabled = false;
      } catch (e) { preview.replaceChildren(el('p', { class: 'error' }, e.message)); }
    };
    select.addEventListener('change', show);
    confirm.addEventListener('click', async () => {
      try {
        await api('POST', '/billing/orders/change', { subscription: subscription.id, plan: select.value });
        dialog.close();
        say('Your plan is changed.');
        render(container, ctx);
      } catch (e) { say(e.message); }
    });
    dialog.append(el('h2', { id: 'change-title' }, 'Another plan for ' + (subscription.ve != null ? 'VE ' + subscription.ve : subscription.planName)),
      el('div', { class: 'field' }, el('label', { for: 'change-plan' }, 'New plan'), select), preview,
      el('div', { class: 'actions' }, confirm, el('button', { type: 'button', onclick: () => dialog.close() }, 'Keep my plan')));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    show();
  };
  const cancel = async subscription => {
    const sure = await ctx.ask('Cancel ' + subscription.planName + '?', [], 'Cancel at the period\'s end');
    if (!sure) return;
    try {
      const s = await api('POST', '/billing/orders/cancel', { subscription: subscription.id });
      say('Cancelled: it runs until ' + new Date(s.cancelAt).toLocaleDateString() + '.');
      render(container, ctx);
    } catch (e) { say(e.message); }
  };

  container.replaceChildren(
    suspension,
    el('div', { class: 'card' }, el('h2', {}, 'Balance and this period'), costCard),
    orderCard,
    el('div', { class: 'card' }, el('h2', {}, 'Subscriptions'), subscriptions.length ? el('table', { id: 'billing-subscriptions' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Plan'), el('th', {}, 'Server'), el('th', {}, 'State'), el('th', { class: 'optional' }, 'Since'),
        el('th', {}, 'Change'))),
      el('tbody', {}, subscriptions.map(s => el('tr', { 'data-subscription': s.id }, el('td', {}, s.planName, grants(s)),
        el('td', {}, s.ve != null ? el('a', { href: '#/ves/' + s.ve }, 'VE ' + s.ve) : '–'),
        el('td', {}, s.state.toLowerCase() + (s.cancelAt ? ', ends ' + new Date(s.cancelAt).toLocaleDateString() : '')),
        el('td', { class: 'optional' }, new Date(s.startedAt).toLocaleDateString()),
        el('td', {}, offered && !held && !s.endedAt && !s.cancelAt && s.state !== 'CANCELLED' ? el('div', { class: 'actions' },
          el('button', { type: 'button', 'aria-label': 'Change plan of ' + s.planName, onclick: () => changePlan(s) }, 'Plan…'),
          el('button', { type: 'button', class: 'danger', 'aria-label': 'Cancel ' + s.planName, onclick: () => cancel(s) }, 'Cancel')) : ''))))) : el('p', { class: 'muted' }, 'No subscriptions.')),
    el('div', { class: 'card' }, el('h2', {}, 'Invoices'), invoices.length ? el('table', { id: 'billing-invoices' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Number'), el('th', { class: 'optional' }, 'Issued'), el('th', {}, 'Total'), el('th', {}, 'State'),
        el('th', {}, 'Payment'))),
      el('tbody', {}, invoiceRows)) : el('p', { class: 'muted' }, 'No invoices yet.')),
    el('div', { class: 'card' }, el('h2', {}, 'Payments'), payments.length ? el('table', { id: 'billing-payments' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Received'), el('th', {}, 'Amount'), el('th', { class: 'optional' }, 'Method'))),
      el('tbody', {}, payments.map(p => el('tr', {}, el('td', {}, new Date(p.receivedAt).toLocaleDateString()),
        el('td', {}, p.amount + ' ' + p.currency + (!none(p.refunded) ? ' (' + p.refunded + ' refunded)' : '')),
        el('td', { class: 'optional' }, p.method.replace('_', ' ').toLowerCase()))))) : el('p', { class: 'muted' }, 'No payments yet.')),
    el('div', { class: 'card' }, el('h2', {}, 'Spending limit'),
      el('p', { class: 'muted' }, 'You are told at 80 % and at 100 % of the limit in a month.'), limit));
  window.vesselBillingDrawnAt = window.vesselBillingDrawnAt || performance.now(); // for the portal billing benchmark
}

const planLabel = p => p.name + ' — ' + p.price + ' ' + p.currency + ' a ' + p.period.toLowerCase()
  + (p.setupFee && !/^0(\.0+)?$/.test(p.setupFee) ? ' + ' + p.setupFee + ' setup' : '') + (p.trialDays ? ', ' + p.trialDays + ' days free' : '');

/** Ordering a server: plan, template, hostname; orders waiting for approval or refused are listed. */
function ordering({ api, el, say }, offered, orders, redraw) {
  const card = el('div', { class: 'card', id: 'billing-order' }, el('h2', {}, 'Order a server'));
  const waiting = orders.filter(o => o.state !== 'PLACED');
  if (waiting.length) {
    card.append(el('ul', { id: 'billing-orders' }, waiting.map(o => el('li', { 'data-order': o.id },
      o.planName + ' (' + (o.hostname || o.template) + '): ' + (o.state === 'PENDING' ? 'waits for approval by your provider' : 'not accepted — ' + o.reason)))));
  }
  if (!offered.length) {
    card.append(el('p', { class: 'muted' }, 'Your provider offers no plans to order here.'));
    return card;
  }
  const plan = el('select', { id: 'order-plan', name: 'plan', required: true }, offered.map(p => el('option', { value: p.id }, planLabel(p))));
  const template = el('select', { id: 'order-template', name: 'template', required: true });
  api('GET', '/templates').then(list => template.replaceChildren(...list.filter(t => t.state === 'READY' && !t.retired)
    .filter((t, i, all) => all.findIndex(x => x.name === t.name) === i).map(t => el('option', { value: t.name }, t.osName || t.name)))).catch(() => {});
  const note = el('p', { class: 'muted', id: 'order-note' });
  const explain = () => {
    const p = offered.find(x => x.id === plan.value);
    note.textContent = p && p.needsApproval ? 'Your first order waits for approval by your provider.' : 'Made at once and billed from now.';
  };
  plan.addEventListener('change', explain);
  explain();
  const error = el('p', { class: 'error', role: 'alert' });
  const f = el('form', { id: 'order-form', onsubmit: async event => {
    event.preventDefault();
    error.textContent = '';
    try {
      const made = await api('POST', '/billing/orders', { plan: plan.value, template: template.value, hostname: f.hostname.value.trim() || null });
      say(made.state === 'PENDING' ? 'Your order waits for approval by your provider.' : 'Your server is being made.');
      redraw();
    } catch (e) { error.textContent = e.message; }
  } },
  el('div', { class: 'field' }, el('label', { for: 'order-plan' }, 'Plan'), plan),
  el('div', { class: 'field' }, el('label', { for: 'order-template' }, 'System'), template),
  el('div', { class: 'field' }, el('label', { for: 'order-hostname' }, 'Hostname'),
    el('input', { id: 'order-hostname', name: 'hostname', type: 'text', placeholder: 'web1.example.com', autocomplete: 'off' })),
  note, el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'order-submit' }, 'Order')), error);
  card.append(f);
  return card;
}
