// Following a tracked operation from a backup page: its message and progress in `status` while it runs, then what
// it ended with said once, and the page drawn again. Shared by the portal's Backups tab and the admin Backups page.
export function follower(api, say, status, redraw, stillShown) {
  const follow = async (operation, done) => {
    let op = operation;
    while (!/SUCCEEDED|FAILED/.test(op.state) && stillShown()) {
      status.textContent = (op.message || 'waiting') + (op.progress ? ' (' + op.progress + ' %)' : '');
      op = await api('GET', '/operations/' + op.id + '?wait=2');
    }
    status.textContent = '';
    say(op.state === 'FAILED' ? (op.error || 'It failed.') : done);
    if (stillShown()) redraw();
  };
  // runs a request that answers with an operation, and follows it; a refusal is said at once
  const act = async (request, done) => {
    try {
      await follow(await request, done);
    } catch (e) {
      say(e.message);
    }
  };
  return { follow, act };
}
