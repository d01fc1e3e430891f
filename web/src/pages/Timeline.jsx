// A batch's migration windows on a time axis, with "now" and the window each queued instance
// was given; beneath them, on the same axis, the schedule mm-bench's planner predicts for each
// instance (GET /1.0/batches/NAME/plan: background import, top-ups, final top-up, cutover,
// post-migration) with its verdict. A plan that cannot be fetched leaves the windows as they are
// and says why.
import { enc, get } from '../api.js';
import { bytes, duration, when } from '../format.js';
import { usePoll } from '../ui.jsx';

const ZERO = '0001-01-01';

// The planner's stage kinds (docs/mm-bench.md), in schedule order, as the legend names them.
const STAGES = [
  ['create', 'create'],
  ['background_import', 'background import'],
  ['cold_import', 'cold import'],
  ['top_up', 'top-up'],
  ['final_top_up', 'final top-up'],
  ['final_import', 'cutover (final import)'],
  ['post_migration', 'post-migration'],
];
const STAGE_LABEL = Object.fromEntries(STAGES);

const VERDICT_CLASS = {
  fits: 'ok',
  finished: 'ok',
  late: 'warn',
  blocked: 'bad',
  'does not fit': 'bad',
};

function t(s) {
  if (!s || s.startsWith(ZERO)) return null;
  const v = Date.parse(s);
  return Number.isNaN(v) ? null : v;
}

// "throughput: measured: 471.9 MiB/s per copy (m.json, ...)" -> "measured: 471.9 MiB/s ...".
function throughputOf(plan) {
  const a = (plan.assumptions || []).find((s) => s.startsWith('throughput: '));
  return a ? a.slice('throughput: '.length) : 'not stated';
}

export default function Timeline({ batch, queue }) {
  // Planned again every 15 s, and at once when the batch's windows or status change.
  const plan = usePoll(() => get(`/1.0/batches/${enc(batch.name)}/plan`), 15000, [
    batch.name,
    batch.status,
    JSON.stringify(batch.migration_windows || []),
  ]);
  const now = Date.now();
  const windows = (batch.migration_windows || []).map((w) => ({
    ...w,
    s: t(w.start),
    e: t(w.end),
    l: t(w.lockout),
  }));
  const predicted = (plan.data?.instances || []).map((i) => ({
    ...i,
    stages: (i.stages || [])
      .map((s) => ({ ...s, s: t(s.start), e: t(s.end) }))
      .filter((s) => s.s !== null && s.e !== null),
  }));
  if (windows.length === 0 && predicted.length === 0 && !plan.error) {
    return <p className="muted">No migration windows: instances migrate as soon as they are ready.</p>;
  }
  const known = [
    ...windows.flatMap((w) => [w.s, w.e]),
    ...predicted.flatMap((i) => i.stages.flatMap((s) => [s.s, s.e])),
  ].filter((v) => v !== null);
  let lo = Math.min(now, ...known);
  let hi = Math.max(now, ...known);
  if (hi - lo < 3600e3) hi = lo + 3600e3;
  const pad = (hi - lo) * 0.04;
  lo -= pad;
  hi += pad;
  const x = (v) => `${(((v - lo) / (hi - lo)) * 100).toFixed(2)}%`;
  const perWindow = {};
  for (const q of queue) {
    const n = q.migration_window?.name;
    if (n) (perWindow[n] ||= []).push(q.instance_name);
  }
  const kindsShown = new Set(predicted.flatMap((i) => i.stages.map((s) => s.kind)));
  return (
    <div className="timeline" data-testid="timeline">
      <div className="axis">
        <span>{when(new Date(lo).toISOString())}</span>
        <span>{when(new Date(hi).toISOString())}</span>
      </div>
      {windows.length === 0 && (
        <p className="muted">No migration windows: instances migrate as soon as they are ready.</p>
      )}
      {windows.map((w) => {
        const s = w.s ?? lo;
        const e = w.e ?? hi;
        const state = e < now ? 'past' : s <= now ? 'open' : 'future';
        return (
          <div className="lane" key={w.name}>
            <div className="lane-label">{w.name}</div>
            <div className="lane-track">
              <div
                className={`window ${state}`}
                style={{ left: x(s), width: `calc(${x(e)} - ${x(s)})` }}
                title={`${when(w.start) || 'unlimited'} → ${when(w.end) || 'unlimited'}`}
              >
                {w.capacity ? `cap ${w.capacity}` : ''}
                {(perWindow[w.name] || []).join(', ')}
              </div>
              {w.l && <div className="lockout" style={{ left: x(w.l) }} title="lockout" />}
              <div className="now" style={{ left: x(now) }} title="now" />
            </div>
            <div className="lane-aside" />
          </div>
        );
      })}
      <div className="legend muted">
        {windows.map((w) => (
          <div key={w.name}>
            {w.name}: {when(w.start) || 'unlimited'} → {when(w.end) || 'unlimited'}
            {w.l ? `, lockout ${when(w.lockout)}` : ''}
          </div>
        ))}
      </div>
      <div className="predicted" data-testid="plan">
        {plan.error && (
          <p className="plan-error" data-testid="plan-error" role="alert">
            Predicted schedule unavailable: {String(plan.error.message || plan.error)}
          </p>
        )}
        {!plan.error && !plan.data && <p className="muted">Planning…</p>}
        {!plan.error && plan.data && (
          <>
            <p className="plan-caption muted" data-testid="plan-caption">
              Each instance&apos;s stages, predicted by the planner (throughput:{' '}
              {throughputOf(plan.data)}).
            </p>
            {predicted.length === 0 && <p className="muted">No instance to plan.</p>}
            {predicted.map((i) => (
              <div
                className="lane predicted-lane"
                key={i.uuid}
                data-testid="plan-lane"
                data-verdict={i.verdict}
              >
                <div className="lane-label" title={i.name}>
                  {i.name}
                </div>
                <div className="lane-track thin">
                  {i.stages.map((s, k) => (
                    <div
                      key={k}
                      className={`stage stage-${s.kind}`}
                      data-testid="plan-stage"
                      data-kind={s.kind}
                      style={{ left: x(s.s), width: `calc(${x(s.e)} - ${x(s.s)})` }}
                      title={`${STAGE_LABEL[s.kind] || s.kind}: ${when(s.start)} → ${when(s.end)} (${duration(s.seconds)}${s.bytes ? `, ${bytes(s.bytes)}` : ''})`}
                    />
                  ))}
                  <div className="now" style={{ left: x(now) }} title="now" />
                </div>
                <span
                  className={`badge verdict ${VERDICT_CLASS[i.verdict] || ''}`}
                  data-testid="plan-verdict"
                  title={[i.window && `window ${i.window}`, ...(i.problems || [])]
                    .filter(Boolean)
                    .join('\n')}
                >
                  {i.verdict}
                </span>
              </div>
            ))}
            {kindsShown.size > 0 && (
              <div className="plan-legend muted" data-testid="plan-legend">
                {STAGES.filter(([k]) => kindsShown.has(k)).map(([k, label]) => (
                  <span key={k}>
                    <i className={`swatch stage-${k}`} />
                    {label}
                  </span>
                ))}
              </div>
            )}
            {predicted.some((i) => (i.problems || []).length > 0) && (
              <ul className="plan-problems muted">
                {predicted.flatMap((i) =>
                  (i.problems || []).map((p, k) => (
                    <li key={`${i.uuid}-${k}`}>
                      {i.name}: {p}
                    </li>
                  )),
                )}
              </ul>
            )}
          </>
        )}
      </div>
    </div>
  );
}
