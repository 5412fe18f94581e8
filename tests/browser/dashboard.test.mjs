// The dashboard in a real browser: Debian's headless Chromium, driven by puppeteer-core from
// tools/node_modules (no browser download), against a gateway in front of the suite loaded with
// the demo data. tests/integration/dashboard_test.sh starts the suite and writes the reference
// answers it got over gRPC with the `paritrana` CLI; this checks that the page shows those
// numbers, in Indonesian and in English format, that drill-down, the language switch and the
// award page work, that nothing failed in the browser, and saves screenshots.
//
// Environment:
//   DASHBOARD_URL     the gateway's root, e.g. http://127.0.0.1:41234/
//   DASHBOARD_TOKEN   a bearer token (role analyst) the page signs in with (#token=...)
//   REFERENCE_FILE    JSON written by dashboard_test.sh (see there)
//   ARTIFACT_DIR      where screenshots go (default build/tests/artifacts/dashboard)
//   UPDATE_SCREENSHOT=1  also copy the region page's screenshot to docs/images/dashboard.png
//   CHROMIUM          the browser (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
// puppeteer-core lives in tools/node_modules (npm ci --prefix tools), not beside this file.
const puppeteerPath = path.join(
  repo,
  'tools/node_modules/puppeteer-core/lib/puppeteer/puppeteer-core.js',
);
if (!fs.existsSync(puppeteerPath)) {
  console.error(`FAIL: ${puppeteerPath} is missing: run npm ci --prefix tools`);
  process.exit(1);
}
const { default: puppeteer } = await import(puppeteerPath);

const url = process.env.DASHBOARD_URL;
const token = process.env.DASHBOARD_TOKEN || '';
const ref = JSON.parse(fs.readFileSync(process.env.REFERENCE_FILE, 'utf8'));
const artifacts = path.resolve(
  process.env.ARTIFACT_DIR || path.join(repo, 'build/tests/artifacts/dashboard'),
);
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(artifacts, { recursive: true });
const DATE = ref.date;
const YEAR = ref.year;

// The formats the page must show, written out by hand (not with Intl, which the page uses).
const group = (n, sep) => String(Math.round(Number(n))).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
const idInt = (n) => group(n, '.');
const enInt = (n) => group(n, ',');
const idPct = (x) => Number(x).toFixed(2).replace('.', ',') + '%';
const enPct = (x) => Number(x).toFixed(2) + '%';
const close = (a, b, what) =>
  assert.ok(Math.abs(Number(a) - Number(b)) < 1e-9, `${what}: page ${a}, gRPC ${b}`);

const problems = [];
const log = (...a) => console.log('dashboard test:', ...a);

const browser = await puppeteer.launch({
  executablePath: chromium,
  args: ['--no-sandbox', '--headless=new', '--lang=id-ID', '--disable-gpu', '--hide-scrollbars'],
});
let page;
let failed = false;
try {
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error')
      problems.push(`console error: ${m.text()} ${JSON.stringify(m.location())}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`),
  );
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.setViewport({ width: 1280, height: 900 });

  const ready = async (route) => {
    await page.waitForFunction(
      (r) => {
        const m = document.querySelector('main');
        return m && m.dataset.ready === 'true' && m.dataset.route === r;
      },
      { timeout: 30000 },
      route,
    );
    const banner = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
    assert.equal(banner, '', `the page shows an error on ${route}`);
  };
  const go = async (hash, route) => {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await ready(route);
  };
  const value = (sel) =>
    page.$eval(sel, (e) => ({ value: e.dataset.value, text: e.textContent.trim() }));
  const shot = async (name, fullPage) => {
    const file = path.join(artifacts, name);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage: !!fullPage });
    log('screenshot', file);
    return file;
  };
  const regionHash = (code) => `#/regions/${code}?date=${DATE}&year=${YEAR}`;

  // 1. Sign in with a token in the fragment: kept in sessionStorage, gone from the address bar.
  await page.goto(`${url}#token=${encodeURIComponent(token)}`);
  await ready('/');
  assert.ok(!page.url().includes(token), `the token stays in the address bar: ${page.url()}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('paritrana.token')), token);
  assert.equal(await page.$eval('html', (e) => e.lang), 'id', 'Bahasa Indonesia by default');
  const jambiRow = await page.$('tr[data-testid="province-row"][data-region="regions/15"]');
  assert.ok(jambiRow, 'the home page lists Jambi');

  // 2. The province: figures equal to the gRPC answers, in Indonesian format.
  await go(regionHash('15'), '/regions/15');
  const cov = ref.coverage['15'];
  const ratio = await value('[data-testid="coverage-ratio"]');
  close(ratio.value, cov.coverage_ratio_percent, 'province ratio');
  assert.equal(ratio.text, idPct(cov.coverage_ratio_percent));
  assert.match(ratio.text, /^\d{1,3},\d{2}%$/);
  log('Jambi coverage shown as', ratio.text);
  const active = await value('[data-testid="active-persons"]');
  assert.equal(Number(active.value), Number(cov.active_persons));
  assert.equal(active.text, idInt(cov.active_persons));
  const potential = await value('[data-testid="potential-workers"]');
  assert.equal(Number(potential.value), Number(cov.potential_workers));
  assert.equal(potential.text, idInt(cov.potential_workers));
  assert.ok(Number(cov.potential_workers) >= 1000, 'a potential with a thousands separator');
  const toEnroll = await value('[data-testid="workers-to-enroll"]');
  assert.equal(Number(toEnroll.value), ref.gap['15'], 'province workers to enroll');
  assert.equal(toEnroll.text, idInt(ref.gap['15']));
  const target = await value('[data-testid="target-ratio"]');
  close(target.value, ref.target_ratio_percent, 'target ratio');
  assert.equal(target.text, idPct(ref.target_ratio_percent));

  // Each regency's ratio and gap, in the ranking's order.
  const ranked = ref.rank['15'].ranked_regions;
  const rows = await page.$$eval(
    '[data-testid="ranking-table"] tr[data-testid="rank-row"]',
    (trs) =>
      trs.map((tr) => ({
        region: tr.dataset.region,
        ratio: tr.querySelector('[data-testid="rank-ratio"]').dataset.value,
        ratioText: tr.querySelector('[data-testid="rank-ratio"]').textContent.trim(),
        toEnroll: tr.querySelector('[data-testid="rank-to-enroll"]').dataset.value,
        toEnrollText: tr.querySelector('[data-testid="rank-to-enroll"]').textContent.trim(),
      })),
  );
  assert.deepEqual(
    rows.map((r) => r.region),
    ranked.map((r) => r.region),
    'ranking order',
  );
  assert.equal(rows.length, 11, "Jambi's 11 regencies and cities");
  for (const [i, r] of ranked.entries()) {
    close(rows[i].ratio, r.coverage_ratio_percent, `${r.region} ratio`);
    assert.equal(rows[i].ratioText, idPct(r.coverage_ratio_percent), `${r.region} ratio text`);
    assert.equal(
      Number(rows[i].toEnroll),
      ref.gap[r.region.replace('regions/', '')],
      `${r.region} workers to enroll`,
    );
    assert.equal(
      rows[i].toEnrollText,
      idInt(ref.gap[r.region.replace('regions/', '')]),
      `${r.region} to enroll text`,
    );
  }
  // The table sorts: by coverage, lowest first, then highest first.
  const sortedBy = () =>
    page.$$eval('[data-testid="ranking-table"] tr[data-testid="rank-row"]', (trs) =>
      trs.map((tr) => tr.dataset.region),
    );
  const byRatio = ranked
    .slice()
    .sort((a, b) => a.coverage_ratio_percent - b.coverage_ratio_percent)
    .map((r) => r.region);
  await page.click('[data-testid="ranking-table"] [data-testid="sort-ratio"]');
  assert.deepEqual(await sortedBy(), byRatio, 'sorted by coverage, ascending');
  await page.click('[data-testid="ranking-table"] [data-testid="sort-ratio"]');
  assert.deepEqual(await sortedBy(), byRatio.slice().reverse(), 'sorted by coverage, descending');
  // The ranking as CSV (raw values), downloaded into the artifact folder.
  const csvFile = path.join(artifacts, `ranking-15-${DATE}.csv`);
  fs.rmSync(csvFile, { force: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: artifacts });
  await page.click('[data-testid="ranking-csv"]');
  for (let i = 0; i < 100 && !fs.existsSync(csvFile); i++)
    await new Promise((r) => setTimeout(r, 50));
  const csvLines = fs
    .readFileSync(csvFile, 'utf8')
    .replace(/^\ufeff/, '')
    .trim()
    .split(/\r?\n/);
  assert.equal(csvLines.length, 1 + ranked.length, 'CSV rows');
  for (const [i, r] of ranked.entries()) {
    const cells = csvLines[i + 1].split(',');
    assert.equal(cells[1], r.display_name, 'CSV name');
    close(cells[4], r.coverage_ratio_percent, `${r.region} ratio in the CSV`);
  }
  // The choropleth from the synthetic boundary file: one linked shape per regency or city.
  const shapes = await page.$$eval('[data-testid="map-region"]', (as) =>
    as.map((a) => a.dataset.region),
  );
  assert.deepEqual(shapes.slice().sort(), ranked.map((r) => r.region).sort(), 'map shapes');
  // Every chart has a table: the toggle shows the trend as a table.
  await page.click('[data-testid="trend-chart-toggle"]');
  const trendRows = await page.$$eval(
    '[data-testid="trend-chart"] .table-box tbody tr',
    (trs) => trs.length,
  );
  assert.equal(trendRows, 12, 'twelve months of trend in the table');
  await page.click('[data-testid="trend-chart-toggle"]');
  const charts = await page.$$eval(
    'main canvas',
    (cs) => cs.filter((c) => c.width > 0 && c.height > 0).length,
  );
  assert.ok(charts >= 5, `charts drawn: ${charts}`);
  const regionShot = await shot('region-15.png');
  await shot('region-15-full.png', true);

  // 3. Drill-down: a regency from the ranking table.
  await page.click('tr[data-region="regions/15.08"] a[data-testid="rank-link"]');
  await ready('/regions/15.08');
  assert.ok(
    page.url().includes(`date=${DATE}`) && page.url().includes(`year=${YEAR}`),
    `date and year kept: ${page.url()}`,
  );
  assert.equal(
    await page.$eval('[data-testid="region-title"]', (e) => e.textContent.trim()),
    'Kabupaten Bungo',
  );
  const bungo = ref.coverage['15.08'];
  const bungoRatio = await value('[data-testid="coverage-ratio"]');
  close(bungoRatio.value, bungo.coverage_ratio_percent, 'Bungo ratio');
  close(
    bungoRatio.value,
    ranked.find((r) => r.region === 'regions/15.08').coverage_ratio_percent,
    'Bungo ratio (ranking)',
  );
  assert.equal(bungoRatio.text, idPct(bungo.coverage_ratio_percent));
  const bungoGap = await value('[data-testid="workers-to-enroll"]');
  assert.equal(Number(bungoGap.value), ref.gap['15.08']);
  const districts = await page.$$eval('tr[data-testid="rank-row"]', (trs) => trs.length);
  assert.ok(districts > 0, "Bungo's districts are ranked");
  await shot('region-15.08.png');
  // And back up through the breadcrumb.
  await page.click('a[data-testid="crumb"]');
  await ready('/regions/15');

  // 4. English: labels and number format switch, the same figures.
  await page.click('[data-testid="lang-en"]');
  await ready('/regions/15');
  assert.equal(await page.$eval('html', (e) => e.lang), 'en');
  assert.equal(
    await page.$eval('[data-testid="coverage-label"]', (e) => e.textContent.trim()),
    'Coverage',
  );
  const enRatio = await value('[data-testid="coverage-ratio"]');
  assert.equal(enRatio.text, enPct(cov.coverage_ratio_percent));
  log('in English:', enRatio.text);
  assert.equal(
    (await value('[data-testid="potential-workers"]')).text,
    enInt(cov.potential_workers),
  );
  await shot('region-15-en.png');
  await page.click('[data-testid="lang-id"]');
  await ready('/regions/15');
  assert.equal((await value('[data-testid="coverage-label"]')).text, 'Cakupan');

  // 5. The award: the published ranking with each candidate's explanation.
  await page.click('[data-testid="nav-award"]');
  await ready('/award');
  await page.click(`tr[data-cycle="cycles/${ref.cycle}"] [data-testid="cycle-link"]`);
  await ready(`/award/cycles/${ref.cycle}`);
  assert.equal((await value('[data-testid="evaluation-state"]')).value, 'STATE_PUBLISHED');
  const award = await page.$$eval(
    '[data-testid="award-ranking"] tr[data-testid="award-row"]',
    (trs) =>
      trs.map((tr) => ({
        subject: tr.dataset.subject,
        rank: Number(tr.dataset.rank),
        name: tr.querySelector('[data-testid="award-name"]').textContent.trim(),
        score: tr.querySelector('[data-testid="award-score"]').dataset.value,
      })),
  );
  const refRanked = ref.award.results[0].ranked;
  assert.deepEqual(
    award.map((a) => a.subject),
    refRanked.map((e) => e.subject),
    'award order',
  );
  assert.deepEqual(
    award.slice(0, 3).map((a) => a.name),
    ['Kabupaten Bungo', 'Kabupaten Muaro Jambi', 'Kota Jambi'],
  );
  for (const [i, e] of refRanked.entries())
    close(award[i].score, e.total_score, `${e.subject} total score`);
  log(
    'award order:',
    award
      .slice(0, 3)
      .map((a) => a.name)
      .join(', '),
  );
  // The winner's explanation: every indicator of the rubric, with its raw value and points.
  await page.click('details[data-subject="regions/15.08"] summary');
  const indicators = await page.$$eval(
    'details[data-subject="regions/15.08"] table',
    (ts) => ts[1].querySelectorAll('tbody tr').length,
  );
  assert.equal(indicators, refRanked[0].indicators.length, 'indicators explained');
  await shot('award.png', true);

  // 6. A phone-sized screen: nothing wider than the screen.
  await page.setViewport({
    width: 375,
    height: 812,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await go(regionHash('15'), '/regions/15');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 375px screen`);
  await shot('region-15-phone.png');

  // 7. Nothing failed in the browser on the way.
  assert.deepEqual(problems, [], 'console errors, page errors or failed requests');

  if (process.env.UPDATE_SCREENSHOT === '1') {
    const target = path.join(repo, 'docs/images/dashboard.png');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(regionShot, target);
    const size = fs.statSync(target).size;
    assert.ok(size < 400 * 1024, `docs/images/dashboard.png is ${size} bytes (limit 400 KB)`);
    log('updated', target, `(${size} bytes)`);
  }
  log('PASS');
} catch (err) {
  failed = true;
  console.error('FAIL:', err && err.stack ? err.stack : err);
  if (problems.length) console.error('browser problems:\n  ' + problems.join('\n  '));
  if (page) {
    try {
      const file = path.join(artifacts, 'failure.png');
      await page.screenshot({ path: file, fullPage: true });
      console.error('screenshot of the failure:', file, 'at', page.url());
    } catch (e) {
      // the page itself is gone; the error above says why
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
