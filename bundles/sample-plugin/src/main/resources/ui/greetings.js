// The sample plugin's page in the admin panel: the greetings it stored, and a form to add one. A plugin page is an
// ES module exporting render(container, context); context carries the panel's helpers (api, el, form, say, ...).
export async function render(container, { api, el, form, say }) {
  const list = el('ul', { id: 'greetings' });
  async function refresh() {
    const greetings = await api('GET', '/sample/greetings');
    list.replaceChildren(...(greetings.length ? greetings.map(g => el('li', {}, g.message + ' (from ' + g.guest + ')'))
      : [el('li', { class: 'muted' }, 'No greetings yet.')]));
  }
  const add = form('new-greeting', [['message', 'Message'], ['guest', 'Guest']], 'Add', async f => {
    await api('POST', '/sample/greetings', { message: f.message.value, guest: f.guest.value });
    say('Greeting added.');
    f.reset();
    await refresh();
  });
  container.append(el('div', { class: 'card' }, list), el('div', { class: 'card' }, el('h2', {}, 'Add a greeting'), add));
  await refresh();
}
