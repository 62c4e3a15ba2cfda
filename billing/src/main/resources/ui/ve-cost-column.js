// Billing's column in the portal's list of VEs: what each VE costs so far this period and where it is heading,
// kept live from the event stream (event: cost, every 10 s per VE) until the list is left. Amounts stay the API's
// decimal strings. VEs no plan bills show a dash.
export async function column({ api, el, me, ves, onLeave }) {
  // no subscription (so perhaps no billing account): no column, and no request that would only answer 404
  const subscriptions = await api('GET', '/billing/subscriptions').catch(() => []);
  if (!subscriptions.length) return null;
  const account = await api('GET', '/billing/accounts/' + me.tenant.id + '/cost').catch(() => null);
  if (!account) return null;
  const cells = new Map();
  const text = c => c.soFar + ' → ' + c.projected + ' ' + account.currency;
  const known = new Map(account.ves.map(c => [c.ve, c]));
  const stream = new EventSource('/api/v1/events?' + ves.slice(0, 50).map(v => 've=' + encodeURIComponent(v.id)).join('&'));
  stream.addEventListener('cost', message => {
    const live = JSON.parse(message.data);
    const cell = cells.get(Number(live.ve));
    if (!cell || !cell.isConnected) return;
    cell.textContent = text(live);
    cell.title = 'So far this period ' + live.soFar + ', projected ' + live.projected + ' ' + live.currency;
  });
  onLeave(() => stream.close());
  return ve => {
    const c = known.get(ve.id);
    const cell = el('span', { 'data-ve-cost': ve.id, title: c ? 'So far this period ' + c.soFar + ', projected ' + c.projected + ' ' + account.currency
      : 'Not billed through a plan' }, c ? text(c) : '–');
    cells.set(ve.id, cell);
    return cell;
  };
}
