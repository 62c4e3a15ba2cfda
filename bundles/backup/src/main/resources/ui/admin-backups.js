// The Backups page of the admin panel (provider): where backups go and whether each target is reachable, every
// tenant's repository with what it stores and what its last check found (check now, erase on request), and the panel's own backups
// (back up the panel now). Long actions are operations; their progress shows while they run. Served from the
// backup bundle through the UI SPI.
import { follower } from './operations.js';

export async function render(container, { api, el, say, size, ask }) {
  const status = el('p', { class: 'muted', id: 'admin-backup-progress', 'aria-live': 'polite' }, '');
  const { act } = follower(api, say, status, () => draw(), () => container.isConnected);
  const when = t => t ? new Date(t).toLocaleString() : 'never';
  const erase = async r => {
    if (!await ask('Erase every backup of ' + r.tenant + ' in ' + r.target + '? They cannot be restored afterwards.', [], 'Erase')) return;
    act(api('DELETE', '/backup-repositories/' + r.id), 'The backups of ' + r.tenant + ' are erased.');
  };

  const draw = async () => {
    const [targets, repositories, panelBackups] = await Promise.all([api('GET', '/backup-targets'), api('GET', '/backup-repositories'),
      api('GET', '/panel-backups').catch(e => ({ error: e.message }))]);
    container.replaceChildren(el('div', { id: 'admin-backups' },
      el('h1', {}, 'Backups'), status,
      el('div', { class: 'card' }, el('h2', {}, 'Targets'),
        el('table', { id: 'backup-targets' }, el('thead', {}, el('tr', {}, el('th', {}, 'Target'), el('th', {}, 'State'), el('th', { class: 'optional' }, 'Free'))),
          el('tbody', {}, targets.map(t => el('tr', { 'data-target': t.id },
            el('td', {}, el('strong', {}, t.id), el('div', { class: 'muted' }, t.description)),
            el('td', {}, el('span', { class: 'badge ' + (t.reachable ? 'RUNNING' : 'ERROR') }, t.reachable ? 'reachable' : 'unreachable'),
              el('div', { class: 'muted' }, t.health)),
            el('td', { class: 'optional' }, t.freeBytes != null ? size(t.freeBytes) : '–')))))),
      el('div', { class: 'card' }, el('h2', {}, 'Repositories'),
        repositories.length ? el('table', { id: 'backup-repositories' }, el('thead', {}, el('tr', {}, el('th', {}, 'Tenant'),
          el('th', { class: 'optional' }, 'Stored'), el('th', {}, 'Last check'), el('th', {}, ''))),
        el('tbody', {}, repositories.map(r => el('tr', { 'data-repository': r.id },
          el('td', {}, r.tenant, el('div', { class: 'muted' }, r.target + ' · ' + r.backups + ' backups'),
            r.orphanedSince ? el('div', { class: 'muted', 'data-orphaned': r.id }, 'No VE since ' + when(r.orphanedSince) + ': deleted after the retention') : ''),
          el('td', { class: 'optional' }, r.storedBytes != null ? size(r.storedBytes) : '–'),
          el('td', {}, r.checkOk == null ? 'not checked yet' : el('span', { class: 'badge ' + (r.checkOk ? 'RUNNING' : 'ERROR'),
            'data-check': r.id }, r.checkOk ? 'ok' : 'damaged'), el('div', { class: 'muted' }, when(r.checkedAt) + (r.checkError ? ': ' + r.checkError : ''))),
          el('td', {}, el('div', { class: 'actions' }, el('button', { type: 'button', 'aria-label': 'Check the repository of ' + r.tenant,
            onclick: () => act(api('POST', '/backup-repositories/' + r.id + '/check', {}), 'The repository of ' + r.tenant + ' is checked.') }, 'Check now'),
            r.tenant === 'panel' ? '' : el('button', { type: 'button', class: 'danger', 'aria-label': 'Erase the repository of ' + r.tenant,
              onclick: () => erase(r) }, 'Erase')))))))
          : el('p', { class: 'muted' }, 'No repositories yet: the first backup of a tenant makes one.')),
      el('div', { class: 'card', id: 'panel-backups' }, el('h2', {}, "The panel's own backups"),
        el('p', { class: 'muted' }, 'The database (accounts, invoices, audit log), keys and configuration, every night at 02:30 UTC. Keep the'
          + ' recovery key (keys/backup-recovery.key) off this machine: with it, these restore on a new host.'),
        el('div', { class: 'actions' }, el('button', { type: 'button', id: 'backup-panel-now',
          onclick: () => act(api('POST', '/panel-backups', {}), "The panel's backup is made.") }, 'Back up the panel now')),
        panelBackups.error ? el('p', { class: 'error' }, panelBackups.error) : panelBackups.length
          ? el('ul', {}, panelBackups.map(b => el('li', { 'data-panel-backup': b.id }, when(b.time) + ' (' + b.target + ', ' + b.id.substring(0, 8) + ')')))
          : el('p', { class: 'muted' }, 'None yet.'))));
  };
  await draw();
}
