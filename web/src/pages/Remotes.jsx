// Sources and targets share one page shape: a table with the connectivity status, and an add form
// that follows the CLI's flow: POST, and when the daemon answers "Confirm TLS fingerprint", show
// the certificate's fingerprint and, on confirmation, pin it with a PUT (which re-checks).
import { useState } from 'react';
import { api, get, enc, fieldOf } from '../api.js';
import { ErrorBox, Field, StatusBadge, usePoll } from '../ui.jsx';

export default function Remotes({ kind, title, typeField, typeValue, fields, columns }) {
  const path = `/1.0/${kind}`;
  const list = usePoll(() => get(`${path}?recursion=1`), 5000);
  const empty = Object.fromEntries(fields.map((f) => [f.name, f.initial ?? '']));
  const [form, setForm] = useState(empty);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // After a POST or PUT: the daemon's connectivity answer, and the name it was for.
  const [answer, setAnswer] = useState(null);

  const errField = fieldOf(error?.message);
  const errorFor = (name) =>
    errField && (errField === name || errField === `properties.${name}`) ? error.message : null;

  async function add(e) {
    e.preventDefault();
    setBusy(true);
    setAnswer(null);
    const properties = {};
    for (const f of fields) {
      if (f.name === 'name' || form[f.name] === '') continue;
      properties[f.name] = f.number ? Number(form[f.name]) : form[f.name];
    }
    try {
      const ans = await api('POST', path, { name: form.name, [typeField]: typeValue, properties });
      setAnswer({ name: form.name, ...ans });
      setError(null);
      setForm(empty);  // only once the daemon has accepted it: nothing typed is lost on an error
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function trust(name, fingerprint) {
    setBusy(true);
    try {
      const current = await get(`${path}/${enc(name)}`);
      const body = {
        name: current.name,
        [typeField]: current[typeField],
        properties: { ...current.properties, trusted_server_certificate_fingerprint: fingerprint },
      };
      delete body.properties.connectivity_status;
      delete body.properties.auth_type;
      const ans = await api('PUT', `${path}/${enc(name)}`, body);
      setAnswer({ name, ...ans });
      list.reload();
    } catch (err) {
      setAnswer({ name, ConnectivityStatus: err.message });
    } finally {
      setBusy(false);
    }
  }

  async function remove(name) {
    if (!window.confirm(`Remove ${name}?`)) return;
    try {
      await api('DELETE', `${path}/${enc(name)}`);
    } catch (err) {
      setError(err);
    }
    list.reload();
  }

  async function sync(name) {
    try {
      await api('POST', `${path}/${enc(name)}/:sync`);
    } catch (err) {
      setError(err);
    }
    list.reload();
  }

  return (
    <section>
      <h1>{title}</h1>
      <ErrorBox error={list.error} />
      <table className="grid" data-testid={`${kind}-table`}>
        <thead>
          <tr>
            <th>Name</th>
            {columns.map(([label]) => (
              <th key={label}>{label}</th>
            ))}
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data || []).map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              {columns.map(([label, fn]) => (
                <td key={label}>{fn(r)}</td>
              ))}
              <td>
                <StatusBadge status={r.properties?.connectivity_status} />
              </td>
              <td className="actions">
                {kind === 'sources' && <button onClick={() => sync(r.name)}>Sync</button>}
                <button className="danger" onClick={() => remove(r.name)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {list.data && list.data.length === 0 && (
            <tr>
              <td colSpan={columns.length + 3} className="muted">
                None yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>

      {answer && <Connectivity answer={answer} busy={busy} onTrust={trust} kind={kind} />}

      <form className="card" onSubmit={add} data-testid={`${kind}-add`}>
        <h2>Add {kind === 'sources' ? 'a source' : 'a target'}</h2>
        {fields.map((f) => (
          <Field key={f.name} label={f.label} name={f.name} error={errorFor(f.name)} hint={f.hint}>
            {f.multiline ? (
              <textarea
                name={f.name}
                rows={4}
                value={form[f.name]}
                onChange={(e) => setForm({ ...form, [f.name]: e.target.value })}
              />
            ) : (
              <input
                name={f.name}
                type={f.secret ? 'password' : 'text'}
                value={form[f.name]}
                placeholder={f.placeholder}
                onChange={(e) => setForm({ ...form, [f.name]: e.target.value })}
              />
            )}
          </Field>
        ))}
        {error && !errField && <ErrorBox error={error} />}
        {error && errField && !fields.some((f) => errorFor(f.name)) && <ErrorBox error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Add'}
        </button>
      </form>
    </section>
  );
}

// The connectivity answer, worded as the CLI prints it.
function Connectivity({ answer, busy, onTrust, kind }) {
  const noun = kind === 'sources' ? 'source' : 'target';
  const status = answer.ConnectivityStatus;
  if (status === 'OK') {
    return (
      <div className="notice ok" data-testid="connectivity">
        {noun[0].toUpperCase() + noun.slice(1)} &quot;{answer.name}&quot; connected: status OK.
      </div>
    );
  }
  if (status === 'Confirm TLS fingerprint') {
    return (
      <div className="notice warn" data-testid="connectivity">
        <p>
          Added {noun} &quot;{answer.name}&quot;, but it presented an untrusted TLS server certificate
          with fingerprint:
        </p>
        <code className="fingerprint" data-testid="fingerprint">
          {answer.certFingerprint}
        </code>
        <p>Check it against the server&apos;s certificate before trusting it.</p>
        <button disabled={busy} onClick={() => onTrust(answer.name, answer.certFingerprint)}>
          Trust this fingerprint
        </button>
      </div>
    );
  }
  return (
    <div className="notice bad" data-testid="connectivity">
      {noun[0].toUpperCase() + noun.slice(1)} &quot;{answer.name}&quot;: connectivity check reported
      an issue: {status}.
    </div>
  );
}
