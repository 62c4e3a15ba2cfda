// Billing settings in the admin panel, for the provider's and each reseller's administrators (each for the documents
// it issues): what invoices print — legal name, address, e-mail, logo, payment terms, footer —, how they are
// numbered, and tax — the seller's country and tax id, whether prices include tax, the rates per customer country
// and region (or a tax engine plugin), and when prepaid credit is taxed. Served from the billing bundle.
export async function render(container, ctx) {
  const { api, el, say } = ctx;
  const [invoice, tax] = await Promise.all([api('GET', '/billing/invoice-settings'), api('GET', '/billing/tax-settings')]);
  let logo = invoice.logo || null;

  const issuerError = el('div', { class: 'error', role: 'alert', id: 'issuer-error' });
  const logoPreview = el('div', { id: 'issuer-logo-preview' });
  const drawLogo = () => logoPreview.replaceChildren(...(logo ? [el('img', { src: logo, alt: 'Logo on documents', class: 'logo-preview' }),
    el('button', { type: 'button', id: 'issuer-logo-remove', onclick: () => { logo = null; drawLogo(); } }, 'Remove logo')] : [el('span', { class: 'muted' }, 'No logo.')]));
  drawLogo();
  const logoFile = el('input', { id: 'issuer-logo', type: 'file', accept: 'image/png,image/jpeg' });
  logoFile.addEventListener('change', () => {
    const file = logoFile.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { logo = reader.result; drawLogo(); };
    reader.readAsDataURL(file);
  });
  const issuer = el('form', { class: 'card', id: 'issuer-settings', onsubmit: async event => {
    event.preventDefault();
    const v = id => issuer.querySelector('#issuer-' + id).value.trim() || null;
    try {
      await api('PUT', '/billing/invoice-settings', { legalName: v('legalName'), address: v('address'), email: v('email'), logo,
        paymentTerms: v('paymentTerms'), footer: v('footer'), numberFormat: v('numberFormat'), creditNoteNumberFormat: v('creditNoteNumberFormat'),
        numbersRestartYearly: issuer.querySelector('#issuer-yearly').checked });
      say('Invoice settings saved: documents issued from now on show them.');
      issuerError.replaceChildren();
    } catch (e) { issuerError.replaceChildren(problem(e)); }
  } },
  el('h2', {}, 'On your documents'),
  el('div', { class: 'grid' },
    text('legalName', 'Legal name', invoice.legalName),
    text('email', 'Billing e-mail', invoice.email, { type: 'email' }),
    area('address', 'Postal address', invoice.address),
    area('paymentTerms', 'Payment terms', invoice.paymentTerms),
    area('footer', 'Footer (bank details, registration)', invoice.footer),
    el('div', { class: 'field' }, el('label', { for: 'issuer-logo' }, 'Logo (PNG or JPEG, up to 256 kB)'), logoFile, logoPreview)),
  el('h3', {}, 'Numbers'),
  el('div', { class: 'grid' },
    text('numberFormat', 'Invoice numbers (now: ' + invoice.effectiveNumberFormat + ')', invoice.numberFormat, { placeholder: invoice.effectiveNumberFormat }),
    text('creditNoteNumberFormat', 'Credit note numbers (now: ' + invoice.effectiveCreditNoteNumberFormat + ')', invoice.creditNoteNumberFormat,
      { placeholder: invoice.effectiveCreditNoteNumberFormat })),
  el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'issuer-yearly', checked: !!invoice.numbersRestartYearly }), ' Numbers restart every year'),
  el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'issuer-save' }, 'Save')),
  issuerError);

  // ---- tax ----
  const taxError = el('div', { class: 'error', role: 'alert', id: 'tax-error' });
  const rates = el('tbody', { id: 'tax-rates' });
  const rateRow = r => {
    const row = el('tr', { class: 'tax-rate' },
      el('td', {}, el('input', { 'aria-label': 'Country', class: 'rate-country', value: r.country || '', maxlength: 2, required: true, placeholder: 'DE' })),
      el('td', {}, el('input', { 'aria-label': 'Region', class: 'rate-region', value: r.region || '', placeholder: 'any' })),
      el('td', {}, el('input', { 'aria-label': 'Rate in percent', class: 'rate-rate', value: r.rate || '', required: true, inputmode: 'decimal', placeholder: '19' })),
      el('td', {}, el('input', { 'aria-label': 'Name on documents', class: 'rate-name', value: r.name || '', placeholder: 'VAT' })),
      el('td', {}, el('button', { type: 'button', class: 'danger', 'aria-label': 'Remove rate', onclick: () => row.remove() }, 'Remove')));
    return row;
  };
  (tax.rates || []).forEach(r => rates.append(rateRow(r)));
  const taxForm = el('form', { class: 'card', id: 'tax-settings', onsubmit: async event => {
    event.preventDefault();
    const v = id => taxForm.querySelector('#tax-' + id).value.trim() || null;
    const list = [...rates.querySelectorAll('.tax-rate')].map(row => {
      const part = c => row.querySelector('.rate-' + c).value.trim() || null;
      return { country: (part('country') || '').toUpperCase(), region: part('region'), rate: part('rate'), name: part('name') };
    });
    try {
      await api('PUT', '/billing/tax-settings', { country: (v('country') || '').toUpperCase() || null, taxId: v('taxId'),
        pricesIncludeTax: taxForm.querySelector('#tax-included').checked, rates: list, engine: v('engine'), prepaidTax: v('prepaid') });
      say('Tax settings saved: the next documents are taxed so.');
      taxError.replaceChildren();
    } catch (e) { taxError.replaceChildren(problem(e)); }
  } },
  el('h2', {}, 'Tax'),
  el('div', { class: 'grid' },
    text('country', 'Your country', tax.country, { maxlength: 2, placeholder: 'DE' }, 'tax'),
    text('taxId', 'Your tax id', tax.taxId, {}, 'tax'),
    text('engine', 'Tax engine plugin (empty: the rates below)', tax.engine, {}, 'tax'),
    el('div', { class: 'field' }, el('label', { for: 'tax-prepaid' }, 'Prepaid credit is taxed'),
      el('select', { id: 'tax-prepaid' }, [['AT_USE', 'when it pays an invoice'], ['AT_TOP_UP', 'when it is topped up (prepayment invoice)']]
        .map(([value, label]) => el('option', { value, selected: value === (tax.prepaidTax || 'AT_USE') }, label))))),
  el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'tax-included', checked: !!tax.pricesIncludeTax }), ' Prices include tax'),
  el('h3', {}, 'Rates by the customer\'s country and region'),
  el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Country'), el('th', {}, 'Region'),
    el('th', {}, 'Rate %'), el('th', {}, 'Name'), el('th', {}, ''))), rates)),
  el('div', { class: 'actions' },
    el('button', { type: 'button', id: 'tax-add-rate', onclick: () => { const row = rateRow({}); rates.append(row); row.querySelector('input').focus(); } }, 'Add rate'),
    el('button', { type: 'submit', class: 'primary', id: 'tax-save' }, 'Save tax settings')),
  taxError);

  container.replaceChildren(issuer, taxForm);

  function problem(e) {
    return el('div', {}, el('p', {}, e.message), e.errors && e.errors.length ? el('ul', {}, e.errors.map(f => el('li', {}, f.field + ': ' + f.message))) : '');
  }

  function text(name, label, value, extra, prefix = 'issuer') {
    const id = prefix + '-' + name;
    return el('div', { class: 'field' }, el('label', { for: id }, label),
      el('input', Object.assign({ id, value: value || '' }, extra || {})));
  }

  function area(name, label, value) {
    return el('div', { class: 'field' }, el('label', { for: 'issuer-' + name }, label), el('textarea', { id: 'issuer-' + name, rows: 3 }, value || ''));
  }
}
