// The daemon's REST API (docs/daemon.md), same origin as these pages. Answers come in the
// reference's envelope; an error envelope becomes an ApiError carrying the server's message, which
// forms show next to the field it names (see fieldOf).

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body, { signal } = {}) {
  const init = { method, headers: {}, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let doc;
  try {
    doc = await res.json();
  } catch {
    throw new ApiError(`${res.status} ${res.statusText}`, res.status);
  }
  if (doc.type === 'error' || !res.ok) {
    throw new ApiError(doc.error || `${res.status} ${res.statusText}`, doc.error_code || res.status);
  }
  return doc.metadata;
}

export const get = (path, opts) => api('GET', path, undefined, opts);

export const enc = encodeURIComponent;

// The field a server message names: `invalid field "properties.cpus": ...`,
// `migration_windows[0].end: must be after start`, `line 7: name: ...`. null when none.
export function fieldOf(message) {
  if (!message) return null;
  const quoted = /invalid field "([^"]+)"/.exec(message);
  if (quoted) return quoted[1];
  const lead = /^(?:line \d+: )?([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*): /.exec(
    message,
  );
  return lead ? lead[1] : null;
}
