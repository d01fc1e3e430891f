// Networks seen on the sources, where each lands on the target, and the override form.
import { useState } from 'react';
import { api, get, enc, fieldOf } from '../api.js';
import { ErrorBox, Field, usePoll } from '../ui.jsx';

export default function Networks() {
  const list = usePoll(() => get('/1.0/networks?recursion=1'), 10000);
  const [selected, setSelected] = useState(null);
  return (
    <section>
      <h1>Networks</h1>
      <ErrorBox error={list.error} />
      <table className="grid" data-testid="networks-table">
        <thead>
          <tr>
            <th>Location</th>
            <th>Source</th>
            <th>Type</th>
            <th>VLAN</th>
            <th>Target network</th>
            <th>NIC type</th>
            <th>Target VLAN</th>
          </tr>
        </thead>
        <tbody>
          {(list.data || []).map((n) => (
            <tr
              key={n.uuid}
              className={selected?.uuid === n.uuid ? 'selected clickable' : 'clickable'}
              onClick={() => setSelected(n)}
            >
              <td>
                {n.location}
                {n.missing && <span className="badge bad">missing</span>}
              </td>
              <td>{n.source}</td>
              <td>{n.type}</td>
              <td>{n.properties?.vlan_id || ''}</td>
              <td>{n.placement?.network}</td>
              <td>{n.placement?.nictype}</td>
              <td>{n.placement?.vlan_id}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && (
        <NetworkOverride key={selected.uuid} network={selected} onSaved={list.reload} />
      )}
    </section>
  );
}

function NetworkOverride({ network, onSaved }) {
  const [form, setForm] = useState({ network: '', nictype: '', vlan_id: '', ...network.overrides });
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const errField = fieldOf(error?.message);
  const errorFor = (k) => (errField === k ? error.message : null);
  async function save(e) {
    e.preventDefault();
    try {
      await api('PUT', `/1.0/networks/${enc(network.uuid)}/override`, form);
      setError(null);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
      setSaved(false);
    }
  }
  return (
    <form className="card" onSubmit={save} data-testid="network-override">
      <h2>Override for {network.location}</h2>
      <Field label="Target network" name="network" error={errorFor('network')} hint="empty: the default">
        <input value={form.network} onChange={(e) => setForm({ ...form, network: e.target.value })} />
      </Field>
      <Field label="NIC type" name="nictype" error={errorFor('nictype')}>
        <select value={form.nictype} onChange={(e) => setForm({ ...form, nictype: e.target.value })}>
          <option value="">(default: managed)</option>
          <option value="managed">managed</option>
          <option value="bridged">bridged</option>
          <option value="physical">physical</option>
        </select>
      </Field>
      <Field label="VLAN" name="vlan_id" error={errorFor('vlan_id')} hint="1–4094, empty for none">
        <input value={form.vlan_id} onChange={(e) => setForm({ ...form, vlan_id: e.target.value })} />
      </Field>
      {error && !errorFor('network') && !errorFor('nictype') && !errorFor('vlan_id') && (
        <ErrorBox error={error} />
      )}
      {saved && <div className="notice ok">Saved.</div>}
      <button type="submit">Save override</button>
    </form>
  );
}
