// Instances, filtered by an include expression (evaluated by the daemon, so the syntax and its
// errors are exactly the batches'), and the per-instance override form.
import { useState } from 'react';
import { api, get, enc, fieldOf } from '../api.js';
import { bytes } from '../format.js';
import { ErrorBox, Field, usePoll } from '../ui.jsx';

export default function Instances() {
  const [expr, setExpr] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePoll(
    () =>
      get(
        applied.trim()
          ? `/1.0/instances?include_expression=${enc(applied)}`
          : '/1.0/instances?recursion=1',
      ),
    10000,
    [applied],
  );
  const [selected, setSelected] = useState(null);

  return (
    <section>
      <h1>Instances</h1>
      <form
        className="filter"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(expr);
        }}
      >
        <Field
          label="Include expression"
          name="include_expression"
          error={list.error && applied ? list.error.message : null}
          hint="e.g. os == 'Debian' and cpus >= 2 (empty: all)"
        >
          <input name="include_expression" value={expr} onChange={(e) => setExpr(e.target.value)} />
        </Field>
        <button type="submit">Filter</button>
      </form>
      {!applied && <ErrorBox error={list.error} />}
      <table className="grid" data-testid="instances-table">
        <thead>
          <tr>
            <th>Location</th>
            <th>Source</th>
            <th>OS</th>
            <th>CPUs</th>
            <th>Memory</th>
            <th>Disks</th>
            <th>Background import</th>
            <th>Override</th>
          </tr>
        </thead>
        <tbody>
          {(list.data || []).map((i) => {
            const p = i.properties;
            const o = i.overrides || {};
            const overridden = o.last_update && !o.last_update.startsWith('0001-01-01');
            return (
              <tr
                key={p.uuid}
                className={selected === p.uuid ? 'selected clickable' : 'clickable'}
                onClick={() => setSelected(p.uuid)}
              >
                <td>
                  {p.location}
                  {i.missing && <span className="badge bad">missing</span>}
                </td>
                <td>{i.source}</td>
                <td>{p.os_version || p.os}</td>
                <td>{p.cpus}</td>
                <td>{bytes(p.memory)}</td>
                <td>{(p.disks || []).map((d) => bytes(d.capacity)).join(', ')}</td>
                <td>{p.background_import ? 'yes' : 'no'}</td>
                <td>
                  {o.disable_migration ? 'migration disabled' : overridden ? o.comment || 'yes' : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {selected && (
        <OverrideForm key={selected} uuid={selected} onSaved={list.reload} onClose={() => setSelected(null)} />
      )}
    </section>
  );
}

const PROPS = [
  ['name', 'Name'],
  ['description', 'Description'],
  ['cpus', 'CPUs', true],
  ['memory', 'Memory (bytes)', true],
  ['os', 'OS'],
  ['os_version', 'OS version'],
  ['architecture', 'Architecture'],
];

function OverrideForm({ uuid, onSaved, onClose }) {
  const current = usePoll(() => get(`/1.0/instances/${enc(uuid)}/override`), 0);
  const [form, setForm] = useState(null);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const o = form || current.data;
  if (!o) return <ErrorBox error={current.error} />;
  const props = o.properties || {};
  const errField = fieldOf(error?.message);
  const errorFor = (path) => (errField === path ? error.message : null);
  const set = (patch) => {
    setSaved(false);
    setForm({ ...o, ...patch });
  };
  const setProp = (k, v) => set({ properties: { ...props, [k]: v } });

  async function save(e) {
    e.preventDefault();
    const body = { ...o, properties: { ...props } };
    for (const [k, , num] of PROPS) if (num) body.properties[k] = Number(body.properties[k] || 0);
    try {
      await api('PUT', `/1.0/instances/${enc(uuid)}/override`, body);
      setError(null);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  }
  async function reset() {
    await api('DELETE', `/1.0/instances/${enc(uuid)}/override`);
    setForm(null);
    current.reload();
    onSaved();
  }

  return (
    <form className="card" onSubmit={save} data-testid="override-form">
      <h2>Override for {uuid}</h2>
      <p className="muted">Empty or 0: not overridden.</p>
      <Field label="Comment" name="comment" error={errorFor('comment')}>
        <input value={o.comment || ''} onChange={(e) => set({ comment: e.target.value })} />
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={!!o.disable_migration}
          onChange={(e) => set({ disable_migration: e.target.checked })}
        />
        Disable migration
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={!!o.ignore_restrictions}
          onChange={(e) => set({ ignore_restrictions: e.target.checked })}
        />
        Ignore restrictions
      </label>
      {PROPS.map(([k, label]) => (
        <Field key={k} label={label} name={k} error={errorFor(`properties.${k}`)}>
          <input name={k} value={props[k] ?? ''} onChange={(e) => setProp(k, e.target.value)} />
        </Field>
      ))}
      {error && !PROPS.some(([k]) => errorFor(`properties.${k}`)) && !errorFor('comment') && (
        <ErrorBox error={error} />
      )}
      {saved && <div className="notice ok">Saved.</div>}
      <div className="buttons">
        <button type="submit">Save override</button>
        <button type="button" onClick={reset}>
          Reset
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}
