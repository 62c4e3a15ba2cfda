// Customers' billing in the admin panel, for the provider's and resellers' administrators (each sees its own
// customers): a customer's billing account (currency, balance, dunning, whether an external system invoices it), its
// subscriptions (subscribe, another plan with the prorated price, pause, resume, cancel), its payments, and a
// top-up of its balance. Served from the billing bundle; amounts stay the API's decimal strings.
export async function render(container, ctx) {
  const { api, el, say, ask } = ctx;
  const [tenants, plans] = await Promise.all([api('GET', '/tenants').catch(() => []), api('GET', '/billing/plans').catch(() => [])]);
  const customers = tenants.filter(t => t.kind === 'CUSTOMER' || t.kind === 'RESELLER');
  const picker = el('select', { id: 'account-customer' }, el('option', { value: '' }, 'Choose a customer…'),
    customers.map(t => el('option', { value: t.id }, t.name + (t.kind === 'RESELLER' ? ' (reseller)' : ''))));
  const body = el('div', { id: 'account-details' });
  picker.addEventListener('change', () => show(picker.value));
  container.replaceChildren(el('div', { class: 'card' }, el('h2', {}, 'Customer accounts'),
    el('div', { class: 'field' }, el('label', { for: 'account-customer' }, 'Customer'), picker)), body);
  const wanted = new URLSearchParams(location.hash.split('?')[1] || '').get('customer');
  if (wanted && customers.some(t => t.id === wanted)) { picker.value = wanted; await show(wanted); }

  async function show(tenant) {
    if (!tenant) { body.replaceChildren(); return; }
    const name = customers.find(t => t.id === tenant).name;
    const account = await api('GET', '/billing/accounts/' + tenant).catch(e => e);
    if (account instanceof Error) {
      body.replaceChildren(el('div', { class: 'card' }, el('p', { class: 'muted' }, account.status === 404 ? name + ' has no billing account yet.' : account.message),
        account.status === 404 ? el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', id: 'account-open', onclick: () => open(tenant, name) },
          'Open a billing account')) : ''));
      return;
    }
    const reseller = customers.find(t => t.id === tenant).kind === 'RESELLER';
    const [subscriptions, payments, terms] = await Promise.all([api('GET', '/billing/subscriptions?tenant=' + tenant).catch(() => []),
      api('GET', '/billing/accounts/' + tenant + '/payments').catch(() => []),
      reseller ? api('GET', '/billing/resellers/' + tenant + '/terms').catch(() => null) : null]);
    const again = () => show(tenant);
    const act = async (promise, done) => { try { await promise; say(done); await again(); } catch (e) { say(e.message); } };
    const sellable = plans.filter(p => !p.retiredAt && p.definition.currency === account.currency);
    const planOptions = sellable.map(p => [p.id, p.definition.name + ' — ' + p.definition.price + ' ' + p.definition.currency + ' / ' + p.definition.period.toLowerCase()]);

    const change = s => ask('Move ' + name + "'s " + s.planName + ' to', [['plan', 'Plan', 'select', { options: planOptions.filter(([id]) => id !== s.plan) }]], 'Change plan')
      .then(f => f && act(api('POST', '/billing/subscriptions/' + s.id + '/change', { plan: f.plan.value }), s.planName + ' changed.'));
    const cancel = s => ask('Cancel ' + s.planName + ' of ' + name + '?', [['when', 'When', 'select',
      { options: [['periodEnd', 'at the end of the period'], ['now', 'now (unused time is credited)']] }]], 'Cancel subscription')
      .then(f => f && act(api('POST', '/billing/subscriptions/' + s.id + '/cancel', { when: f.when.value }), s.planName + ' cancelled.'));
    const running = s => !['CANCELLED', 'RESUMED'].includes(s.state);
    const subscriptionRows = subscriptions.slice().reverse().map(s => el('tr', { 'data-subscription': s.id }, el('td', {}, s.planName + ' v' + s.planVersion),
      el('td', {}, s.state.toLowerCase() + (s.cancelAt && !s.endedAt ? ', ends ' + new Date(s.cancelAt).toLocaleDateString() : '')),
      el('td', { class: 'optional' }, s.ve ? 'VE ' + s.ve : '–'), el('td', { class: 'optional' }, new Date(s.startedAt).toLocaleDateString()),
      el('td', {}, el('div', { class: 'actions' },
        running(s) && s.state !== 'PAUSED' ? el('button', { type: 'button', 'aria-label': 'Change plan of ' + s.planName, onclick: () => change(s) }, 'Plan…') : '',
        running(s) && s.state !== 'PAUSED' ? el('button', { type: 'button', 'aria-label': 'Pause ' + s.planName,
          onclick: () => act(api('POST', '/billing/subscriptions/' + s.id + '/pause'), s.planName + ' paused; its VE is stopped.') }, 'Pause') : '',
        s.state === 'PAUSED' ? el('button', { type: 'button', 'aria-label': 'Resume ' + s.planName,
          onclick: () => act(api('POST', '/billing/subscriptions/' + s.id + '/resume'), s.planName + ' resumed.') }, 'Resume') : '',
        running(s) && s.state !== 'PAUSED' && !s.cancelAt ? el('button', { type: 'button', class: 'danger', 'aria-label': 'Cancel ' + s.planName,
          onclick: () => cancel(s) }, 'Cancel…') : ''))));

    const subscribe = el('form', { id: 'account-subscribe', class: 'grid', onsubmit: async e => {
      e.preventDefault();
      const template = subscribe.querySelector('#subscribe-template').value.trim();
      const request = { tenant, plan: subscribe.querySelector('#subscribe-plan').value };
      if (template) request.newVe = { template, hostname: subscribe.querySelector('#subscribe-hostname').value.trim() || null };
      await act(api('POST', '/billing/subscriptions', request), template ? 'Subscribed; the VE is being made.' : 'Subscribed.');
    } },
    field('subscribe-plan', 'Plan', el('select', { id: 'subscribe-plan', required: true }, planOptions.map(([id, text]) => el('option', { value: id }, text)))),
    field('subscribe-template', 'New VE from template (empty: none)', el('input', { id: 'subscribe-template', placeholder: 'debian-12' })),
    field('subscribe-hostname', 'Its hostname', el('input', { id: 'subscribe-hostname' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', disabled: !planOptions.length }, 'Subscribe')));

    // the upcoming invoice issued now (not at the period's end): what is due and the period's usage so far; the
    // rest of the period is later priced on top of it. The operation is waited for.
    const billNow = async () => {
      try {
        const op = await api('POST', '/billing/runs?tenant=' + tenant + '&usageSoFar=true');
        let state = op.state;
        for (let i = 0; i < 60 && !['SUCCEEDED', 'FAILED'].includes(state); i++) state = (await api('GET', '/operations/' + op.id + '?wait=5')).state;
        say(state === 'SUCCEEDED' ? 'Invoiced what was due; the customer is told of new invoices.' : 'The invoicing did not finish: ' + state + '.');
        await again();
      } catch (e) { say(e.message); }
    };
    const topUp = () => ask('Top up the balance of ' + name, [['amount', 'Amount (' + account.currency + ')', 'text', { inputmode: 'decimal' }],
      ['method', 'Received by', 'select', { options: [['BANK_TRANSFER', 'bank transfer'], ['CASH', 'cash'], ['CARD', 'card'], ['OTHER', 'other']] }],
      ['reference', 'Reference', 'text', { required: false }]], 'Record top-up')
      .then(f => f && act(api('POST', '/billing/accounts/' + tenant + '/payments', { amount: f.amount.value.trim(), method: f.method.value,
        reference: f.reference.value.trim() || null }), 'Payment recorded; open invoices are paid from it first.'));

    const refund = p => ask('Refund of the payment of ' + p.amount + ' ' + p.currency, [['amount', 'Amount to refund', 'text',
      { value: p.amount, inputmode: 'decimal' }], ['reason', 'Reason', 'text']], 'Refund')
      .then(f => f && act(api('POST', '/billing/payments/' + p.id + '/refunds', { amount: f.amount.value.trim(), reason: f.reason.value.trim() }),
        'Refund recorded.'));

    body.replaceChildren(
      el('div', { class: 'card', id: 'account-summary' }, el('h2', {}, name),
        el('div', { class: 'grid' },
          el('div', {}, el('strong', {}, 'Balance'), el('div', { id: 'account-balance' }, account.balance + ' ' + account.currency)),
          el('div', {}, el('strong', {}, 'Invoiced by'), el('div', {}, account.externalBilling ? 'an external billing system (Vessel meters only)'
            : account.seller)),
          el('div', {}, el('strong', {}, 'Dunning'), el('div', {}, account.dunningStep ? 'step ' + account.dunningStep + ' since '
            + new Date(account.overdueSince).toLocaleDateString() : 'nothing overdue')),
          el('div', {}, el('strong', {}, 'Period'), el('div', {}, 'from day ' + account.anchorDay + ' (' + account.timeZone + ')'))),
        el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', id: 'account-top-up', onclick: topUp }, 'Top up balance…'),
          account.externalBilling ? '' : el('button', { type: 'button', id: 'account-bill-now', onclick: billNow }, 'Issue the upcoming invoice now'))),
      el('div', { class: 'card' }, el('h2', {}, 'Subscriptions'),
        subscriptions.length ? el('table', { id: 'account-subscriptions' }, el('thead', {}, el('tr', {}, el('th', {}, 'Plan'), el('th', {}, 'State'),
          el('th', { class: 'optional' }, 'VE'), el('th', { class: 'optional' }, 'Since'), el('th', {}, 'Actions'))), el('tbody', {}, subscriptionRows))
          : el('p', { class: 'muted' }, 'No subscriptions.'),
        el('h3', {}, 'Subscribe to a plan'), subscribe),
      el('div', { class: 'card' }, el('h2', {}, 'Payments'),
        payments.length ? el('table', { id: 'account-payments' }, el('thead', {}, el('tr', {}, el('th', {}, 'Received'), el('th', {}, 'Amount'),
          el('th', { class: 'optional' }, 'Method'), el('th', {}, 'Paid'), el('th', {}, ''))),
        el('tbody', {}, payments.map(p => el('tr', {}, el('td', {}, new Date(p.receivedAt).toLocaleDateString()), el('td', {}, p.amount + ' ' + p.currency),
          el('td', { class: 'optional' }, p.method.replace('_', ' ').toLowerCase() + (p.reference ? ' (' + p.reference + ')' : '')),
          el('td', {}, p.appliedTo.map(a => a.number + ': ' + a.amount).concat(p.toBalance && !/^0(\.0+)?$/.test(p.toBalance) ? ['balance: ' + p.toBalance] : [])
            .join(', ') || '–'),
          el('td', {}, p.refunded && !/^0(\.0+)?$/.test(p.refunded) ? 'refunded ' + p.refunded : /^-/.test(p.amount) ? ''
            : el('button', { type: 'button', 'aria-label': 'Refund payment of ' + p.amount + ' received ' + new Date(p.receivedAt).toLocaleDateString(),
              onclick: () => refund(p) }, 'Refund…'))))))
          : el('p', { class: 'muted' }, 'No payments.')),
      terms ? termsCard(tenant, name, terms, act) : '');
  }

  // a reseller's terms: how the provider bills it (its allocation, or its customers' usage), how far it may
  // oversell each resource, and whether its customers' first orders wait for its approval
  function termsCard(tenant, name, terms, act) {
    const ratio = c => el('input', { id: 'terms-ratio-' + c.resource, value: (terms.oversell || {})[c.resource] || '', placeholder: '1.0',
      inputmode: 'decimal', 'aria-label': 'Oversell ratio of ' + c.resource });
    const inputs = terms.capacity.map(c => [c.resource, ratio(c)]);
    const number = v => v === null || v === undefined ? 'open' : String(v);
    const card = el('form', { class: 'card', id: 'reseller-terms', onsubmit: e => {
      e.preventDefault();
      const oversell = {};
      inputs.forEach(([resource, input]) => { if (input.value.trim()) oversell[resource] = input.value.trim(); });
      act(api('PUT', '/billing/resellers/' + tenant + '/terms', { wholesale: card.querySelector('#terms-wholesale').value, oversell,
        firstOrderApproval: card.querySelector('#terms-approval').checked }), 'Terms of ' + name + ' saved.');
    } },
    el('h2', {}, 'Reseller terms'),
    field('terms-wholesale', 'You invoice ' + name + ' for', el('select', { id: 'terms-wholesale' }, [['ALLOCATION', 'the capacity of its plans (its price list)'],
      ['USAGE', "its customers' actual usage"]].map(([value, text]) => el('option', { value, selected: value === terms.wholesale }, text)))),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'terms-approval', checked: terms.firstOrderApproval }),
      " Its customers' first orders wait for its approval"),
    el('div', { class: 'table-scroll' }, el('table', { id: 'reseller-capacity' }, el('thead', {}, el('tr', {}, el('th', {}, 'Resource'),
      el('th', {}, 'Allocated'), el('th', {}, 'Oversell ×'), el('th', { class: 'optional' }, 'May sell'), el('th', { class: 'optional' }, 'Sold'))),
    el('tbody', {}, terms.capacity.map((c, i) => el('tr', { 'data-resource': c.resource }, el('td', {}, c.resource), el('td', {}, number(c.allocated)),
      el('td', {}, inputs[i][1]), el('td', { class: 'optional' }, number(c.sellable)), el('td', { class: 'optional' }, number(c.sold))))))),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'terms-save' }, 'Save terms')));
    return card;
  }

  async function open(tenant, name) {
    const f = await ask('Billing account of ' + name, [['currency', 'Currency', 'text', { value: 'EUR', maxlength: 3 }],
      ['anchorDay', 'Periods start on day', 'number', { value: 1, min: 1, max: 31 }]], 'Open account');
    if (!f) return;
    try {
      await api('PUT', '/billing/accounts/' + tenant, { currency: f.currency.value.trim().toUpperCase(), anchorDay: Number(f.anchorDay.value), timeZone: 'UTC' });
      say('Billing account opened.');
      await show(tenant);
    } catch (e) { say(e.message); }
  }

  function field(id, label, input) {
    return el('div', { class: 'field' }, el('label', { for: id }, label), input);
  }
}
