// The batch YAML the CLI edits (docs/batches.md) <-> the API's JSON body. Times are written
// "YYYY-MM-DD HH:MM:SS" (UTC) in YAML and RFC 3339 in JSON; unset ones are left out of the YAML.
// The daemon checks everything: this only converts, and finds the line a field path is on so the
// server's message can be shown at that line.
import { isMap, isSeq, parseDocument, stringify } from 'yaml';

const ZERO = '0001-01-01T00:00:00Z';

function yamlTime(t) {
  if (!t || t === ZERO) return undefined;
  return t.replace('T', ' ').replace(/Z$/, '');
}

function jsonTime(t) {
  if (t === undefined || t === null || t === '') return ZERO;
  const s = String(t).trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(s);
  return m ? `${m[1]}T${m[2]}Z` : s;  // RFC 3339 with an offset goes through as written
}

function clean(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

export function batchToYaml(b) {
  const doc = {
    name: b.name,
    include_expression: b.include_expression,
    migration_windows: (b.migration_windows || []).map((w) =>
      clean({
        name: w.name,
        start: yamlTime(w.start),
        end: yamlTime(w.end),
        lockout: yamlTime(w.lockout),
        capacity: w.capacity || undefined,
      }),
    ),
    constraints: (b.constraints || []).map((c) =>
      clean({
        name: c.name,
        description: c.description || undefined,
        include_expression: c.include_expression,
        max_concurrent_instances: c.max_concurrent_instances || undefined,
        min_instance_boot_time: c.min_instance_boot_time || undefined,
      }),
    ),
    defaults: b.defaults,
    config: b.config,
  };
  return stringify(clean(doc), { lineWidth: 0 });
}

// Throws an Error with "line N: ..." for YAML syntax errors (the server never sees those).
export function yamlToBatch(text) {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new Error(`${line ? `line ${line}: ` : ''}${e.message.split('\n')[0]}`);
  }
  const b = doc.toJS() || {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new Error('line 1: expected a mapping');
  if (Array.isArray(b.migration_windows)) {
    b.migration_windows = b.migration_windows.map((w) =>
      w && typeof w === 'object'
        ? { ...w, start: jsonTime(w.start), end: jsonTime(w.end), lockout: jsonTime(w.lockout) }
        : w,
    );
  }
  return b;
}

// The 1-based line of `path` ("migration_windows[0].end") in `text`, or of its nearest existing
// parent; null when nothing of it is there.
export function lineOf(text, path) {
  if (!path) return null;
  let doc;
  try {
    doc = parseDocument(text);
  } catch {
    return null;
  }
  const keys = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return null;
    keys.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(idx[1]));
  }
  let node = doc.contents;
  let offset = node?.range?.[0];
  for (const k of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key?.value ?? p.key) === k);
      if (!pair) break;
      offset = pair.key?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number' && node.items[k]) {
      node = node.items[k];
      offset = node?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  if (offset === undefined) return null;
  return text.slice(0, offset).split('\n').length;
}

// A new batch: everything matched by `expr`, one window from now for `hours`, onto `target`.
export function newBatchYaml(target, hours = 6) {
  const now = new Date();
  now.setUTCSeconds(0, 0);
  const end = new Date(now.getTime() + hours * 3600 * 1000);
  const t = (d) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  return `name: batch01
include_expression: "true"
migration_windows:
  - name: window1
    start: ${t(now)}
    end: ${t(end)}
constraints: []
defaults:
    placement:
        target: ${target || ''}
        target_project: default
        storage_pool: default
    migration_network: []
config:
    post_migration_retries: 5
    background_sync_interval: 1h
    final_background_sync_limit: 10m
`;
}
