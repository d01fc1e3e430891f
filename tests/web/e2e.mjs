// The web interface end to end, as a user drives it in a real browser (Debian's Chromium through
// playwright-core): mm-lab (VMware simulator + Incus lab), migration-managerd serving /ui/ over
// HTTPS with a client certificate, then in the browser: register the source and confirm its
// fingerprint, add the target, map the network, a batch refused by the server (the message at the
// field, the text kept), the batch created and started, the queue followed live to Finished.
// Also /ui/'s static serving over the unix socket (types, fallback, traversal) and HTTPS trust.
//
//   node tests/web/e2e.mjs --bin BUILD/bin --web BUILD/web --artifacts DIR
//
// Exit 0 all passed, 1 a check failed, 77 skipped (not root, no Chromium, nothing built).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const BIN = args.bin && path.resolve(args.bin);
const WEB = args.web && path.resolve(args.web);
const ARTIFACTS = path.resolve(args.artifacts || path.join(os.tmpdir(), 'web-artifacts'));
const CHROMIUM = process.env.MM_CHROMIUM || '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!BIN || !WEB) {
  console.error('usage: e2e.mjs --bin BUILD/bin --web BUILD/web [--artifacts DIR]');
  process.exit(2);
}
if (process.getuid() !== 0) skip('needs root (the lab runs a private incusd)');
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} missing (scripts/install-deps.sh installs chromium)`);
for (const b of ['mm-lab', 'migration-managerd', 'mm-transfer']) {
  if (!fs.existsSync(path.join(BIN, b))) skip(`${BIN}/${b} not built`);
}
if (!fs.existsSync(path.join(WEB, 'dist/index.html'))) skip(`${WEB}/dist not built (target web_ui)`);
const { chromium } = createRequire(path.join(WEB, 'package.json'))('playwright-core');

// --- checks and bookkeeping -------------------------------------------------------------------
let passed = 0;
let failed = 0;
const began = Date.now();
function log(msg) {
  console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}
function check(ok, what, detail = '') {
  if (ok) {
    passed++;
    log(`ok: ${what}`);
  } else {
    failed++;
    log(`FAIL: ${what}${detail ? ` — ${detail}` : ''}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms, step = 250) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s: ${what}`);
    await sleep(step);
  }
}

// --- processes ---------------------------------------------------------------------------------
const work = fs.mkdtempSync(path.join(process.env.MM_TEST_TMPDIR || '/var/tmp', 'mm-web-e2e.'));
fs.rmSync(ARTIFACTS, { recursive: true, force: true });
fs.mkdirSync(ARTIFACTS, { recursive: true });
const children = [];
function start(name, cmd, argv, env = {}) {
  const out = fs.openSync(path.join(work, `${name}.log`), 'w');
  const p = spawn(cmd, argv, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  p.exited = new Promise((r) => p.on('exit', r));
  children.push({ name, p });
  return p;
}
async function stopAll() {
  // In reverse order, by pid: the daemon before the lab it talks to.
  for (const { p } of children.reverse()) {
    if (p.exitCode === null) {
      p.kill('SIGTERM');
      await Promise.race([p.exited, sleep(20000)]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }
}
const readLog = (name) => fs.readFileSync(path.join(work, `${name}.log`), 'utf8');

// A request over the daemon's unix socket (trusted there: how a client certificate is added).
function unixRequest(sock, method, p, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method, path: p, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

let browser;
let exitCode = 0;
try {
  // The lab: two VMs (256 MiB disks), so the whole test stays around a minute.
  log(`work dir ${work}`);
  const labInfo = path.join(work, 'lab.json');
  const lab = start('mm-lab', path.join(BIN, 'mm-lab'), ['--info', labInfo, '--vms', '2'], { MM_TEST_TMPDIR: work });
  await until('mm-lab ready', async () => lab.exitCode === null ? fs.existsSync(labInfo) : Promise.reject(new Error('mm-lab exited')), 180000, 200)
    .catch((e) => { throw new Error(`${e.message}\n${readLog('mm-lab')}`); });
  const L = JSON.parse(fs.readFileSync(labInfo, 'utf8'));
  log(`lab ready: vmware ${L.vmware.endpoint}, incus ${L.incus.endpoint}, VM ${L.vms.map((v) => v.name).join(', ')}`);

  // The browser's client certificate.
  const cert = path.join(work, 'client.crt');
  const key = path.join(work, 'client.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-subj', '/CN=web-e2e', '-days', '2'], { stdio: 'ignore' });

  // The daemon, serving the built interface.
  const state = path.join(work, 'state');
  const sock = path.join(work, 'mm.sock');
  const daemon = start('daemon', path.join(BIN, 'migration-managerd'), ['--state-dir', state, '--socket', sock,
    '--listen', '127.0.0.1:0', '--ui-dir', path.join(WEB, 'dist'),
    '--datastore-dir', `datastore-01=${L.vmware.datastore_dir['datastore-01']}`]);
  const port = await until('daemon listening', async () => {
    if (daemon.exitCode !== null) throw new Error(readLog('daemon'));
    return /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(readLog('daemon'))?.[1];
  }, 30000);
  const origin = `https://127.0.0.1:${port}`;
  log(`daemon at ${origin}`);

  // --- /ui/ over the unix socket: types, fallback, traversal ---------------------------------
  const index = await unixRequest(sock, 'GET', '/ui/');
  check(index.status === 200 && /text\/html/.test(index.headers['content-type']) && index.body.includes('<div id="root">'),
    'GET /ui/ answers index.html as text/html');
  const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
  const js = asset ? await unixRequest(sock, 'GET', asset) : { status: 0, headers: {} };
  check(js.status === 200 && /text\/javascript/.test(js.headers['content-type']) && /immutable/.test(js.headers['cache-control'] || ''),
    `GET ${asset} answers text/javascript, cached for good`);
  const route = await unixRequest(sock, 'GET', '/ui/batches/batch01');
  check(route.status === 200 && route.body === index.body, 'a client route (/ui/batches/batch01) answers index.html');
  check((await unixRequest(sock, 'GET', '/ui/assets/nope-123.js')).status === 404, 'a missing asset is 404, not HTML');
  for (const t of ['/ui/../1.0', '/ui/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/ui/..%2f..%2f..%2fetc%2fpasswd', '/ui/assets/..%2F..%2Fstate%2Fstate.db', '/ui/%2e%2e/state/secret.key']) {
    const r = await unixRequest(sock, 'GET', t);
    check(r.status === 404 || (r.status === 200 && r.body === index.body), `no traversal: ${t} -> ${r.status}`);
  }
  // Over HTTPS without a trusted certificate: 403, the interface included.
  const untrusted = await new Promise((resolve) => {
    https.get(`${origin}/ui/`, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode); })
      .on('error', () => resolve(0));
  });
  check(untrusted === 403, `HTTPS without a trusted client certificate: /ui/ is ${untrusted}`);
  const trust = await unixRequest(sock, 'POST', '/1.0/certificates', { name: 'web-e2e', certificate: fs.readFileSync(cert, 'utf8') });
  check(trust.status < 300, 'client certificate trusted through the unix socket', trust.body);

  // --- the browser ------------------------------------------------------------------------------
  const profile = fs.mkdtempSync(path.join(work, 'chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    ignoreHTTPSErrors: true,  // the daemon's certificate is self-signed
    clientCertificates: [{ origin, certPath: cert, keyPath: key }],
    viewport: { width: 1280, height: 800 },
  });
  const page = browser.pages()[0] || (await browser.newPage());
  page.setDefaultTimeout(30000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const shot = async (name) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    log(`screenshot ${name}.png`);
  };

  // Sources: add, see the fingerprint the simulator presented, confirm it.
  await page.goto(`${origin}/ui/sources`);
  await page.getByRole('heading', { name: 'Sources' }).waitFor();
  await shot('01-sources-empty');
  const addSource = page.getByTestId('sources-add');
  await addSource.locator('input[name=name]').fill('esxi01');
  await addSource.locator('input[name=endpoint]').fill(L.vmware.endpoint);
  await addSource.locator('input[name=username]').fill(L.vmware.username);
  await addSource.locator('input[name=password]').fill(L.vmware.password);
  await addSource.getByRole('button', { name: 'Add' }).click();
  const fp = (await page.getByTestId('fingerprint').textContent({ timeout: 40000 })).trim();
  check(fp === L.vmware.fingerprint, 'the source add shows the certificate fingerprint the simulator presents', `${fp} vs ${L.vmware.fingerprint}`);
  await shot('02-source-fingerprint');
  await page.getByRole('button', { name: 'Trust this fingerprint' }).click();
  await page.getByTestId('connectivity').filter({ hasText: 'status OK' }).waitFor({ timeout: 40000 });
  await page.getByTestId('sources-table').getByText('OK', { exact: true }).waitFor();
  check(true, 'fingerprint confirmed: the source is OK');
  await shot('03-sources');

  // Targets: the lab's Incus, with its client certificate.
  await page.getByRole('link', { name: 'Targets', exact: true }).click();
  const addTarget = page.getByTestId('targets-add');
  await addTarget.locator('input[name=name]').fill('incus01');
  await addTarget.locator('input[name=endpoint]').fill(L.incus.endpoint);
  await addTarget.locator('textarea[name=tls_client_cert]').fill(L.incus.client_cert_pem);
  await addTarget.locator('textarea[name=tls_client_key]').fill(L.incus.client_key_pem);
  await addTarget.getByRole('button', { name: 'Add' }).click();
  const conn = page.getByTestId('connectivity');
  await conn.waitFor({ timeout: 40000 });
  if (await page.getByTestId('fingerprint').count()) {
    const tfp = (await page.getByTestId('fingerprint').textContent()).trim();
    check(tfp === L.incus.fingerprint, 'the target add shows the Incus certificate fingerprint', tfp);
    await page.getByRole('button', { name: 'Trust this fingerprint' }).click();
    await conn.filter({ hasText: 'status OK' }).waitFor({ timeout: 40000 });
  }
  await page.getByTestId('targets-table').getByText('OK', { exact: true }).waitFor();
  check(true, 'the target is OK');
  await shot('04-targets');

  // Instances: the sync found the VM; a bad include expression is answered at the field.
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  const vm = L.vms[0];
  await page.getByTestId('instances-table').getByText(vm.location).waitFor({ timeout: 30000 });
  await page.locator('input[name=include_expression]').fill('cpus >> 2');
  await page.getByRole('button', { name: 'Filter' }).click();
  const exprError = page.locator('[data-field=include_expression] .field-error');
  await exprError.waitFor();
  check((await page.locator('input[name=include_expression]').inputValue()) === 'cpus >> 2', 'a bad include expression: error at the field, text kept', await exprError.textContent());
  await shot('05-instances-bad-filter');
  await page.locator('input[name=include_expression]').fill("source == 'esxi01'");
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByTestId('instances-table').getByText(vm.location).waitFor();
  await exprError.waitFor({ state: 'detached' });
  await shot('06-instances');

  // Networks: the port group lands on the lab's network.
  await page.getByRole('link', { name: 'Networks', exact: true }).click();
  await page.getByTestId('networks-table').locator('tbody tr').first().click();
  const netForm = page.getByTestId('network-override');
  await netForm.locator('[data-field=vlan_id] input').fill('99999');
  await netForm.getByRole('button', { name: 'Save override' }).click();
  await netForm.locator('[data-field=vlan_id] .field-error').waitFor();
  check(true, 'a bad VLAN is answered next to its field');
  await netForm.locator('[data-field=vlan_id] input').fill('');
  await netForm.locator('[data-field=network] input').fill(L.incus.network);
  await netForm.getByRole('button', { name: 'Save override' }).click();
  await netForm.getByText('Saved.').waitFor();
  await page.getByTestId('networks-table').getByText(L.incus.network, { exact: true }).waitFor();
  check(true, `network override saved (${L.incus.network})`);
  await shot('07-networks');

  // Warnings: acknowledge one when there is one.
  await page.getByRole('link', { name: 'Warnings', exact: true }).click();
  await page.getByTestId('warnings-table').waitFor();
  const ack = page.getByRole('button', { name: 'Acknowledge' });
  if (await ack.count()) {
    const before = await ack.count();
    await ack.first().click();
    await until('warning acknowledged', async () => (await ack.count()) < before, 10000);
    check(true, 'a warning acknowledged');
  }
  await shot('08-warnings');

  // Batches: a refused submit shows the server's message at the field's line and keeps the text.
  await page.getByRole('link', { name: 'Batches', exact: true }).click();
  await page.getByRole('link', { name: 'New batch' }).click();
  const editor = page.locator('textarea[name=yaml]');
  await editor.waitFor();
  const t = (d) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  const now = new Date();
  const bad = `name: batch01
include_expression: "source == 'esxi01'"
migration_windows:
  - name: window1
    start: ${t(now)}
    end: ${t(new Date(now.getTime() - 3600e3))}
defaults:
    placement:
        target: incus01
config:
    background_sync_interval: 15s
    final_background_sync_limit: 10s
`;
  await editor.fill(bad);
  await page.getByRole('button', { name: 'Create batch' }).click();
  const batchError = page.getByTestId('batch-error');
  await batchError.waitFor();
  const msg = await batchError.textContent();
  check(/migration_windows\[0\]\.end/.test(msg) && /line 6/.test(msg), 'a refused batch: the server message names the field and its line', msg);
  check((await editor.inputValue()) === bad, 'the YAML is kept as typed after the refusal');
  check((await page.locator('.gutter .err-line').textContent()).trim() === '6', 'the line of the field is marked');
  await shot('09-batch-validation-error');
  // The window opens 20 s after the batch is created: the background import runs at once and the
  // queue page is seen mid-migration (a 256 MiB disk copies in about a second on its own).
  const opens = new Date(Date.now() + 20000);
  const good = bad
    .replace(/start: .*/, `start: ${t(opens)}`)
    .replace(/end: .*/, `end: ${t(new Date(opens.getTime() + 3 * 3600e3))}`);
  await editor.fill(good);
  await page.getByRole('button', { name: 'Create batch' }).click();
  await page.getByRole('heading', { name: /Batch batch01/ }).waitFor();
  check(page.url().endsWith('/ui/batches/batch01'), 'batch created: on its page');
  await page.getByTestId('matched').getByText(vm.location).waitFor();
  // The timeline's predicted schedule (GET /1.0/batches/batch01/plan): a lane per instance, its
  // stages as bars on the windows' axis, and the planner's throughput named.
  const planStages = page.getByTestId('timeline').getByTestId('plan-stage');
  await planStages.first().waitFor({ timeout: 20000 });
  const planLanes = await page.getByTestId('plan-lane').count();
  const planKinds = new Set(await planStages.evaluateAll((els) => els.map((e) => e.dataset.kind)));
  const planCaption = await page.getByTestId('plan-caption').textContent();
  check(planLanes === L.vms.length && planKinds.has('background_import') && planKinds.has('final_import') &&
        /predicted by the planner \(throughput: /.test(planCaption),
        `the timeline shows the predicted schedule (${planLanes} lanes: ${[...planKinds].join(', ')})`, planCaption);
  await shot('10-batch-defined');
  await page.getByTestId('batch-actions').getByRole('button', { name: 'Start' }).click();
  await page.getByRole('heading', { name: /Batch batch01/ }).getByText(/Queued|Running/).waitFor();
  check(true, 'batch started');
  await shot('11-batch-started');

  // The queue, live: no navigation after this point, only the page's own requests.
  await page.getByRole('link', { name: 'Queue', exact: true }).click();
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  const table = page.getByTestId('queue-table');
  for (const v of L.vms) await table.getByText(v.name, { exact: true }).waitFor({ timeout: 60000 });
  let sawProgress = false;
  const sawStatuses = new Set();
  const finished = await until('the queue shows Finished', async () => {
    const statuses = await table.locator('tbody tr.clickable td:nth-child(3) .badge').allTextContents();
    statuses.forEach((s) => sawStatuses.add(s.trim()));
    if (statuses.some((s) => /Error|Blocked|Conflict|Cancel/.test(s))) throw new Error(`migration ${statuses}`);
    if (!sawProgress && statuses.some((s) => !/Finished/.test(s))) {
      const texts = await page.getByTestId('disk-row').allTextContents();
      if (texts.some((x) => /[1-9][\d.]* [KMGT]?i?B \//.test(x))) {
        sawProgress = true;
        await shot('12-queue-during-migration');
        fs.copyFileSync(path.join(ARTIFACTS, '12-queue-during-migration.png'), path.join(ARTIFACTS, 'queue.png'));
      }
    }
    return statuses.length === L.vms.length && statuses.every((s) => /Finished/.test(s));
  }, 300000, 300).catch((e) => { check(false, 'the migration reaches Finished', `${e.message}; saw ${[...sawStatuses].join(' → ')}`); return false; });
  if (finished) check(true, `the queue reached Finished live (statuses seen: ${[...sawStatuses].join(' → ')})`);
  check(sawProgress, 'disk progress (bytes done / total) seen while it ran');
  const events = await page.getByTestId('events').locator('li').count();
  check(events > 3, `events arrived through the long-poll (${events})`);
  check(navigations === 0, `the queue page never reloaded (${navigations} navigations)`);
  if (!sawProgress) await shot('12-queue-during-migration');
  await shot('13-queue-finished');

  // A bookmarked client route loads directly; the timeline shows the window.
  await page.goto(`${origin}/ui/batches/batch01`);
  await page.getByTestId('timeline').waitFor();
  check((await page.getByTestId('timeline').locator('.window').count()) === 1, 'the batch timeline shows its window');
  await shot('14-batch-timeline');
  check(consoleErrors.length === 0, 'no script errors in the page', consoleErrors.join('; '));
} catch (e) {
  failed++;
  exitCode = 1;
  log(`FAIL: ${e.stack || e}`);
  for (const f of ['daemon', 'mm-lab']) {
    if (fs.existsSync(path.join(work, `${f}.log`))) fs.copyFileSync(path.join(work, `${f}.log`), path.join(ARTIFACTS, `${f}.log`));
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopAll();
  if (!failed) fs.rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
log(`screenshots in ${ARTIFACTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : exitCode);
