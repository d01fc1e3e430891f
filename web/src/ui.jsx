// Small shared pieces: form fields that show the server's message beside them, polling, links.
import { useCallback, useEffect, useRef, useState } from 'react';

// A labelled input. `error` is shown right under it (the server's words, unchanged).
export function Field({ label, name, error, children, hint }) {
  return (
    <label className={`field${error ? ' has-error' : ''}`} data-field={name}>
      <span className="label">{label}</span>
      {children}
      {hint && !error && <span className="hint">{hint}</span>}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      {String(error.message || error)}
    </div>
  );
}

// Loads `fn()` now and every `ms` (0: once); `reload` forces a load.
export function usePoll(fn, ms, deps = []) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const reload = useCallback(async () => {
    try {
      setData(await fnRef.current());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    reload();
    if (!ms) return undefined;
    const id = setInterval(reload, ms);
    return () => clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ms, reload, ...deps]);
  return { data, error, reload };
}

export function StatusBadge({ status }) {
  const s = String(status || 'Unknown');
  const kind = /^(OK|Finished|Success|acknowledged)$/i.test(s)
    ? 'ok'
    : /error|fail|cannot|conflict/i.test(s)
      ? 'bad'
      : /confirm|waiting|blocked|new|stopped/i.test(s)
        ? 'warn'
        : 'info';
  return <span className={`badge ${kind}`}>{s}</span>;
}

export function navigate(path) {
  window.history.pushState({}, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function Link({ to, children, className }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
