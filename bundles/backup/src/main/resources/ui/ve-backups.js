// The Backups tab on a VE's page (portal): the VE's backups with what each holds, a backup made now, a restore in place,
// files and folders browsed, downloaded or put back into the running server, and a deletion — each a tracked operation whose progress is shown while it runs.
import { follower } from './operations.js';

const STATES = { DONE: 'RUNNING', INCOMPLETE: 'CREATING', QUEUED: 'CREATING', RUNNING: 'CREATING', DELETING: 'CREATING', FAILED: 'ERROR' };

export async function render(container, { api, el, say, ask, size, ve, me, onLeave }) {
  const may = p => (me.permissions || []).includes(p) || (me.permissions || []).includes('*');
  let left = false;
  if (onLeave) onLeave(() => { left = true; });
  const status = el('p', { class: 'muted', id: 'backup-progress', 'aria-live': 'polite' }, '');

  const { follow, act } = follower(api, say, status, () => draw(), () => !left);

  const backupNow = async () => {
    const values = await ask('Back up server ' + ve + ' now', [['note', 'Note (optional)', 'text', { required: false, maxlength: 500 }]], 'Back up');
    if (values) act(api('POST', '/ves/' + ve + '/backups', { note: values.note.value || null }), 'The backup is made.');
  };

  const restore = async b => {
    const sure = await ask('Restore server ' + ve + ' to ' + new Date(b.createdAt).toLocaleString() + '?', [], 'Restore');
    if (sure) act(api('POST', '/ves/' + ve + '/backups/' + b.id + '/restore'), 'Server ' + ve + ' is restored.');
  };

  const remove = async b => {
    const sure = await ask('Delete the backup of ' + new Date(b.createdAt).toLocaleString() + '?', [], 'Delete');
    if (sure) act(api('DELETE', '/ves/' + ve + '/backups/' + b.id), 'The backup is deleted.');
  };

  // a file or folder of a backup put back into the running server, at its place or in a folder named
  const putBack = async (b, path) => {
    const values = await ask('Put ' + path + ' back into server ' + ve + '?', [['into',
      'Into folder (empty: where it was; what is there now is replaced)', 'text', { required: false, maxlength: 4096, placeholder: '/root/restored' }]],
    'Put back');
    if (values) {
      act(api('POST', '/ves/' + ve + '/backups/' + b.id + '/restore', { paths: [path], into: values.into.value || null }),
        path + ' is back in server ' + ve + '.');
    }
  };

  // a backup's files: directories to open, files (and directories, as .tar.zst) to download with the session's cookie
  const browser = el('div', { id: 'backup-files' });
  const browse = async (b, path) => {
    let listing;
    try {
      listing = await api('GET', '/ves/' + ve + '/backups/' + b.id + '/files?path=' + encodeURIComponent(path));
    } catch (e) {
      say(e.message);
      return;
    }
    const download = p => '/api/v1/ves/' + ve + '/backups/' + b.id + '/download?path=' + encodeURIComponent(p);
    const up = path === '/' ? null : path.substring(0, path.lastIndexOf('/')) || '/';
    browser.replaceChildren(el('h3', {}, 'Files of ' + new Date(b.createdAt).toLocaleString() + ': ' + path),
      el('div', { class: 'actions' },
        up ? el('button', { type: 'button', onclick: () => browse(b, up) }, 'Up') : '',
        el('a', { href: download(path), download: '', 'data-download': path }, 'Download ' + (path === '/' ? 'everything' : 'this folder') + ' (.tar.zst)'),
        path !== '/' && may('backup.restore')
          ? el('button', { type: 'button', 'data-put-back': path, onclick: () => putBack(b, path) }, 'Put this folder back') : '',
        el('button', { type: 'button', onclick: () => browser.replaceChildren() }, 'Close')),
      el('table', {}, el('tbody', {}, listing.entries.map(f => el('tr', { 'data-file': f.path },
        el('td', {}, f.type === 'dir'
          ? el('button', { type: 'button', class: 'link', onclick: () => browse(b, f.path) }, f.name + '/')
          : f.type === 'file' ? el('a', { href: download(f.path), download: f.name }, f.name) : f.name + (f.type === 'symlink' ? ' (link)' : '')),
        el('td', { class: 'optional' }, f.permissions + ' ' + f.uid + ':' + f.gid),
        el('td', {}, f.type === 'file' ? size(f.size) : ''),
        el('td', {}, may('backup.restore') && (f.type === 'file' || f.type === 'dir')
          ? el('button', { type: 'button', 'aria-label': 'Put ' + f.path + ' back', onclick: () => putBack(b, f.path) }, 'Put back') : ''))))));
  };

  const row = b => el('tr', { 'data-backup': b.id },
    el('td', {}, new Date(b.createdAt).toLocaleString(), b.note ? el('div', { class: 'muted' }, b.note) : ''),
    el('td', {}, el('span', { class: 'badge ' + (STATES[b.state] || 'CREATING'), 'data-backup-state': b.id }, b.state),
      b.error ? el('div', { class: 'muted' }, b.error) : ''),
    el('td', { class: 'optional' }, b.bytesTotal != null ? size(b.bytesTotal) + ' in ' + b.files + ' files' : ''),
    el('td', { class: 'optional' }, b.bytesAdded != null ? '+' + size(b.bytesAdded) : ''),
    el('td', {}, el('div', { class: 'actions' },
      b.state === 'DONE' || b.state === 'INCOMPLETE'
        ? el('button', { type: 'button', 'aria-label': 'Files of the backup of ' + b.createdAt, onclick: () => browse(b, '/') }, 'Files') : '',
      may('backup.restore') && (b.state === 'DONE' || b.state === 'INCOMPLETE')
        ? el('button', { type: 'button', 'aria-label': 'Restore from the backup of ' + b.createdAt, onclick: () => restore(b) }, 'Restore') : '',
      may('backup.manage') && !/QUEUED|RUNNING|DELETING/.test(b.state)
        ? el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete the backup of ' + b.createdAt, onclick: () => remove(b) }, 'Delete') : '')));

  const draw = async () => {
    let backups;
    try {
      backups = await api('GET', '/ves/' + ve + '/backups');
    } catch (e) {
      container.replaceChildren(el('p', { class: 'muted', id: 've-backups' }, e.message));
      return;
    }
    container.replaceChildren(el('div', { id: 've-backups' },
      el('div', { class: 'actions' }, may('backup.manage')
        ? el('button', { type: 'button', id: 'backup-now', onclick: backupNow }, 'Back up now') : ''),
      status,
      backups.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Made'), el('th', {}, 'State'),
        el('th', { class: 'optional' }, 'Holds'), el('th', { class: 'optional' }, 'Stored'), el('th', {}, ''))),
      el('tbody', {}, backups.map(row)))
        : el('p', { class: 'muted' }, 'No backups of this server yet.'), browser));
    const running = backups.find(b => /QUEUED|RUNNING|DELETING/.test(b.state) && b.operation);
    if (running && !status.textContent) follow({ id: running.operation, state: 'RUNNING' }, 'The backup is made.');
  };
  await draw();
}
