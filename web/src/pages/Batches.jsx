// Batches: the list, a YAML editor for a new or existing batch (the server's message shown at the
// line of the field it names; the text is kept on a failed submit), the batch's matched and
// queued instances, start / stop / reset, and the timeline of its windows.
import { useEffect, useState } from 'react';
import { api, enc, fieldOf, get } from '../api.js';
import { batchToYaml, lineOf, newBatchYaml, yamlToBatch } from '../batchYaml.js';
import { when } from '../format.js';
import { ErrorBox, Link, StatusBadge, navigate, usePoll } from '../ui.jsx';
import Timeline from './Timeline.jsx';

export default function Batches({ sub, base }) {
  if (sub[0] === 'new') return <BatchEditor base={base} />;
  if (sub[0]) return <BatchPage name={sub[0]} base={base} />;
  return <BatchList base={base} />;
}

function BatchList({ base }) {
  const list = usePoll(() => get('/1.0/batches?recursion=1'), 3000);
  return (
    <section>
      <h1>Batches</h1>
      <ErrorBox error={list.error} />
      <table className="grid" data-testid="batches-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Include expression</th>
            <th>Target</th>
            <th>Windows</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {(list.data || []).map((b) => (
            <tr key={b.name}>
              <td>
                <Link to={`${base}/${enc(b.name)}`}>{b.name}</Link>
              </td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td>
                <code>{b.include_expression}</code>
              </td>
              <td>{b.defaults?.placement?.target}</td>
              <td>{(b.migration_windows || []).length}</td>
              <td>{when(b.start_date)}</td>
            </tr>
          ))}
          {list.data && list.data.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No batches yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Link to={`${base}/new`} className="button">
        New batch
      </Link>
    </section>
  );
}

// The YAML editor. `existing`: the batch being edited (PUT), else a new one (POST).
function BatchEditor({ base, existing, onSaved }) {
  const [text, setText] = useState(existing ? batchToYaml(existing) : null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (text !== null) return;
    get('/1.0/targets')
      .then((urls) => setText(newBatchYaml(decodeURIComponent((urls[0] || '').split('/').pop()))))
      .catch(() => setText(newBatchYaml('')));
  }, [text]);
  if (text === null) return null;

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    try {
      const body = yamlToBatch(text);
      const saved = existing
        ? await api('PUT', `/1.0/batches/${enc(existing.name)}`, body)
        : await api('POST', '/1.0/batches', body);
      setError(null);
      if (onSaved) onSaved(saved);
      navigate(`${base}/${enc(saved.name)}`);
    } catch (err) {
      setError(err.message);  // the text stays as typed
    } finally {
      setBusy(false);
    }
  }

  const line = error ? (/^line (\d+):/.exec(error)?.[1] ?? lineOf(text, fieldOf(error))) : null;
  const lines = text.split('\n');
  return (
    <form className="card" onSubmit={submit} data-testid="batch-editor">
      <h2>{existing ? `Edit batch ${existing.name}` : 'New batch'}</h2>
      <p className="muted">
        The batch as YAML, as <code>migration-manager batch edit</code> shows it. Times are UTC.
      </p>
      <div className={`yaml-editor${error ? ' has-error' : ''}`} data-field="yaml">
        <pre className="gutter" aria-hidden="true">
          {lines.map((_, i) => (
            <span key={i} className={String(i + 1) === String(line) ? 'err-line' : ''}>
              {i + 1}
            </span>
          ))}
        </pre>
        <textarea
          name="yaml"
          spellCheck={false}
          rows={Math.max(lines.length + 1, 12)}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      {error && (
        <div className="field-error" role="alert" data-testid="batch-error">
          {line && !/^line \d+:/.test(error) ? `line ${line}: ` : ''}
          {error}
        </div>
      )}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {existing ? 'Save' : 'Create batch'}
        </button>
        {!existing && (
          <Link to={base} className="button secondary">
            Cancel
          </Link>
        )}
      </div>
    </form>
  );
}

function BatchPage({ name, base }) {
  const batch = usePoll(() => get(`/1.0/batches/${enc(name)}`), 3000, [name]);
  const matched = usePoll(() => get(`/1.0/batches/${enc(name)}/instances?recursion=1`), 10000, [
    name,
  ]);
  const queued = usePoll(() => get(`/1.0/batches/${enc(name)}/queue?recursion=1`), 3000, [name]);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const b = batch.data;

  async function act(action) {
    if (action === 'remove' && !window.confirm(`Remove batch ${name}?`)) return;
    try {
      if (action === 'remove') {
        await api('DELETE', `/1.0/batches/${enc(name)}`);
        navigate(base);
        return;
      }
      await api('POST', `/1.0/batches/${enc(name)}/:${action}`);
      setError(null);
    } catch (err) {
      setError(err);
    }
    batch.reload();
    queued.reload();
  }

  if (!b) return <ErrorBox error={batch.error} />;
  const queuedByUuid = Object.fromEntries((queued.data || []).map((q) => [q.instance_uuid, q]));
  return (
    <section>
      <h1>
        Batch {b.name} <StatusBadge status={b.status} />
      </h1>
      <p className="muted">
        {b.status_message !== b.status && b.status_message}
        {b.start_date && !b.start_date.startsWith('0001') && ` Started ${when(b.start_date)}.`}
      </p>
      <div className="buttons" data-testid="batch-actions">
        <button onClick={() => act('start')} disabled={!['Defined', 'Stopped'].includes(b.status)}>
          Start
        </button>
        <button onClick={() => act('stop')} disabled={!['Queued', 'Running'].includes(b.status)}>
          Stop
        </button>
        <button
          onClick={() => act('reset')}
          disabled={!['Stopped', 'Finished', 'Error'].includes(b.status)}
        >
          Reset
        </button>
        <button onClick={() => setEditing(!editing)}>{editing ? 'Close editor' : 'Edit'}</button>
        <button className="danger" onClick={() => act('remove')}>
          Remove
        </button>
      </div>
      <ErrorBox error={error} />
      {editing && (
        <BatchEditor
          base={base}
          existing={b}
          onSaved={() => {
            setEditing(false);
            batch.reload();
          }}
        />
      )}
      <h2>Timeline</h2>
      <Timeline batch={b} queue={queued.data || []} />
      <h2>Matched instances</h2>
      <ErrorBox error={matched.error} />
      <ul className="instances" data-testid="matched">
        {(matched.data || []).map((i) => {
          const q = queuedByUuid[i.properties.uuid];
          return (
            <li key={i.properties.uuid}>
              {i.properties.location}
              {i.overrides?.disable_migration && <span className="badge warn">Migration Disabled</span>}
              {q && <StatusBadge status={q.migration_status} />}
            </li>
          );
        })}
        {matched.data && matched.data.length === 0 && <li className="muted">None.</li>}
      </ul>
      {(queued.data || []).length > 0 && (
        <p>
          <Link to="/ui/queue">Follow the queue →</Link>
        </p>
      )}
    </section>
  );
}
