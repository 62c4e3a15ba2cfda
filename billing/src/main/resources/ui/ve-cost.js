// Billing's Cost tab on a VE's page (portal): what this period costs so far and where it is heading, with a line per
// charge and a chart of the cost per day; it follows the VE's usage samples live (event: cost on the event stream,
// every 10 s) without a reload.
export async function render(container, { api, el, ve, onLeave, chart }) {
  let cost;
  let daily;
  try {
    [cost, daily] = await Promise.all([api('GET', '/billing/ves/' + ve + '/cost'), api('GET', '/billing/ves/' + ve + '/cost/daily')]);
  } catch (e) {
    container.replaceChildren(el('p', { class: 'muted', id: 've-cost' }, e.status === 404 ? 'This server is not billed through a plan.' : e.message));
    return;
  }
  const draw = c => container.replaceChildren(el('div', { id: 've-cost', 'data-at': c.at },
    el('div', { class: 'grid' },
      el('div', {}, el('strong', {}, 'So far this period'), el('div', { id: 've-cost-so-far' }, c.soFar + ' ' + c.currency)),
      el('div', {}, el('strong', {}, 'Projected to ' + new Date(c.periodEnd).toLocaleDateString()),
        el('div', { id: 've-cost-projected' }, c.projected + ' ' + c.currency))),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Charge'), el('th', {}, 'So far'), el('th', { class: 'optional' }, 'Projected'))),
      el('tbody', {}, c.lines.map(l => el('tr', { 'data-cost-line': l.meter || l.kind },
        el('td', {}, l.description + (l.meter ? ' — ' + l.used + ' used' + (l.included !== '0' ? ' of ' + l.included + ' included' : '') : '')),
        el('td', {}, l.soFar), el('td', { class: 'optional' }, l.projected))))),
    chart ? el('div', { id: 've-cost-daily' }, chart('Cost per day this period', days(c), v => v.toFixed(2) + ' ' + daily.currency, ['cost'])) : ''));
  // the days as the API counts them, today's brought up to the live figure; the chart only draws them (a picture,
  // not a sum that must be exact, so numbers will do)
  const days = c => {
    const before = daily.days.slice(0, -1).reduce((sum, d) => sum + Number(d.amount), 0);
    return daily.days.map((d, i) => ({ label: d.date, values: [i < daily.days.length - 1 ? Number(d.amount) : Math.max(0, Number(c.soFar) - before)] }));
  };
  draw(cost);
  // its own stream for this VE's live figures, closed when the page changes
  if (container.vesselCostStream) container.vesselCostStream.close(); // the tab drawn again: one stream, not two
  const stream = new EventSource('/api/v1/events?ve=' + encodeURIComponent(ve));
  container.vesselCostStream = stream;
  stream.addEventListener('cost', message => {
    const live = JSON.parse(message.data);
    if (String(live.ve) === String(ve) && container.isConnected) draw(live);
  });
  if (onLeave) onLeave(() => stream.close());
}
