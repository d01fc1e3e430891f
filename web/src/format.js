// Numbers as the CLI shows them: binary units, rates per second, ETA as h/m/s.

export function bytes(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export const rate = (n) => (n ? `${bytes(n)}/s` : '');

export function duration(seconds) {
  if (seconds === undefined || seconds === null || seconds < 0) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function when(t) {
  if (!t || t.startsWith('0001-01-01')) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}
