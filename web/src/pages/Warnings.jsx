// Warnings from the syncs, newest first; acknowledging one hides it from the default view.
import { useState } from 'react';
import { api, enc, get } from '../api.js';
import { when } from '../format.js';
import { ErrorBox, StatusBadge, usePoll } from '../ui.jsx';

export default function Warnings() {
  const list = usePoll(() => get('/1.0/warnings'), 10000);
  const [all, setAll] = useState(false);
  const [error, setError] = useState(null);
  const rows = (list.data || [])
    .filter((w) => all || w.status !== 'acknowledged')
    .sort((a, b) => (a.last_seen_date < b.last_seen_date ? 1 : -1));
  async function setStatus(uuid, status) {
    try {
      await api('PUT', `/1.0/warnings/${enc(uuid)}`, { status });
      setError(null);
    } catch (err) {
      setError(err);
    }
    list.reload();
  }
  return (
    <section>
      <h1>Warnings</h1>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show
        acknowledged
      </label>
      <ErrorBox error={list.error || error} />
      <table className="grid" data-testid="warnings-table">
        <thead>
          <tr>
            <th>Status</th>
            <th>Type</th>
            <th>Scope</th>
            <th>Messages</th>
            <th>Count</th>
            <th>Last seen</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={w.uuid}>
              <td>
                <StatusBadge status={w.status} />
              </td>
              <td>{w.type}</td>
              <td>
                {w.scope?.entity_type} {w.scope?.entity}
              </td>
              <td>
                <ul className="messages">
                  {(w.messages || []).map((m, i) => (
                    <li key={i}>{m}</li>
                  ))}
                </ul>
              </td>
              <td>{w.count}</td>
              <td>{when(w.last_seen_date)}</td>
              <td>
                {w.status === 'acknowledged' ? (
                  <button onClick={() => setStatus(w.uuid, 'new')}>Unacknowledge</button>
                ) : (
                  <button onClick={() => setStatus(w.uuid, 'acknowledged')}>Acknowledge</button>
                )}
              </td>
            </tr>
          ))}
          {list.data && rows.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No warnings.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
