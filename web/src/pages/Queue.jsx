// The queue, live: every entry's status and stage, per-disk bytes, rate and ETA (polled each
// second), and the selected entry's events as they arrive (long-poll on
// /1.0/queue/{uuid}/events?after=ID&wait=20s: the daemon answers as soon as there is one).
import { useEffect, useRef, useState } from 'react';
import { api, enc, get } from '../api.js';
import { bytes, duration, rate, when } from '../format.js';
import { ErrorBox, StatusBadge, usePoll } from '../ui.jsx';

const DONE = /^(Finished|Canceled|Cancelled)$/;

export default function Queue() {
  const list = usePoll(() => get('/1.0/queue?recursion=1'), 1000);
  const [selected, setSelected] = useState(null);
  const [error, setError] = useState(null);
  const rows = list.data || [];
  // Follow the first entry still moving until the user picks one.
  const active = selected ?? (rows.find((q) => !DONE.test(q.migration_status)) || rows[0])?.instance_uuid;

  async function act(uuid, action) {
    try {
      await api('POST', `/1.0/queue/${enc(uuid)}/:${action}`);
      setError(null);
    } catch (err) {
      setError(err);
    }
    list.reload();
  }

  return (
    <section>
      <h1>Queue</h1>
      <ErrorBox error={list.error || error} />
      <table className="grid queue" data-testid="queue-table">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Batch</th>
            <th>Status</th>
            <th>Stage</th>
            <th>Progress</th>
            <th>Window</th>
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((q) => (
            <QueueRow
              key={q.instance_uuid}
              q={q}
              selected={q.instance_uuid === active}
              onSelect={() => setSelected(q.instance_uuid)}
              onAct={(a) => act(q.instance_uuid, a)}
            />
          ))}
          {list.data && rows.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                Nothing queued: start a batch.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {active && (
        <Events key={active} uuid={active} name={rows.find((q) => q.instance_uuid === active)?.instance_name} />
      )}
    </section>
  );
}

function total(disks, key) {
  return disks.reduce((n, d) => n + (Number(d[key]) || 0), 0);
}

function QueueRow({ q, selected, onSelect, onAct }) {
  const disks = q.disks || [];
  const finished = /^Finished$/.test(q.migration_status);
  const all = total(disks, 'bytes_total') || total(disks, 'size');
  // A finished entry's disks are all copied, whatever its last cycle (a small top-up) counted.
  const done = finished ? all : total(disks, 'bytes_done');
  const pct = all ? Math.min(100, (done / all) * 100) : finished ? 100 : 0;
  return (
    <>
      <tr className={selected ? 'selected clickable' : 'clickable'} onClick={onSelect}>
        <td>{q.instance_name}</td>
        <td>{q.batch_name}</td>
        <td>
          <StatusBadge status={q.migration_status} />
          {q.migration_status_message && q.migration_status_message !== q.migration_status && (
            <div className="muted small">{q.migration_status_message}</div>
          )}
          {q.error && (
            <div className="field-error small">
              {q.error.stage}: {q.error.reason}
            </div>
          )}
        </td>
        <td>{q.stage}</td>
        <td className="progress-cell">
          <Bar pct={pct} />
          <span className="small">
            {bytes(done)} / {bytes(all)}
          </span>
        </td>
        <td>{q.migration_window?.name}</td>
        <td>{when(q.last_update)}</td>
        <td className="actions" onClick={(e) => e.stopPropagation()}>
          {!DONE.test(q.migration_status) && <button onClick={() => onAct('cancel')}>Cancel</button>}
          {/error/i.test(q.migration_status) && <button onClick={() => onAct('retry')}>Retry</button>}
          {/conflict|blocked/i.test(q.migration_status) && (
            <button onClick={() => onAct('resolve')}>Resolve</button>
          )}
        </td>
      </tr>
      {selected &&
        disks.map((d, i) => {
          const t = Number(d.bytes_total) || Number(d.size) || 0;
          const diskDone = finished ? t : Number(d.bytes_done || 0);
          // Rate and ETA belong to a copy in progress, not to an idle disk between cycles.
          const copying = !finished && d.phase && d.phase !== 'idle';
          return (
            <tr key={i} className="disk-row" data-testid="disk-row">
              <td colSpan={3} className="small">
                ↳ {d.name || d.backing}
              </td>
              <td className="small">{d.phase}</td>
              <td className="progress-cell">
                <Bar pct={t ? (diskDone / t) * 100 : 0} />
                <span className="small">
                  {bytes(diskDone)} / {bytes(t)}
                </span>
              </td>
              <td className="small">{copying ? rate(d.rate) : ''}</td>
              <td className="small" colSpan={2}>
                {copying && d.eta_seconds !== undefined && d.eta_seconds !== null && d.eta_seconds >= 0
                  ? `ETA ${duration(d.eta_seconds)}`
                  : ''}
              </td>
            </tr>
          );
        })}
    </>
  );
}

function Bar({ pct }) {
  return (
    <div className="bar" role="progressbar" aria-valuenow={Math.round(pct)}>
      <div style={{ width: `${pct.toFixed(1)}%` }} />
    </div>
  );
}

// The entry's event log, appended as events arrive; one long-poll at a time.
function Events({ uuid, name }) {
  const [events, setEvents] = useState([]);
  const [error, setError] = useState(null);
  const list = useRef(null);
  useEffect(() => {
    const ctl = new AbortController();
    let after = 0;
    let stopped = false;
    (async () => {
      while (!stopped) {
        const started = Date.now();
        try {
          const got = await get(`/1.0/queue/${enc(uuid)}/events?after=${after}&wait=20s`, {
            signal: ctl.signal,
          });
          if (got.length) {
            after = got[got.length - 1].id;
            setEvents((prev) => [...prev, ...got]);
          }
          setError(null);
          // An empty answer at once means another follower holds the daemon's waiting slot, or the
          // entry is done: don't spin.
          if (!got.length && Date.now() - started < 1000) await sleep(1000);
        } catch (err) {
          if (stopped || err.name === 'AbortError') return;
          setError(err);
          await sleep(2000);
        }
      }
    })();
    return () => {
      stopped = true;
      ctl.abort();
    };
  }, [uuid]);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;  // follow the newest
  }, [events.length]);
  return (
    <div className="card events" data-testid="events">
      <h2>Events of {name || uuid}</h2>
      <ErrorBox error={error} />
      <ol ref={list}>
        {events.map((e) => (
          <li key={e.id}>
            <span className="muted small">{when(e.time)}</span> <b>{e.type}</b> {e.message}
          </li>
        ))}
        {events.length === 0 && <li className="muted">No events yet.</li>}
      </ol>
    </div>
  );
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
