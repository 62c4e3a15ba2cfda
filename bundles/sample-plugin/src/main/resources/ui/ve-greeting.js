// The sample plugin's tab on a VE's page (portal): context.ve is the VE's id.
export async function render(container, { api, el, ve }) {
  const server = await api('GET', '/ves/' + ve);
  container.replaceChildren(el('p', { id: 've-greeting' }, 'Hello from the sample plugin, ' + server.hostname + '!'));
}
