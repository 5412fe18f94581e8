// The Paritrana coverage dashboard: plain ES2020 run as is (no build step), served by
// paritrana-gateway from files embedded in its binary, reading the suite's JSON API (/v1, the
// protobuf JSON mapping of the coverage, registry and award services).
//
// Routes (hash routing, so the gateway serves one page):
//   #/                                   provinces
//   #/regions/15?date=2024-08-12&year=2025  a region of any level and the ranking of its children
//   #/award                              award cycles
//   #/award/cycles/2024-jambi            a cycle's published evaluation (else its latest)
//   #/award/cycles/2024-jambi/evaluations/1
// `date` and `year` pin the day counted and the target year; without them the page shows today
// (Asia/Jakarta) against the region's nearest target. `#token=...` (or a `token` parameter) signs
// in: the token is moved to sessionStorage and removed from the address bar at once.
'use strict';

(() => {
  // ---------------------------------------------------------------------------------------
  // Text in Bahasa Indonesia (the default) and English.
  // ---------------------------------------------------------------------------------------
  const I18N = {
    id: {
      title: 'Paritrana — Cakupan Jamsostek',
      skip: 'Lewati ke isi',
      appSubtitle: 'Cakupan Jamsostek',
      navRegions: 'Wilayah',
      navAward: 'Paritrana Award',
      date: 'Tanggal',
      targetYear: 'Tahun target',
      show: 'Tampilkan',
      token: 'Token akses',
      signIn: 'Masuk',
      signedIn: 'Sudah masuk',
      signOut: 'Keluar',
      loading: 'Memuat…',
      footer:
        'Data dari layanan Paritrana melalui gateway JSON. Cakupan = peserta aktif ÷ pekerja potensial.',
      footerCharts: 'Grafik: Chart.js (MIT).',
      indonesia: 'Indonesia',
      level_REGION_LEVEL_PROVINCE: 'Provinsi',
      level_REGION_LEVEL_REGENCY: 'Kabupaten/Kota',
      level_REGION_LEVEL_DISTRICT: 'Kecamatan',
      level_REGION_LEVEL_VILLAGE: 'Desa/Kelurahan',
      children_REGION_LEVEL_PROVINCE: 'kabupaten/kota',
      children_REGION_LEVEL_REGENCY: 'kecamatan',
      children_REGION_LEVEL_DISTRICT: 'desa/kelurahan',
      coverage: 'Cakupan',
      coverageOn: 'Cakupan pada {date}',
      activeOfPotential: '{active} peserta aktif dari {potential} pekerja potensial',
      active: 'Peserta aktif',
      potential: 'Pekerja potensial',
      targetLabel: 'Target {year}',
      targetWorkers: 'Perlu {n} peserta aktif',
      toEnroll: 'Masih harus didaftarkan',
      toEnrollShort: 'Harus didaftarkan',
      gapPoints: 'kurang {pts} poin',
      gapShort: 'Kurang (poin)',
      targetMet: 'Target tercapai',
      noTarget: 'Belum ada target untuk {year}',
      noBaseline:
        'Belum ada data pekerja potensial (baseline) yang berlaku untuk tanggal ini: rasio tidak dapat dihitung.',
      denominator: 'Penyebut: {source} tahun {year}',
      source_DENOMINATOR_SOURCE_BPJS_POTENTIAL: 'pekerja potensial BPJS Ketenagakerjaan',
      source_DENOMINATOR_SOURCE_BPS_SAKERNAS: 'penduduk bekerja BPS Sakernas',
      source_DENOMINATOR_SOURCE_REGIONAL: 'data tenaga kerja daerah',
      ranking: 'Peringkat {children}',
      rankingNote:
        'Cakupan pada {date}. Garis putus-putus: target {year}. Pilih wilayah untuk melihat rinciannya.',
      rankingTable: 'Tabel peringkat {children} (klik judul kolom untuk mengurutkan)',
      rank: 'Peringkat',
      region: 'Wilayah',
      code: 'Kode',
      noChildren: 'Wilayah ini tidak memiliki wilayah di bawahnya.',
      tooManyChildren: 'Target per wilayah hanya dihitung untuk paling banyak {n} wilayah.',
      map: 'Peta cakupan {children}',
      mapNote:
        'Batas wilayah dari berkas GeoJSON yang disediakan operator (--boundaries_file). Pilih wilayah untuk melihat rinciannya.',
      mapClass: 'Kelas warna',
      noData: 'Tidak ada data',
      belowTarget: 'di bawah target',
      atTarget: 'mencapai target',
      trend: 'Tren bulanan',
      trendNote: 'Cakupan di akhir setiap bulan; garis putus-putus: target {year}.',
      monthEnd: 'Akhir bulan',
      change: 'Perubahan aktif',
      segments: 'Segmen peserta',
      segmentsNote:
        'Peserta aktif per segmen; cakupan dihitung bila baseline memuat pekerja potensial segmen itu.',
      segment: 'Segmen',
      share: 'Porsi',
      programmes: 'Program',
      programmesNote: 'Seseorang dihitung di setiap program yang diikutinya.',
      programme: 'Program',
      funding: 'Siapa yang membayar iuran',
      fundingNote:
        'Peserta aktif menurut sumber pembayaran iuran, termasuk subsidi APBD (mis. Dumisake) dan dana desa.',
      payer: 'Pembayar',
      scheme: 'Skema',
      table: 'Tabel',
      chart: 'Grafik',
      csv: 'Unduh CSV',
      provinces: 'Cakupan Jamsostek per provinsi',
      provincesNote:
        'Cakupan pada {date}. Pilih provinsi untuk melihat kabupaten/kota, kecamatan dan desanya.',
      awardCycles: 'Siklus Paritrana Award',
      awardCyclesNote:
        'Pilih siklus untuk melihat peringkat yang dipublikasikan beserta penjelasannya.',
      cycle: 'Siklus',
      year: 'Tahun',
      scope: 'Cakupan wilayah',
      state: 'Status',
      viewResults: 'Lihat hasil',
      noCycles: 'Belum ada siklus penghargaan.',
      noEvaluation: 'Siklus ini belum dievaluasi.',
      cycleState_STATE_OPEN: 'Terbuka',
      cycleState_STATE_EVALUATED: 'Sudah dievaluasi',
      cycleState_STATE_PUBLISHED: 'Dipublikasikan',
      evalState_STATE_PUBLISHED: 'Hasil resmi (dipublikasikan)',
      evalState_STATE_DRAFT: 'Draf (belum dipublikasikan)',
      period: 'Periode penilaian {start} – {end}',
      evaluatedAt: 'Dievaluasi {time} oleh {by}',
      publishedAt: 'dipublikasikan {time} oleh {by}',
      rubricVersion: 'Rubrik {v}',
      rankedCount: '{ranked} diperingkat, {screened} tidak lolos ambang, {excluded} dikecualikan',
      aspectPoints: 'Poin per aspek',
      aspectPointsNote: 'Skor total = jumlah poin aspek (bobot aspek × skor aspek ÷ total bobot).',
      candidate: 'Kandidat',
      totalScore: 'Skor total',
      explanation: 'Penjelasan setiap kandidat',
      explainSummary: '#{rank} {name} — skor {score}',
      aspect: 'Aspek',
      weight: 'Bobot',
      aspectScore: 'Skor aspek (0–100)',
      points: 'Poin',
      indicator: 'Indikator',
      sourceCol: 'Sumber',
      computed: 'Dihitung dari data',
      jury: 'Nilai juri',
      rawValue: 'Nilai mentah',
      inputs: 'Masukan',
      normalized: 'Skor (0–100)',
      effWeight: 'Bobot efektif',
      gates: 'Syarat ambang',
      gate: 'Syarat',
      value: 'Nilai',
      result: 'Hasil',
      passed: 'Lolos',
      failed: 'Gagal',
      tieBreak: 'Nilai penentu bila seri: {values}',
      noValue: 'tidak ada data',
      noJury: 'tidak ada nilai juri',
      rankPos: 'peringkat {p} dari {n}',
      agg_JURY_AGGREGATION_MEAN: 'rata-rata',
      agg_JURY_AGGREGATION_MEDIAN: 'median',
      screenedOut: 'Tidak lolos syarat ambang',
      failedGates: 'Syarat yang tidak terpenuhi',
      excluded: 'Dikecualikan',
      status: 'Status',
      note: 'Catatan',
      candStatus_STATUS_WITHDRAWN: 'Mengundurkan diri',
      candStatus_STATUS_DISQUALIFIED: 'Didiskualifikasi',
      category_AWARD_CATEGORY_PROVINCIAL_GOVERNMENT: 'Pemerintah provinsi',
      category_AWARD_CATEGORY_REGENCY_GOVERNMENT: 'Pemerintah kabupaten/kota',
      category_AWARD_CATEGORY_VILLAGE_GOVERNMENT: 'Pemerintah desa',
      category_AWARD_CATEGORY_LARGE_BUSINESS: 'Usaha besar',
      category_AWARD_CATEGORY_MEDIUM_BUSINESS: 'Usaha menengah',
      category_AWARD_CATEGORY_MICRO_SMALL_BUSINESS: 'Usaha mikro dan kecil (UMKM)',
      category_AWARD_CATEGORY_PUBLIC_SERVICE_BUSINESS: 'Badan usaha pelayanan publik',
      segment_SEGMENT_PU: 'Penerima Upah (PU)',
      segment_SEGMENT_BPU: 'Bukan Penerima Upah (BPU)',
      segment_SEGMENT_JAKON: 'Jasa Konstruksi (Jakon)',
      segment_SEGMENT_PMI: 'Pekerja Migran Indonesia (PMI)',
      programme_PROGRAMME_JKK: 'Jaminan Kecelakaan Kerja (JKK)',
      programme_PROGRAMME_JKM: 'Jaminan Kematian (JKM)',
      programme_PROGRAMME_JHT: 'Jaminan Hari Tua (JHT)',
      programme_PROGRAMME_JP: 'Jaminan Pensiun (JP)',
      programme_PROGRAMME_JKP: 'Jaminan Kehilangan Pekerjaan (JKP)',
      funding_FUNDING_SOURCE_WORKER: 'Pekerja sendiri',
      funding_FUNDING_SOURCE_EMPLOYER: 'Pemberi kerja',
      funding_FUNDING_SOURCE_PROVINCIAL_BUDGET: 'APBD provinsi',
      funding_FUNDING_SOURCE_REGENCY_BUDGET: 'APBD kabupaten/kota',
      funding_FUNDING_SOURCE_VILLAGE_BUDGET: 'Dana desa (APBDes)',
      funding_FUNDING_SOURCE_OTHER: 'Lainnya (mis. CSR)',
      pointsUnit: 'poin',
      perThousand: 'per 1.000 pekerja potensial',
      ofGap: 'dari kesenjangan',
      notFound: 'Halaman tidak ditemukan.',
      signInHint: 'Masuk dengan token akses untuk melihat data.',
      networkError: 'Gateway tidak dapat dihubungi.',
      errorIn: 'Gagal memuat {what}: {message}',
      wib: 'WIB',
    },
    en: {
      title: 'Paritrana — Jamsostek coverage',
      skip: 'Skip to content',
      appSubtitle: 'Jamsostek coverage',
      navRegions: 'Regions',
      navAward: 'Paritrana Award',
      date: 'Date',
      targetYear: 'Target year',
      show: 'Show',
      token: 'Access token',
      signIn: 'Sign in',
      signedIn: 'Signed in',
      signOut: 'Sign out',
      loading: 'Loading…',
      footer:
        'Data from the Paritrana services through the JSON gateway. Coverage = active participants ÷ potential workers.',
      footerCharts: 'Charts: Chart.js (MIT).',
      indonesia: 'Indonesia',
      level_REGION_LEVEL_PROVINCE: 'Province',
      level_REGION_LEVEL_REGENCY: 'Regency/city',
      level_REGION_LEVEL_DISTRICT: 'District',
      level_REGION_LEVEL_VILLAGE: 'Village',
      children_REGION_LEVEL_PROVINCE: 'regencies and cities',
      children_REGION_LEVEL_REGENCY: 'districts',
      children_REGION_LEVEL_DISTRICT: 'villages',
      coverage: 'Coverage',
      coverageOn: 'Coverage on {date}',
      activeOfPotential: '{active} active participants of {potential} potential workers',
      active: 'Active participants',
      potential: 'Potential workers',
      targetLabel: '{year} target',
      targetWorkers: '{n} active participants needed',
      toEnroll: 'Still to enroll',
      toEnrollShort: 'To enroll',
      gapPoints: '{pts} points short',
      gapShort: 'Gap (points)',
      targetMet: 'Target met',
      noTarget: 'No target recorded for {year}',
      noBaseline: 'No potential-workers baseline applies to this date: no ratio can be computed.',
      denominator: 'Denominator: {source}, {year}',
      source_DENOMINATOR_SOURCE_BPJS_POTENTIAL: 'BPJS Ketenagakerjaan potential workers',
      source_DENOMINATOR_SOURCE_BPS_SAKERNAS: 'BPS Sakernas working population',
      source_DENOMINATOR_SOURCE_REGIONAL: 'regional workforce count',
      ranking: 'Ranking of {children}',
      rankingNote:
        'Coverage on {date}. Dashed line: {year} target. Choose a region to see its details.',
      rankingTable: 'Ranking of {children} as a table (click a column heading to sort)',
      rank: 'Rank',
      region: 'Region',
      code: 'Code',
      noChildren: 'This region has no sub-regions.',
      tooManyChildren: 'Targets are looked up for at most {n} sub-regions.',
      map: 'Coverage map of {children}',
      mapNote:
        "Boundaries from the operator's GeoJSON file (--boundaries_file). Choose a region to see its details.",
      mapClass: 'Colour class',
      noData: 'No data',
      belowTarget: 'below target',
      atTarget: 'target met',
      trend: 'Monthly trend',
      trendNote: 'Coverage at the end of each month; dashed line: {year} target.',
      monthEnd: 'Month end',
      change: 'Change in active',
      segments: 'Participant segments',
      segmentsNote:
        "Active participants by segment; a segment's coverage is shown when the baseline has its potential workers.",
      segment: 'Segment',
      share: 'Share',
      programmes: 'Programmes',
      programmesNote: 'A person is counted in every programme they are enrolled in.',
      programme: 'Programme',
      funding: 'Who pays the contributions',
      fundingNote:
        'Active participants by who pays their contributions, including regional-budget subsidies (e.g. Dumisake) and village funds.',
      payer: 'Payer',
      scheme: 'Scheme',
      table: 'Table',
      chart: 'Chart',
      csv: 'Download CSV',
      provinces: 'Jamsostek coverage by province',
      provincesNote:
        'Coverage on {date}. Choose a province to see its regencies, districts and villages.',
      awardCycles: 'Paritrana Award cycles',
      awardCyclesNote:
        'Choose a cycle to see its published ranking and the explanation of every score.',
      cycle: 'Cycle',
      year: 'Year',
      scope: 'Scope',
      state: 'State',
      viewResults: 'View results',
      noCycles: 'No award cycle yet.',
      noEvaluation: 'This cycle has not been evaluated yet.',
      cycleState_STATE_OPEN: 'Open',
      cycleState_STATE_EVALUATED: 'Evaluated',
      cycleState_STATE_PUBLISHED: 'Published',
      evalState_STATE_PUBLISHED: 'Official result (published)',
      evalState_STATE_DRAFT: 'Draft (not published)',
      period: 'Assessment period {start} – {end}',
      evaluatedAt: 'Evaluated {time} by {by}',
      publishedAt: 'published {time} by {by}',
      rubricVersion: 'Rubric {v}',
      rankedCount: '{ranked} ranked, {screened} screened out, {excluded} excluded',
      aspectPoints: 'Points by aspect',
      aspectPointsNote:
        "Total score = sum of the aspects' points (aspect weight × aspect score ÷ total weight).",
      candidate: 'Candidate',
      totalScore: 'Total score',
      explanation: 'Explanation of each candidate',
      explainSummary: '#{rank} {name} — score {score}',
      aspect: 'Aspect',
      weight: 'Weight',
      aspectScore: 'Aspect score (0–100)',
      points: 'Points',
      indicator: 'Indicator',
      sourceCol: 'Source',
      computed: 'Computed from data',
      jury: 'Jury score',
      rawValue: 'Raw value',
      inputs: 'Inputs',
      normalized: 'Score (0–100)',
      effWeight: 'Effective weight',
      gates: 'Threshold gates',
      gate: 'Gate',
      value: 'Value',
      result: 'Result',
      passed: 'Passed',
      failed: 'Failed',
      tieBreak: 'Tie-break values: {values}',
      noValue: 'no data',
      noJury: 'no jury score',
      rankPos: 'rank {p} of {n}',
      agg_JURY_AGGREGATION_MEAN: 'mean',
      agg_JURY_AGGREGATION_MEDIAN: 'median',
      screenedOut: 'Screened out by a threshold gate',
      failedGates: 'Gates not met',
      excluded: 'Excluded',
      status: 'Status',
      note: 'Note',
      candStatus_STATUS_WITHDRAWN: 'Withdrawn',
      candStatus_STATUS_DISQUALIFIED: 'Disqualified',
      category_AWARD_CATEGORY_PROVINCIAL_GOVERNMENT: 'Provincial government',
      category_AWARD_CATEGORY_REGENCY_GOVERNMENT: 'Regency/city government',
      category_AWARD_CATEGORY_VILLAGE_GOVERNMENT: 'Village government',
      category_AWARD_CATEGORY_LARGE_BUSINESS: 'Large business',
      category_AWARD_CATEGORY_MEDIUM_BUSINESS: 'Medium business',
      category_AWARD_CATEGORY_MICRO_SMALL_BUSINESS: 'Micro and small business (UMKM)',
      category_AWARD_CATEGORY_PUBLIC_SERVICE_BUSINESS: 'Public-service business',
      segment_SEGMENT_PU: 'Wage earners (PU)',
      segment_SEGMENT_BPU: 'Non-wage earners (BPU)',
      segment_SEGMENT_JAKON: 'Construction workers (Jakon)',
      segment_SEGMENT_PMI: 'Migrant workers (PMI)',
      programme_PROGRAMME_JKK: 'Work accident (JKK)',
      programme_PROGRAMME_JKM: 'Death (JKM)',
      programme_PROGRAMME_JHT: 'Old-age savings (JHT)',
      programme_PROGRAMME_JP: 'Pension (JP)',
      programme_PROGRAMME_JKP: 'Job loss (JKP)',
      funding_FUNDING_SOURCE_WORKER: 'The worker',
      funding_FUNDING_SOURCE_EMPLOYER: 'The employer',
      funding_FUNDING_SOURCE_PROVINCIAL_BUDGET: 'Provincial budget (APBD)',
      funding_FUNDING_SOURCE_REGENCY_BUDGET: 'Regency/city budget (APBD)',
      funding_FUNDING_SOURCE_VILLAGE_BUDGET: 'Village funds (APBDes)',
      funding_FUNDING_SOURCE_OTHER: 'Other (e.g. CSR)',
      pointsUnit: 'pts',
      perThousand: 'per 1,000 potential workers',
      ofGap: 'of the gap',
      notFound: 'Page not found.',
      signInHint: 'Sign in with an access token to see the data.',
      networkError: 'The gateway cannot be reached.',
      errorIn: 'Could not load {what}: {message}',
      wib: 'WIB',
    },
  };

  const TOKEN_KEY = 'paritrana.token';
  const LANG_KEY = 'paritrana.lang';
  // Sub-regions whose own target is looked up: 1 or 2 calls each, so a page stays within the
  // gateway's default rate-limit burst (200 calls per caller).
  const CHILD_GAP_LIMIT = 50;
  const CACHE_MS = 60000;

  const storage = (kind) => {
    try {
      return window[kind];
    } catch (e) {
      return null; // storage disabled by the browser's privacy settings
    }
  };

  let lang = 'id';
  {
    const saved = storage('localStorage') && storage('localStorage').getItem(LANG_KEY);
    if (saved === 'en' || saved === 'id') lang = saved;
  }

  const t = (key, vars) => {
    let s = I18N[lang][key];
    if (s === undefined) s = I18N.id[key];
    if (s === undefined) return key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
    return s;
  };
  // An enum's label, or its name without the prefix when the table has none.
  const enumLabel = (prefix, value, strip) => {
    const key = prefix + value;
    if (I18N[lang][key] !== undefined) return I18N[lang][key];
    return String(value || '').replace(strip || /^[A-Z]+_[A-Z]+_/, '');
  };

  // ---------------------------------------------------------------------------------------
  // Numbers and dates in the chosen language's format: 39,52% and 1.312.370 in Indonesian.
  // ---------------------------------------------------------------------------------------
  const formatters = new Map();
  const nf = (key, options) => {
    const k = lang + key;
    if (!formatters.has(k)) {
      formatters.set(k, new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'id-ID', options));
    }
    return formatters.get(k);
  };
  const num = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));
  const fmtInt = (v) => nf('int', { maximumFractionDigits: 0 }).format(num(v));
  const fmtDec = (v) =>
    nf('dec2', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(num(v));
  const fmtUpTo2 = (v) => nf('upto2', { maximumFractionDigits: 2 }).format(num(v));
  const fmtPct = (v) => fmtDec(v) + '%';
  const fmtSigned = (v) => (num(v) > 0 ? '+' : '') + fmtInt(v);
  const fmtPts = (v) => fmtDec(v) + ' ' + t('pointsUnit');
  const locale = () => (lang === 'en' ? 'en-GB' : 'id-ID');
  const dateOf = (d) => new Date(Date.UTC(d.year, d.month - 1, d.day));
  const fmtDate = (d) => {
    if (!d || !d.year) return '—';
    return new Intl.DateTimeFormat(locale(), {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(dateOf(d));
  };
  const fmtMonth = (d) =>
    new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
      dateOf(d),
    );
  const fmtTime = (iso) => {
    if (!iso) return '—';
    return (
      new Intl.DateTimeFormat(locale(), {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'Asia/Jakarta',
      }).format(new Date(iso)) +
      ' ' +
      t('wib')
    );
  };
  const isoDate = (d) =>
    `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  const parseIsoDate = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? { year: +m[1], month: +m[2], day: +m[3] } : null;
  };
  const todayJakarta = () => {
    const parts = {};
    for (const p of new Intl.DateTimeFormat('en-US', {
      timeZone: 'Asia/Jakarta',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(new Date()))
      parts[p.type] = p.value;
    return `${parts.year}-${parts.month}-${parts.day}`;
  };

  // ---------------------------------------------------------------------------------------
  // DOM helpers. Text always goes in as text nodes (never innerHTML), so names from the data
  // cannot inject markup.
  // ---------------------------------------------------------------------------------------
  const h = (tag, props, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      // Through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
      else if (k === 'style') node.style.cssText = v;
      else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    append(node, children);
    return node;
  };
  const append = (node, children) => {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  };
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...children) => {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    }
    append(node, children);
    return node;
  };

  // ---------------------------------------------------------------------------------------
  // Sign-in: a bearer token from the URL fragment (never sent to a server in a URL) or the
  // sign-in field, kept in sessionStorage for this tab only.
  // ---------------------------------------------------------------------------------------
  const session = storage('sessionStorage');
  let memoryToken = '';
  const getToken = () => (session ? session.getItem(TOKEN_KEY) || '' : memoryToken);
  const setToken = (tok) => {
    if (session) {
      if (tok) session.setItem(TOKEN_KEY, tok);
      else session.removeItem(TOKEN_KEY);
    } else {
      memoryToken = tok;
    }
    cache.clear();
    updateSignIn();
  };
  const takeTokenFromUrl = () => {
    const raw = location.hash.replace(/^#/, '');
    let token = null;
    let rest = raw;
    if (raw.startsWith('token=')) {
      const amp = raw.indexOf('&');
      const encoded = raw.slice(6, amp < 0 ? undefined : amp);
      // A malformed escape must not leave the token in the address bar: it is taken as it is.
      try {
        token = decodeURIComponent(encoded);
      } catch {
        token = encoded;
      }
      rest = '/';
    } else {
      const q = raw.indexOf('?');
      if (q >= 0) {
        const params = new URLSearchParams(raw.slice(q + 1));
        if (params.has('token')) {
          token = params.get('token');
          params.delete('token');
          const qs = params.toString();
          rest = raw.slice(0, q) + (qs ? '?' + qs : '');
        }
      }
    }
    if (token !== null) {
      history.replaceState(null, '', location.pathname + location.search + '#' + rest);
      setToken(token.trim());
    }
  };

  // ---------------------------------------------------------------------------------------
  // The JSON API. Errors come as google.rpc.Status JSON ({"error": {code, message, status}});
  // the message is shown as is.
  // ---------------------------------------------------------------------------------------
  // The gateway serves the dashboard at its root (and under /dashboard/); the API and the
  // boundaries file are found relative to that, so a path prefix in front of the gateway works.
  const BASE = location.pathname.replace(/(dashboard\/?)?(index\.html)?$/, '');

  class ApiError extends Error {
    constructor(httpStatus, message, status) {
      super(message);
      this.httpStatus = httpStatus;
      this.status = status;
    }
  }

  const cache = new Map();
  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else q.append(k, String(v));
    }
    return q.toString();
  };
  const fetchJson = async (url) => {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    let res;
    try {
      res = await fetch(url, { headers, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, t('networkError'), 'UNAVAILABLE');
    }
    const text = await res.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        body = null;
      }
    }
    if (!res.ok) {
      const err = body && body.error;
      throw new ApiError(
        res.status,
        (err && err.message) || `HTTP ${res.status} ${res.statusText}`,
        (err && err.status) || '',
      );
    }
    return body || {};
  };
  // GET /v1/{path}?{params}, answers kept for a minute (so switching language refetches nothing).
  const api = (path, params) => {
    const qs = query(params);
    const url = BASE + 'v1/' + path + (qs ? '?' + qs : '');
    const key = getToken() + '\n' + url;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.time < CACHE_MS) return hit.promise;
    const promise = fetchJson(url);
    cache.set(key, { time: Date.now(), promise });
    promise.catch(() => cache.delete(key));
    return promise;
  };
  // Runs `fn` over `items` with at most `limit` calls in flight.
  const mapLimit = async (items, limit, fn) => {
    const out = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
  };
  const settle = (promise) =>
    promise.then(
      (value) => ({ ok: true, value }),
      (error) => ({ ok: false, error }),
    );

  // The boundary file is optional (no features without --boundaries_file): read once.
  let boundaries;
  const loadBoundaries = () => {
    if (!boundaries) {
      boundaries = fetch(BASE + 'dashboard/boundaries.geojson', { credentials: 'same-origin' })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
    }
    return boundaries;
  };

  // ---------------------------------------------------------------------------------------
  // Routing.
  // ---------------------------------------------------------------------------------------
  const route = () => {
    const raw = location.hash.replace(/^#/, '') || '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    return { path: path || '/', params };
  };
  // A link to `path` keeping the pinned date and year.
  const link = (path, extra) => {
    const { params } = route();
    const out = new URLSearchParams();
    for (const k of ['date', 'year']) if (params.get(k)) out.set(k, params.get(k));
    for (const [k, v] of Object.entries(extra || {})) {
      if (v === null || v === undefined || v === '') out.delete(k);
      else out.set(k, v);
    }
    const qs = out.toString();
    return '#' + path + (qs ? '?' + qs : '');
  };
  const regionPath = (name) => '/' + name; // "regions/15.08" -> "/regions/15.08"
  const codeOf = (name) => String(name || '').replace(/^regions\//, '');

  // ---------------------------------------------------------------------------------------
  // Charts (Chart.js, embedded in the gateway) and their table and CSV alternatives.
  // ---------------------------------------------------------------------------------------
  const COLORS = {
    main: '#00796b',
    below: '#e0823d',
    met: '#2e7d32',
    target: '#b3261e',
    grid: '#e3e7ea',
    series: ['#00796b', '#3f6fb5', '#e0a03d', '#8e5bb5', '#c2185b', '#5d7d2b', '#6d4c41'],
  };
  const charts = [];
  // Draws a dashed line at a value of one axis (`value`, `axis` 'x' or 'y', `label`).
  const targetLinePlugin = {
    id: 'targetLine',
    afterDatasetsDraw(chart, args, opts) {
      if (!opts || typeof opts.value !== 'number' || !isFinite(opts.value)) return;
      const scale = chart.scales[opts.axis || 'y'];
      if (!scale) return;
      const p = scale.getPixelForValue(opts.value);
      const a = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = COLORS.target;
      ctx.fillStyle = COLORS.target;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      if (opts.axis === 'x') {
        ctx.moveTo(p, a.top);
        ctx.lineTo(p, a.bottom);
      } else {
        ctx.moveTo(a.left, p);
        ctx.lineTo(a.right, p);
      }
      ctx.stroke();
      if (opts.label) {
        ctx.setLineDash([]);
        ctx.font = '600 12px system-ui, sans-serif';
        if (opts.axis === 'x') {
          // Above the plot area (the chart reserves room with layout.padding.top).
          ctx.textAlign = p > (a.left + a.right) / 2 ? 'right' : 'left';
          ctx.fillText(opts.label, p + (ctx.textAlign === 'left' ? 4 : -4), a.top - 5);
        } else {
          ctx.textAlign = 'right';
          ctx.fillText(opts.label, a.right - 4, p - 5);
        }
      }
      ctx.restore();
    },
  };
  let chartReady = false;
  const initCharts = () => {
    if (chartReady || !window.Chart) return chartReady;
    window.Chart.register(targetLinePlugin);
    window.Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    window.Chart.defaults.color = '#33413f';
    window.Chart.defaults.animation = false; // still pictures: screenshots and slow phones
    chartReady = true;
    return chartReady;
  };
  const destroyCharts = () => {
    while (charts.length) charts.pop().destroy();
  };
  const makeChart = (canvas, config) => {
    if (!initCharts()) return;
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, locale: lang === 'en' ? 'en-US' : 'id-ID' },
      config.options || {},
    );
    if (config.type === 'bar') {
      for (const ds of config.data.datasets)
        if (ds.maxBarThickness === undefined) ds.maxBarThickness = 28;
    }
    charts.push(new window.Chart(canvas, config));
  };

  const csvCell = (v) => {
    let x = v === undefined || v === null ? '' : String(v);
    // Text a spreadsheet would run as a formula (a name starting with =, +, - or @) is quoted
    // with a leading apostrophe; numbers are left as they are.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(x)) x = "'" + x;
    return /[",\n]/.test(x) ? '"' + x.replace(/"/g, '""') + '"' : x;
  };
  const downloadCsv = (filename, columns, rows) => {
    const lines = [columns.map((c) => csvCell(c.label)).join(',')];
    for (const row of rows) {
      lines.push(
        (row.cells || row)
          .map((cell) => csvCell(cell && cell.value !== undefined ? cell.value : cell && cell.text))
          .join(','),
      );
    }
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], {
      type: 'text/csv;charset=utf-8',
    });
    const a = h('a', { href: URL.createObjectURL(blob), download: filename });
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 0);
  };

  // A table: `columns` [{label, num, sort}], `rows` of cells {text, value, href, testid, node}.
  // Each row may carry `attrs`. `sortable` makes the headings sort the rows.
  const table = (columns, rows, opts) => {
    opts = opts || {};
    const tbody = h('tbody');
    const fill = (list) => {
      tbody.replaceChildren(
        ...list.map((row) => {
          const cells = row.cells || row;
          return h(
            'tr',
            row.attrs || {},
            cells.map((cell, i) => {
              const col = columns[i];
              const props = { class: col.num ? 'num' : null };
              if (cell.testid) props['data-testid'] = cell.testid;
              if (cell.value !== undefined && cell.value !== null) props['data-value'] = cell.value;
              let content = cell.node || cell.text;
              if (cell.href)
                content = h('a', { href: cell.href, 'data-testid': cell.linkTestid }, content);
              return h(
                i === 0 && opts.rowHeader ? 'th' : 'td',
                Object.assign(props, i === 0 && opts.rowHeader ? { scope: 'row' } : {}),
                content,
              );
            }),
          );
        }),
      );
    };
    const headCells = columns.map((col, i) => {
      if (!opts.sortable)
        return h('th', { scope: 'col', class: col.num ? 'num' : null }, col.label);
      const button = h(
        'button',
        { type: 'button', class: 'sort', 'data-testid': 'sort-' + (col.key || i) },
        col.label,
      );
      const th = h(
        'th',
        { scope: 'col', class: col.num ? 'num' : null, 'aria-sort': 'none' },
        button,
      );
      button.addEventListener('click', () => {
        const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        for (const other of th.parentNode.children) other.setAttribute('aria-sort', 'none');
        th.setAttribute('aria-sort', dir);
        const sign = dir === 'ascending' ? 1 : -1;
        const key = (row) => {
          const cell = (row.cells || row)[i];
          const v =
            cell.sort !== undefined ? cell.sort : cell.value !== undefined ? cell.value : cell.text;
          return v === null || v === undefined ? null : v;
        };
        const sorted = rows.slice().sort((a, b) => {
          const x = key(a);
          const y = key(b);
          if (x === null && y === null) return 0;
          if (x === null) return 1; // no data last either way
          if (y === null) return -1;
          if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
          return sign * String(x).localeCompare(String(y), locale());
        });
        fill(sorted);
      });
      return th;
    });
    fill(rows);
    return h(
      'div',
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.caption || null },
      h(
        'table',
        { 'data-testid': opts.testid || null },
        opts.caption ? h('caption', { class: 'visually-hidden' }, opts.caption) : null,
        h('thead', {}, h('tr', {}, headCells)),
        tbody,
      ),
    );
  };

  // A card with a chart, the same data as a table (toggle) and a CSV download.
  // `draw(canvas)` makes the chart once the card is in the page (Chart.js needs its size):
  // render() calls each canvas's `draw` after attaching the page.
  const chartCard = (o) => {
    const canvas = h('canvas', { role: 'img', 'aria-label': o.title });
    // The table copy carries no test ids and row attributes: the page's own tables do.
    const plainRows = o.rows.map((r) =>
      (r.cells || r).map((c) => Object.assign({}, c, { testid: undefined, linkTestid: undefined })),
    );
    const chartBox = h('div', { class: 'chart-box', style: `height:${o.height || 260}px` }, canvas);
    const tableBox = h(
      'div',
      { class: 'table-box', hidden: !o.showTable },
      table(o.columns, plainRows, { caption: o.title, testid: o.tableTestid, rowHeader: true }),
    );
    if (o.showTable) chartBox.hidden = true;
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'tool',
        'aria-pressed': o.showTable ? 'true' : 'false',
        'data-testid': (o.testid || 'chart') + '-toggle',
      },
      o.showTable ? t('chart') : t('table'),
    );
    toggle.addEventListener('click', () => {
      const showTable = tableBox.hidden;
      tableBox.hidden = !showTable;
      chartBox.hidden = showTable;
      toggle.textContent = showTable ? t('chart') : t('table');
      toggle.setAttribute('aria-pressed', showTable ? 'true' : 'false');
    });
    const csv = h(
      'button',
      { type: 'button', class: 'tool', 'data-testid': (o.testid || 'chart') + '-csv' },
      t('csv'),
    );
    csv.addEventListener('click', () =>
      downloadCsv(o.csvName || 'paritrana.csv', o.columns, o.rows),
    );
    if (window.Chart) canvas.draw = () => o.draw(canvas);
    else {
      chartBox.hidden = true;
      tableBox.hidden = false;
    }
    return h(
      'section',
      { class: 'card ' + (o.wide ? 'wide' : ''), 'data-testid': o.testid },
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, o.title),
        h('div', { class: 'tools' }, toggle, csv),
      ),
      o.note ? h('p', { class: 'note' }, o.note) : null,
      o.before || null,
      chartBox,
      tableBox,
      o.afterNode || null,
    );
  };

  const pctAxis = (max) => ({
    beginAtZero: true,
    suggestedMax: max,
    ticks: { callback: (v) => fmtUpTo2(v) + '%' },
    grid: { color: COLORS.grid },
  });
  // A category axis of names: on a narrow screen long names are shortened ("Kabupaten" to
  // "Kab.", then cut) so the bars keep their room; the tables keep the full names.
  const shortName = (name) => {
    const s = String(name).replace(/^Kabupaten /, 'Kab. ');
    return s.length > 20 ? s.slice(0, 19) + '…' : s;
  };
  const nameAxis = () => ({
    grid: { display: false },
    ticks: {
      callback(value) {
        const label = this.getLabelForValue(value);
        return window.innerWidth < 600 ? shortName(label) : label;
      },
    },
  });
  const intAxis = () => ({
    beginAtZero: true,
    ticks: { callback: (v) => fmtInt(v) },
    grid: { color: COLORS.grid },
  });

  // ---------------------------------------------------------------------------------------
  // Page frame: error banner, controls, language.
  // ---------------------------------------------------------------------------------------
  const main = () => document.getElementById('main');
  const showError = (err, what) => {
    const box = document.getElementById('error');
    let msg = err && err.message ? err.message : String(err);
    if (what) msg = t('errorIn', { what, message: msg });
    box.replaceChildren(h('strong', {}, msg));
    if (err && (err.httpStatus === 401 || err.status === 'UNAUTHENTICATED')) {
      box.append(' ', t('signInHint'));
      const input = document.getElementById('token');
      if (!input.closest('[hidden]')) input.focus();
    }
    box.hidden = false;
  };
  const clearError = () => {
    const box = document.getElementById('error');
    box.hidden = true;
    box.replaceChildren();
  };
  const inlineError = (err) =>
    h('p', { class: 'error-inline', role: 'status' }, (err && err.message) || String(err));

  const updateSignIn = () => {
    const signed = !!getToken();
    document.getElementById('signin').hidden = signed;
    document.getElementById('signed-in').hidden = !signed;
  };
  const applyStaticText = () => {
    document.documentElement.lang = lang;
    document.title = t('title');
    for (const node of document.querySelectorAll('[data-i18n]'))
      node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll('[data-lang]')) {
      b.setAttribute('aria-pressed', b.dataset.lang === lang ? 'true' : 'false');
    }
  };
  const setNav = (which) => {
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === which) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };

  // ---------------------------------------------------------------------------------------
  // Home: the provinces.
  // ---------------------------------------------------------------------------------------
  const renderHome = async (params) => {
    const date = params.get('date') || todayJakarta();
    const list = await api('regions', { pageSize: 100 });
    const provinces = list.regions || [];
    let coverages = null;
    let batchError = null;
    if (provinces.length) {
      const r = await settle(
        api('regions:batchGetCoverage', { regions: provinces.map((p) => p.name), date }),
      );
      if (r.ok) coverages = r.value.coverages || [];
      else batchError = r.error;
    }
    const rows = provinces.map((p, i) => {
      const c = coverages ? coverages[i] : null;
      const has = c && c.baselineFound;
      return {
        attrs: { 'data-testid': 'province-row', 'data-region': p.name },
        cells: [
          { text: p.displayName, value: p.displayName, href: link(regionPath(p.name)) },
          { text: p.code, value: p.code },
          { text: c ? fmtInt(c.activePersons) : '—', value: c ? num(c.activePersons) : null },
          {
            text: has ? fmtInt(c.potentialWorkers) : '—',
            value: has ? num(c.potentialWorkers) : null,
          },
          {
            text: has ? fmtPct(c.coverageRatioPercent) : '—',
            value: has ? num(c.coverageRatioPercent) : null,
          },
        ],
      };
    });
    const columns = [
      { label: t('region'), key: 'name' },
      { label: t('code'), key: 'code' },
      { label: t('active'), num: true, key: 'active' },
      { label: t('potential'), num: true, key: 'potential' },
      { label: t('coverage'), num: true, key: 'ratio' },
    ];
    const withData = rows
      .filter((r) => r.cells[4].value !== null)
      .sort((a, b) => b.cells[4].value - a.cells[4].value);
    const nodes = [
      h('h1', { 'data-testid': 'page-title' }, t('provinces')),
      h('p', { class: 'lead' }, t('provincesNote', { date: fmtDate(parseIsoDate(date)) })),
      batchError ? inlineError(batchError) : null,
    ];
    if (withData.length) {
      nodes.push(
        h(
          'div',
          { class: 'grid' },
          chartCard({
            title: t('coverageOn', { date: fmtDate(parseIsoDate(date)) }),
            testid: 'provinces-chart',
            wide: true,
            height: Math.max(160, withData.length * 26 + 50),
            columns: [columns[0], columns[4]],
            rows: withData.map((r) => [r.cells[0], r.cells[4]]),
            csvName: `coverage-provinces-${date}.csv`,
            draw: (canvas) =>
              makeChart(canvas, {
                type: 'bar',
                data: {
                  labels: withData.map((r) => r.cells[0].text),
                  datasets: [
                    {
                      label: t('coverage'),
                      data: withData.map((r) => r.cells[4].value),
                      backgroundColor: COLORS.main,
                    },
                  ],
                },
                options: {
                  indexAxis: 'y',
                  plugins: {
                    legend: { display: false },
                    tooltip: { callbacks: { label: (c) => fmtPct(c.raw) } },
                  },
                  scales: { x: pctAxis(), y: nameAxis() },
                  onClick: (e, els) => {
                    if (els.length) location.hash = withData[els[0].index].cells[0].href;
                  },
                },
              }),
          }),
        ),
      );
    }
    nodes.push(
      h(
        'section',
        { class: 'card wide' },
        table(columns, rows, {
          sortable: true,
          testid: 'provinces-table',
          caption: t('provinces'),
        }),
      ),
    );
    return nodes;
  };

  // ---------------------------------------------------------------------------------------
  // A region: coverage, target, splits, trend, ranking of its children, map.
  // ---------------------------------------------------------------------------------------
  const regionNames = new Map();
  const ancestors = async (code) => {
    const parts = code.split('.');
    const names = [];
    for (let i = 1; i < parts.length; i++) names.push('regions/' + parts.slice(0, i).join('.'));
    return Promise.all(
      names.map(async (name) => {
        if (!regionNames.has(name)) {
          const r = await settle(api(name));
          regionNames.set(name, r.ok ? r.value.displayName : codeOf(name));
        }
        return { name, displayName: regionNames.get(name) };
      }),
    );
  };
  const chooseYear = (params, dateYear, targets) => {
    const pinned = parseInt(params.get('year') || '', 10);
    if (pinned >= 2000 && pinned <= 2100) return pinned;
    const years = targets.map((x) => x.year).sort((a, b) => a - b);
    if (years.includes(dateYear)) return dateYear;
    const later = years.filter((y) => y > dateYear);
    if (later.length) return later[0];
    return years.length ? years[years.length - 1] : dateYear;
  };
  const monthsBack = (d, n) => {
    let y = d.year;
    let m = d.month - n;
    while (m < 1) {
      m += 12;
      y -= 1;
    }
    if (y < 2000) return { year: 2000, month: 1 };
    return { year: y, month: m };
  };

  const renderRegion = async (code, params) => {
    const name = 'regions/' + code;
    const date = params.get('date') || todayJakarta();
    const d = parseIsoDate(date);
    if (!d) throw new ApiError(400, `date: ${date}`, 'INVALID_ARGUMENT');
    const start = monthsBack(d, 11);
    const [coverage, targetsR, rankR, trendR, crumbs, geo] = await Promise.all([
      api(name + '/coverage', { date }),
      settle(api(name + '/targets', { pageSize: 1000 })),
      settle(api(name + ':rankChildren', { date, pageSize: 1000 })),
      settle(
        api(name + '/coverageTrend', {
          'startMonth.year': start.year,
          'startMonth.month': start.month,
          'endMonth.year': d.year,
          'endMonth.month': d.month,
        }),
      ),
      ancestors(code),
      loadBoundaries(),
    ]);
    regionNames.set(name, coverage.displayName);
    const targets = targetsR.ok ? targetsR.value.coverageTargets || [] : [];
    const year = chooseYear(params, d.year, targets);
    document.getElementById('year').placeholder = String(year); // the year chosen when none is pinned
    const target = targets.find((x) => x.year === year);
    const gapR =
      target && coverage.baselineFound !== false
        ? await settle(api(name + '/targetGap', { year, date }))
        : null;
    const gap = gapR && gapR.ok ? gapR.value : null;

    // Each child's own target for the year: its gap needs its target (listed first, so a
    // region without one costs no failed call).
    const children = rankR.ok ? rankR.value.rankedRegions || [] : [];
    const childGaps = new Map();
    if (children.length <= CHILD_GAP_LIMIT) {
      await mapLimit(children, 6, async (c) => {
        const tl = await settle(api(c.region + '/targets', { pageSize: 1000 }));
        if (!tl.ok) return;
        const ct = (tl.value.coverageTargets || []).find((x) => x.year === year);
        if (!ct || !c.baselineFound) return;
        const g = await settle(api(c.region + '/targetGap', { year, date }));
        if (g.ok) childGaps.set(c.region, g.value);
      });
    }

    const level = coverage.level || 'REGION_LEVEL_PROVINCE';
    const childrenLabel = t('children_' + level);
    const dateText = fmtDate(coverage.date || d);
    const targetRatio = gap
      ? num(gap.targetRatioPercent)
      : target
        ? num(target.targetRatioPercent)
        : null;
    const nodes = [];

    // Breadcrumbs and title.
    nodes.push(
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h(
          'ol',
          {},
          h('li', {}, h('a', { href: link('/') }, t('indonesia'))),
          crumbs.map((c) =>
            h(
              'li',
              {},
              h('a', { href: link(regionPath(c.name)), 'data-testid': 'crumb' }, c.displayName),
            ),
          ),
          h('li', { 'aria-current': 'page' }, coverage.displayName),
        ),
      ),
    );
    nodes.push(
      h(
        'div',
        { class: 'title-row' },
        h(
          'h1',
          { 'data-testid': 'region-title', 'data-region': coverage.region },
          coverage.displayName,
        ),
        h('span', { class: 'badge' }, `${t('level_' + level)} · ${codeOf(coverage.region)}`),
      ),
    );
    const denomText = coverage.baselineFound
      ? t('denominator', {
          source: t(
            'source_' + (coverage.denominatorSource || 'DENOMINATOR_SOURCE_BPJS_POTENTIAL'),
          ),
          year: coverage.denominatorYear,
        })
      : null;
    nodes.push(
      h(
        'p',
        { class: 'lead' },
        t('coverageOn', { date: dateText }),
        denomText ? ' · ' + denomText : '',
        coverage.denominatorNote
          ? h('span', { class: 'muted' }, ` (${coverage.denominatorNote})`)
          : '',
      ),
    );

    // Key figures.
    const ratio = num(coverage.coverageRatioPercent);
    const kpis = [];
    kpis.push(
      h(
        'div',
        { class: 'kpi kpi-main' },
        h('div', { class: 'kpi-label', 'data-testid': 'coverage-label' }, t('coverage')),
        h(
          'div',
          {
            class: 'kpi-value',
            'data-testid': 'coverage-ratio',
            'data-value': coverage.baselineFound ? ratio : null,
          },
          coverage.baselineFound ? fmtPct(ratio) : '—',
        ),
        coverage.baselineFound ? progress(ratio, targetRatio) : null,
        h(
          'div',
          { class: 'kpi-sub' },
          coverage.baselineFound
            ? t('activeOfPotential', {
                active: fmtInt(coverage.activePersons),
                potential: fmtInt(coverage.potentialWorkers),
              })
            : t('noBaseline'),
        ),
      ),
    );
    kpis.push(
      kpi(
        t('active'),
        'active-persons',
        num(coverage.activePersons),
        fmtInt(coverage.activePersons),
      ),
    );
    kpis.push(
      kpi(
        t('potential'),
        'potential-workers',
        coverage.baselineFound ? num(coverage.potentialWorkers) : null,
        coverage.baselineFound ? fmtInt(coverage.potentialWorkers) : '—',
      ),
    );
    if (gap) {
      kpis.push(
        kpi(
          t('targetLabel', { year }),
          'target-ratio',
          num(gap.targetRatioPercent),
          fmtPct(gap.targetRatioPercent),
          t('targetWorkers', { n: fmtInt(gap.targetWorkers) }),
        ),
      );
      kpis.push(
        h(
          'div',
          { class: 'kpi ' + (gap.met ? 'kpi-met' : 'kpi-gap') },
          h('div', { class: 'kpi-label' }, t('toEnroll')),
          h(
            'div',
            {
              class: 'kpi-value',
              'data-testid': 'workers-to-enroll',
              'data-value': num(gap.workersToEnroll),
            },
            fmtInt(gap.workersToEnroll),
          ),
          h(
            'div',
            {
              class: 'kpi-sub',
              'data-testid': 'gap-points',
              'data-value': num(gap.gapRatioPoints),
            },
            gap.met ? t('targetMet') : t('gapPoints', { pts: fmtDec(gap.gapRatioPoints) }),
          ),
        ),
      );
    } else {
      kpis.push(
        h(
          'div',
          { class: 'kpi' },
          h('div', { class: 'kpi-label' }, t('targetLabel', { year })),
          h(
            'div',
            { class: 'kpi-sub', 'data-testid': 'no-target' },
            gapR && !gapR.ok ? gapR.error.message : t('noTarget', { year }),
          ),
        ),
      );
    }
    nodes.push(h('section', { class: 'kpis', 'aria-label': t('coverage') }, kpis));

    const grid = h('div', { class: 'grid' });
    nodes.push(grid);

    // Ranking of the children.
    if (!rankR.ok) {
      grid.append(
        h(
          'section',
          { class: 'card wide' },
          h('h2', {}, t('ranking', { children: childrenLabel })),
          inlineError(rankR.error),
        ),
      );
    } else if (children.length) {
      grid.append(
        ...rankingCards(children, childGaps, {
          childrenLabel,
          dateText,
          year,
          targetRatio,
          date,
          geo,
        }),
      );
    } else if (level !== 'REGION_LEVEL_VILLAGE') {
      grid.append(h('section', { class: 'card wide' }, h('p', {}, t('noChildren'))));
    }

    // Trend.
    if (trendR.ok) grid.append(trendCard(trendR.value.points || [], year, targetRatio, code));
    else
      grid.append(
        h('section', { class: 'card' }, h('h2', {}, t('trend')), inlineError(trendR.error)),
      );

    grid.append(
      segmentCard(coverage, code, date),
      programmeCard(coverage, code, date),
      fundingCard(coverage, code, date),
    );
    return nodes;
  };

  const kpi = (label, testid, value, text, sub) =>
    h(
      'div',
      { class: 'kpi' },
      h('div', { class: 'kpi-label' }, label),
      h('div', { class: 'kpi-value', 'data-testid': testid, 'data-value': value }, text),
      sub ? h('div', { class: 'kpi-sub' }, sub) : null,
    );
  // A bar from 0 to max(100%, ratio) with the ratio filled and the target marked.
  const progress = (ratio, target) => {
    const scale = Math.max(100, ratio);
    const bar = h(
      'div',
      { class: 'progress', role: 'presentation' },
      h('div', {
        class: 'progress-fill' + (target !== null && ratio >= target ? ' met' : ''),
        style: `width:${(ratio / scale) * 100}%`,
      }),
    );
    if (target !== null) {
      bar.append(
        h('div', {
          class: 'progress-target',
          style: `left:${(target / scale) * 100}%`,
          title: fmtPct(target),
        }),
      );
    }
    return bar;
  };

  const rankingCards = (children, childGaps, o) => {
    const hasGaps = childGaps.size > 0;
    const columns = [
      { label: t('rank'), num: true, key: 'rank' },
      { label: t('region'), key: 'name' },
      { label: t('active'), num: true, key: 'active' },
      { label: t('potential'), num: true, key: 'potential' },
      { label: t('coverage'), num: true, key: 'ratio' },
      { label: t('targetLabel', { year: o.year }), num: true, key: 'target' },
      { label: t('toEnrollShort'), num: true, key: 'toEnroll' },
      { label: t('gapShort'), num: true, key: 'gap' },
    ];
    const rows = children.map((c) => {
      const g = childGaps.get(c.region);
      const has = !!c.baselineFound;
      return {
        attrs: { 'data-testid': 'rank-row', 'data-region': c.region },
        cells: [
          { text: String(c.rank), value: c.rank },
          {
            text: c.displayName,
            value: c.displayName,
            href: link(regionPath(c.region)),
            linkTestid: 'rank-link',
          },
          { text: fmtInt(c.activePersons), value: num(c.activePersons) },
          {
            text: has ? fmtInt(c.potentialWorkers) : '—',
            value: has ? num(c.potentialWorkers) : null,
          },
          {
            text: has ? fmtPct(c.coverageRatioPercent) : '—',
            value: has ? num(c.coverageRatioPercent) : null,
            testid: 'rank-ratio',
          },
          {
            text: g ? fmtPct(g.targetRatioPercent) : '—',
            value: g ? num(g.targetRatioPercent) : null,
          },
          {
            text: g ? fmtInt(g.workersToEnroll) : '—',
            value: g ? num(g.workersToEnroll) : null,
            testid: 'rank-to-enroll',
          },
          {
            text: g ? fmtDec(g.gapRatioPoints) : '—',
            value: g ? num(g.gapRatioPoints) : null,
            testid: 'rank-gap',
          },
        ],
      };
    });
    const charted = rows.filter((r) => r.cells[4].value !== null);
    const cards = [];
    const csvName = `ranking-${codeOf(children[0].region).split('.').slice(0, -1).join('.')}-${o.date}.csv`;
    if (charted.length) {
      const maxRatio = Math.max(...charted.map((r) => r.cells[4].value), o.targetRatio || 0);
      cards.push(
        chartCard({
          title: t('ranking', { children: o.childrenLabel }),
          testid: 'ranking-chart',
          note: t('rankingNote', { date: o.dateText, year: o.year }),
          height: Math.max(180, charted.length * 26 + 50),
          columns: [columns[1], columns[4], columns[6]],
          rows: charted.map((r) => [r.cells[1], r.cells[4], r.cells[6]]),
          csvName,
          draw: (canvas) =>
            makeChart(canvas, {
              type: 'bar',
              data: {
                labels: charted.map((r) => r.cells[1].text),
                datasets: [
                  {
                    label: t('coverage'),
                    data: charted.map((r) => r.cells[4].value),
                    backgroundColor: charted.map((r) =>
                      o.targetRatio !== null && r.cells[4].value >= o.targetRatio
                        ? COLORS.met
                        : COLORS.main,
                    ),
                  },
                ],
              },
              options: {
                indexAxis: 'y',
                layout: { padding: { top: 18 } },
                scales: {
                  x: pctAxis(Math.ceil((maxRatio * 1.08) / 5) * 5),
                  y: nameAxis(),
                },
                plugins: {
                  legend: { display: false },
                  tooltip: { callbacks: { label: (c) => fmtPct(c.raw) } },
                  targetLine:
                    o.targetRatio !== null
                      ? {
                          value: o.targetRatio,
                          axis: 'x',
                          label: `${t('targetLabel', { year: o.year })} ${fmtPct(o.targetRatio)}`,
                        }
                      : {},
                },
                onClick: (e, els) => {
                  if (els.length) location.hash = charted[els[0].index].cells[1].href;
                },
                onHover: (e, els) => {
                  e.native.target.style.cursor = els.length ? 'pointer' : 'default';
                },
              },
            }),
        }),
      );
    }
    if (o.geo) {
      const map = choroplethCard(o.geo, children, o);
      if (map) cards.push(map);
    }
    const tableCard = h(
      'section',
      { class: 'card wide', 'data-testid': 'ranking-table-card' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, t('rankingTable', { children: o.childrenLabel })),
        h(
          'div',
          { class: 'tools' },
          h(
            'button',
            {
              type: 'button',
              class: 'tool',
              'data-testid': 'ranking-csv',
              onclick: () => downloadCsv(csvName, columns, rows),
            },
            t('csv'),
          ),
        ),
      ),
      !hasGaps && children.length > CHILD_GAP_LIMIT
        ? h('p', { class: 'note' }, t('tooManyChildren', { n: CHILD_GAP_LIMIT }))
        : null,
      table(columns, rows, {
        sortable: true,
        testid: 'ranking-table',
        caption: t('ranking', { children: o.childrenLabel }),
      }),
    );
    cards.push(tableCard);
    return cards;
  };

  // --- The choropleth: the children's polygons from the operator's GeoJSON, as SVG. ---
  const featureCode = (f) => {
    const p = f.properties || {};
    for (const k of ['code', 'kode', 'kode_kemendagri', 'kemendagri_code', 'kdepum', 'region']) {
      if (p[k] !== undefined && p[k] !== null && p[k] !== '') return codeOf(String(p[k]));
    }
    return f.id !== undefined ? codeOf(String(f.id)) : '';
  };
  // geoBoundaries names ("Batang Hari", "Kota Jambi") against the registry's ("Kabupaten
  // Batanghari"): without the "Kabupaten" prefix, letters only.
  const normName = (n) =>
    String(n || '')
      .toLowerCase()
      .replace(/^(kabupaten|kab\.)\s+/, '')
      .replace(/[^a-z]/g, '');
  const featureName = (f) => {
    const p = f.properties || {};
    return p.shapeName || p.name || p.nama || p.NAME_2 || p.NAME_3 || '';
  };
  const rings = (geometry) => {
    if (!geometry) return [];
    if (geometry.type === 'Polygon') return geometry.coordinates;
    if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat(1);
    if (geometry.type === 'GeometryCollection') return geometry.geometries.flatMap(rings);
    return [];
  };
  const PALETTE = ['#f1eef6', '#c6dbef', '#6baed6', '#2171b5', '#2e7d32'];
  const choroplethCard = (geo, children, o) => {
    const features = Array.isArray(geo.features) ? geo.features : [];
    const byCode = new Map(children.map((c) => [codeOf(c.region), c]));
    const byName = new Map();
    for (const c of children) byName.set(normName(c.displayName), c);
    const matched = [];
    for (const f of features) {
      const code = featureCode(f);
      let child = code ? byCode.get(code) : undefined;
      if (!child && !code) child = byName.get(normName(featureName(f)));
      if (child && rings(f.geometry).length) matched.push({ f, child });
    }
    if (!matched.length) return null;

    const T = o.targetRatio !== null && o.targetRatio > 0 ? o.targetRatio : 55;
    const cuts = [T * 0.4, T * 0.6, T * 0.8, T];
    const classOf = (c) => {
      if (!c.baselineFound) return -1;
      const r = num(c.coverageRatioPercent);
      let k = 0;
      while (k < cuts.length && r >= cuts[k]) k++;
      return k;
    };
    const legend = [
      `< ${fmtPct(cuts[0])}`,
      `${fmtPct(cuts[0])} – ${fmtPct(cuts[1])}`,
      `${fmtPct(cuts[1])} – ${fmtPct(cuts[2])}`,
      `${fmtPct(cuts[2])} – ${fmtPct(cuts[3])}`,
      `≥ ${fmtPct(cuts[3])} (${t('atTarget')})`,
    ];

    // Equirectangular projection fitted to the features' bounding box.
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const { f } of matched) {
      for (const ring of rings(f.geometry)) {
        for (const [x, y] of ring) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
      }
    }
    const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
    const W = 640,
      PAD = 10,
      HMAX = 520;
    const spanX = Math.max((maxX - minX) * kx, 1e-9);
    const spanY = Math.max(maxY - minY, 1e-9);
    const scale = Math.min((W - 2 * PAD) / spanX, (HMAX - 2 * PAD) / spanY);
    const H = spanY * scale + 2 * PAD;
    const offX = (W - spanX * scale) / 2;
    const px = (x) => (offX + (x - minX) * kx * scale).toFixed(1);
    const py = (y) => (PAD + (maxY - y) * scale).toFixed(1);
    const svg = s('svg', {
      viewBox: `0 0 ${W} ${H.toFixed(0)}`,
      class: 'map',
      role: 'group',
      'aria-label': t('map', { children: o.childrenLabel }),
      'data-testid': 'map',
    });
    for (const { f, child } of matched) {
      const d = rings(f.geometry)
        .map((ring) => 'M' + ring.map(([x, y]) => px(x) + ',' + py(y)).join('L') + 'Z')
        .join('');
      const k = classOf(child);
      const label = `${child.displayName}: ${child.baselineFound ? fmtPct(child.coverageRatioPercent) : t('noData')}`;
      const a = s(
        'a',
        {
          href: link(regionPath(child.region)),
          'aria-label': label,
          'data-testid': 'map-region',
          'data-region': child.region,
        },
        s('title', {}, label),
        s('path', {
          d,
          fill: k < 0 ? '#d9d9d9' : PALETTE[k],
          'fill-rule': 'evenodd',
          class: 'map-area',
        }),
      );
      svg.append(a);
    }
    const legendNode = h(
      'ul',
      { class: 'legend', 'aria-label': t('mapClass') },
      legend.map((text, k) =>
        h('li', {}, h('span', { class: 'swatch', style: `background:${PALETTE[k]}` }), text),
      ),
      h('li', {}, h('span', { class: 'swatch', style: 'background:#d9d9d9' }), t('noData')),
    );
    const columns = [
      { label: t('region') },
      { label: t('code') },
      { label: t('coverage'), num: true },
      { label: t('mapClass') },
    ];
    const rows = matched.map(({ child }) => {
      const k = classOf(child);
      return [
        { text: child.displayName, href: link(regionPath(child.region)) },
        { text: codeOf(child.region) },
        {
          text: child.baselineFound ? fmtPct(child.coverageRatioPercent) : '—',
          value: child.baselineFound ? num(child.coverageRatioPercent) : null,
        },
        { text: k < 0 ? t('noData') : legend[k] },
      ];
    });
    const mapBox = h('div', { class: 'map-box' }, svg);
    const tableBox = h(
      'div',
      { class: 'table-box', hidden: true },
      table(columns, rows, { caption: t('map', { children: o.childrenLabel }), rowHeader: true }),
    );
    const toggle = h(
      'button',
      { type: 'button', class: 'tool', 'aria-pressed': 'false', 'data-testid': 'map-toggle' },
      t('table'),
    );
    toggle.addEventListener('click', () => {
      const showTable = tableBox.hidden;
      tableBox.hidden = !showTable;
      mapBox.hidden = showTable;
      toggle.textContent = showTable ? t('chart') : t('table');
      toggle.setAttribute('aria-pressed', showTable ? 'true' : 'false');
    });
    return h(
      'section',
      { class: 'card', 'data-testid': 'map-card' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, t('map', { children: o.childrenLabel })),
        h('div', { class: 'tools' }, toggle),
      ),
      h('p', { class: 'note' }, t('mapNote')),
      mapBox,
      legendNode,
      tableBox,
    );
  };

  const trendCard = (points, year, targetRatio, code) => {
    const columns = [
      { label: t('monthEnd') },
      { label: t('active'), num: true },
      { label: t('change'), num: true },
      { label: t('potential'), num: true },
      { label: t('coverage'), num: true },
    ];
    const rows = points.map((p) => [
      { text: fmtDate(p.date), value: isoDate(p.date) },
      { text: fmtInt(p.activePersons), value: num(p.activePersons) },
      { text: fmtSigned(p.activePersonsChange), value: num(p.activePersonsChange) },
      {
        text: num(p.potentialWorkers) ? fmtInt(p.potentialWorkers) : '—',
        value: num(p.potentialWorkers),
      },
      {
        text: num(p.potentialWorkers) ? fmtPct(p.coverageRatioPercent) : '—',
        value: num(p.coverageRatioPercent),
      },
    ]);
    const maxRatio = Math.max(targetRatio || 0, ...points.map((p) => num(p.coverageRatioPercent)));
    return chartCard({
      title: t('trend'),
      testid: 'trend-chart',
      note: t('trendNote', { year }),
      columns,
      rows,
      csvName: `trend-${code}.csv`,
      draw: (canvas) =>
        makeChart(canvas, {
          type: 'line',
          data: {
            labels: points.map((p) => fmtMonth(p.date)),
            datasets: [
              {
                label: t('coverage'),
                data: points.map((p) => num(p.coverageRatioPercent)),
                borderColor: COLORS.main,
                backgroundColor: 'rgba(0,121,107,0.12)',
                fill: true,
                tension: 0.25,
                pointRadius: 3,
              },
            ],
          },
          options: {
            scales: {
              y: pctAxis(Math.ceil((maxRatio * 1.1) / 5) * 5),
              x: { grid: { display: false } },
            },
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  label: (c) => `${fmtPct(c.raw)} (${fmtInt(points[c.dataIndex].activePersons)})`,
                },
              },
              targetLine:
                targetRatio !== null
                  ? {
                      value: targetRatio,
                      axis: 'y',
                      label: `${t('targetLabel', { year })} ${fmtPct(targetRatio)}`,
                    }
                  : {},
            },
          },
        }),
    });
  };

  const segmentCard = (coverage, code, date) => {
    const segs = coverage.segments || [];
    const total = segs.reduce((a, x) => a + num(x.activePersons), 0);
    const columns = [
      { label: t('segment') },
      { label: t('active'), num: true },
      { label: t('share'), num: true },
      { label: t('potential'), num: true },
      { label: t('coverage'), num: true },
    ];
    const rows = segs.map((x) => {
      const has = num(x.potentialWorkers) > 0;
      return [
        {
          text: enumLabel('segment_', x.segment),
          value: String(x.segment).replace('SEGMENT_', ''),
        },
        { text: fmtInt(x.activePersons), value: num(x.activePersons) },
        {
          text: total ? fmtPct((num(x.activePersons) / total) * 100) : '—',
          value: total ? (num(x.activePersons) / total) * 100 : null,
        },
        {
          text: has ? fmtInt(x.potentialWorkers) : '—',
          value: has ? num(x.potentialWorkers) : null,
        },
        {
          text: has ? fmtPct(x.coverageRatioPercent) : '—',
          value: has ? num(x.coverageRatioPercent) : null,
          testid: 'segment-ratio-' + String(x.segment).replace('SEGMENT_', ''),
        },
      ];
    });
    const chips = h(
      'div',
      { class: 'chips' },
      segs
        .filter((x) => num(x.potentialWorkers) > 0)
        .map((x) => {
          const key = String(x.segment).replace('SEGMENT_', '');
          return h(
            'div',
            { class: 'chip' },
            h('span', { class: 'chip-label' }, key),
            h(
              'strong',
              { 'data-testid': 'segment-chip-' + key, 'data-value': num(x.coverageRatioPercent) },
              fmtPct(x.coverageRatioPercent),
            ),
            h(
              'span',
              { class: 'muted' },
              ` ${fmtInt(x.activePersons)} / ${fmtInt(x.potentialWorkers)}`,
            ),
          );
        }),
    );
    return chartCard({
      title: t('segments'),
      testid: 'segments-chart',
      note: t('segmentsNote'),
      columns,
      rows,
      before: chips,
      csvName: `segments-${code}-${date}.csv`,
      height: 220,
      draw: (canvas) =>
        makeChart(canvas, {
          type: 'doughnut',
          data: {
            labels: segs.map((x) => enumLabel('segment_', x.segment)),
            datasets: [
              { data: segs.map((x) => num(x.activePersons)), backgroundColor: COLORS.series },
            ],
          },
          options: {
            plugins: {
              legend: { position: window.innerWidth < 600 ? 'bottom' : 'right' },
              tooltip: { callbacks: { label: (c) => `${c.label}: ${fmtInt(c.raw)}` } },
            },
          },
        }),
    });
  };

  const programmeCard = (coverage, code, date) => {
    const progs = coverage.programmes || [];
    const active = num(coverage.activePersons);
    const columns = [
      { label: t('programme') },
      { label: t('active'), num: true },
      { label: t('share'), num: true },
    ];
    const rows = progs.map((x) => [
      {
        text: enumLabel('programme_', x.programme),
        value: String(x.programme).replace('PROGRAMME_', ''),
      },
      { text: fmtInt(x.activePersons), value: num(x.activePersons) },
      {
        text: active ? fmtPct((num(x.activePersons) / active) * 100) : '—',
        value: active ? (num(x.activePersons) / active) * 100 : null,
      },
    ]);
    return chartCard({
      title: t('programmes'),
      testid: 'programmes-chart',
      note: t('programmesNote'),
      columns,
      rows,
      csvName: `programmes-${code}-${date}.csv`,
      height: 220,
      draw: (canvas) =>
        makeChart(canvas, {
          type: 'bar',
          data: {
            labels: progs.map((x) => String(x.programme).replace('PROGRAMME_', '')),
            datasets: [
              {
                label: t('active'),
                data: progs.map((x) => num(x.activePersons)),
                backgroundColor: COLORS.series[1],
              },
            ],
          },
          options: {
            scales: { y: intAxis(), x: { grid: { display: false } } },
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  title: (c) => enumLabel('programme_', progs[c[0].dataIndex].programme),
                  label: (c) => fmtInt(c.raw),
                },
              },
            },
          },
        }),
    });
  };

  const schemeName = (x) => {
    const sc = x.subsidyScheme || '';
    return sc && sc === sc.toLowerCase() ? sc.charAt(0).toUpperCase() + sc.slice(1) : sc;
  };
  const fundingCard = (coverage, code, date) => {
    const funds = coverage.funding || [];
    const active = num(coverage.activePersons);
    const label = (x) =>
      enumLabel('funding_', x.fundingSource) + (x.subsidyScheme ? ` — ${schemeName(x)}` : '');
    const columns = [
      { label: t('payer') },
      { label: t('scheme') },
      { label: t('active'), num: true },
      { label: t('share'), num: true },
    ];
    const rows = funds.map((x) => [
      {
        text: enumLabel('funding_', x.fundingSource),
        value: String(x.fundingSource).replace('FUNDING_SOURCE_', ''),
      },
      { text: schemeName(x) || '—', value: x.subsidyScheme || '' },
      {
        text: fmtInt(x.activePersons),
        value: num(x.activePersons),
        testid:
          'funding-' +
          String(x.fundingSource).replace('FUNDING_SOURCE_', '') +
          (x.subsidyScheme ? '-' + x.subsidyScheme : ''),
      },
      {
        text: active ? fmtPct((num(x.activePersons) / active) * 100) : '—',
        value: active ? (num(x.activePersons) / active) * 100 : null,
      },
    ]);
    return chartCard({
      title: t('funding'),
      testid: 'funding-chart',
      note: t('fundingNote'),
      columns,
      rows,
      csvName: `funding-${code}-${date}.csv`,
      height: Math.max(160, funds.length * 34 + 40),
      draw: (canvas) =>
        makeChart(canvas, {
          type: 'bar',
          data: {
            labels: funds.map(label),
            datasets: [
              {
                label: t('active'),
                data: funds.map((x) => num(x.activePersons)),
                backgroundColor: COLORS.series[2],
              },
            ],
          },
          options: {
            indexAxis: 'y',
            scales: { x: intAxis(), y: nameAxis() },
            plugins: {
              legend: { display: false },
              tooltip: { callbacks: { label: (c) => fmtInt(c.raw) } },
            },
          },
        }),
    });
  };

  // ---------------------------------------------------------------------------------------
  // The award: cycles, and an evaluation's ranking with every candidate's explanation.
  // ---------------------------------------------------------------------------------------
  const renderAwardList = async () => {
    const r = await api('cycles', { pageSize: 100 });
    const cycles = r.awardCycles || [];
    const nodes = [
      h('h1', { 'data-testid': 'page-title' }, t('awardCycles')),
      h('p', { class: 'lead' }, t('awardCyclesNote')),
    ];
    if (!cycles.length) {
      nodes.push(h('p', {}, t('noCycles')));
      return nodes;
    }
    const scopeNames = await Promise.all(
      cycles.map(async (c) => {
        if (c.province) {
          if (!regionNames.has(c.province)) {
            const g = await settle(api(c.province));
            regionNames.set(c.province, g.ok ? g.value.displayName : codeOf(c.province));
          }
          return regionNames.get(c.province);
        }
        return c.zone ? c.zone.displayName : '—';
      }),
    );
    const id = (c) => c.name.replace(/^cycles\//, '');
    const columns = [
      { label: t('cycle') },
      { label: t('year'), num: true },
      { label: t('scope') },
      { label: t('state') },
      { label: '' },
    ];
    const rows = cycles.map((c, i) => ({
      attrs: { 'data-testid': 'cycle-row', 'data-cycle': c.name },
      cells: [
        { text: c.displayName, href: link('/award/cycles/' + id(c)) },
        { text: String(c.year), value: c.year },
        { text: scopeNames[i] },
        { text: enumLabel('cycleState_', c.state) },
        {
          node: h(
            'a',
            {
              href: link('/award/cycles/' + id(c)),
              'data-testid': 'cycle-link',
              class: 'button-link',
            },
            t('viewResults'),
          ),
        },
      ],
    }));
    nodes.push(
      h(
        'section',
        { class: 'card wide' },
        table(columns, rows, { testid: 'cycles-table', caption: t('awardCycles') }),
      ),
    );
    return nodes;
  };

  const PERCENT_INDICATORS = new Set([
    'COMPUTED_INDICATOR_COVERAGE_RATIO',
    'COMPUTED_INDICATOR_PU_COVERAGE_RATIO',
    'COMPUTED_INDICATOR_BPU_COVERAGE_RATIO',
    'COMPUTED_INDICATOR_EMPLOYER_REGISTERED_SHARE',
    'COMPUTED_INDICATOR_EMPLOYER_ON_TIME_SHARE',
  ]);
  const rawText = (ind) => {
    if (ind.valueStatus === 'INDICATOR_VALUE_STATUS_NO_DATA') return t('noValue');
    if (ind.valueStatus === 'INDICATOR_VALUE_STATUS_NO_JURY_SCORES') return t('noJury');
    if (ind.rawValue === undefined || ind.rawValue === null) return '—';
    if (PERCENT_INDICATORS.has(ind.computed)) return fmtPct(ind.rawValue);
    if (ind.computed === 'COMPUTED_INDICATOR_COVERAGE_GROWTH') return fmtPts(ind.rawValue);
    if (ind.computed === 'COMPUTED_INDICATOR_TARGET_GAP_CLOSED')
      return `${fmtPct(ind.rawValue)} ${t('ofGap')}`;
    if (ind.computed === 'COMPUTED_INDICATOR_BUDGET_FUNDED_WORKERS')
      return `${fmtUpTo2(ind.rawValue)} ${t('perThousand')}`;
    return fmtUpTo2(ind.rawValue);
  };
  const inputsText = (ind) => {
    if (ind.inputs && ind.inputs.length) {
      return ind.inputs
        .map(
          (x) => `${x.key} ${Number.isInteger(num(x.value)) ? fmtInt(x.value) : fmtUpTo2(x.value)}`,
        )
        .join(' · ');
    }
    if (ind.juryScores && ind.juryScores.length) {
      const agg = ind.juryAggregation ? ` (${enumLabel('agg_', ind.juryAggregation)})` : '';
      return ind.juryScores.map((x) => `${x.assessor} ${fmtUpTo2(x.score)}`).join(' · ') + agg;
    }
    return '';
  };
  const OPS = {
    COMPARISON_OPERATOR_GTE: '≥',
    COMPARISON_OPERATOR_GT: '>',
    COMPARISON_OPERATOR_LTE: '≤',
    COMPARISON_OPERATOR_LT: '<',
  };

  const renderAwardCycle = async (cycleId, evalNo) => {
    const cycle = await api('cycles/' + cycleId);
    let evalName = evalNo ? `cycles/${cycleId}/evaluations/${evalNo}` : cycle.publishedEvaluation;
    if (!evalName) {
      const list = await api(`cycles/${cycleId}/evaluations`, { pageSize: 1 });
      evalName = list.evaluations && list.evaluations.length ? list.evaluations[0].name : '';
    }
    const nodes = [
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h(
          'ol',
          {},
          h('li', {}, h('a', { href: link('/award') }, t('navAward'))),
          h('li', { 'aria-current': 'page' }, cycle.displayName),
        ),
      ),
      h('h1', { 'data-testid': 'page-title', 'data-cycle': cycle.name }, cycle.displayName),
    ];
    if (!evalName) {
      nodes.push(h('p', {}, t('noEvaluation')));
      return nodes;
    }
    const ev = await api(evalName);
    const results = ev.results || [];
    const rubrics = await Promise.all(
      results.map((r) => settle(api(r.rubricVersion)).then((x) => (x.ok ? x.value : null))),
    );
    const period = ev.assessmentPeriod || {};
    nodes.push(
      h(
        'p',
        { class: 'lead' },
        h(
          'span',
          {
            class: 'badge ' + (ev.state === 'STATE_PUBLISHED' ? 'badge-ok' : 'badge-warn'),
            'data-testid': 'evaluation-state',
            'data-value': ev.state,
          },
          enumLabel('evalState_', ev.state),
        ),
        ' ',
        t('period', { start: fmtDate(period.startDate), end: fmtDate(period.endDate) }),
        '. ',
        t('evaluatedAt', { time: fmtTime(ev.evaluateTime), by: ev.evaluatedBy || '—' }),
        ev.publishTime
          ? ', ' + t('publishedAt', { time: fmtTime(ev.publishTime), by: ev.publishedBy || '—' })
          : '',
        '.',
        h('span', { class: 'muted' }, ` (${ev.name})`),
      ),
    );
    results.forEach((res, i) => nodes.push(...categoryResult(res, rubrics[i])));
    return nodes;
  };

  const categoryResult = (res, rubric) => {
    const aspects = rubric ? rubric.aspects || [] : [];
    const declared = rubric ? num(rubric.declaredTotalWeight) : 0;
    const aspectName = new Map(aspects.map((a) => [a.id, a.displayName]));
    const indicatorName = new Map(
      aspects.flatMap((a) => (a.indicators || []).map((x) => [x.id, x.displayName])),
    );
    const aName = (id) => aspectName.get(id) || id;
    const iName = (id) => indicatorName.get(id) || id;
    const ranked = res.ranked || [];
    const aspectIds = ranked.length
      ? (ranked[0].aspectScores || []).map((a) => a.aspectId)
      : aspects.map((a) => a.id);
    const aspectWeight = new Map(
      ranked.length
        ? (ranked[0].aspectScores || []).map((a) => [a.aspectId, num(a.weight)])
        : aspects.map((a) => [a.id, num(a.weight)]),
    );
    const out = [];
    out.push(h('h2', { class: 'section-title' }, enumLabel('category_', res.category)));
    out.push(
      h(
        'p',
        { class: 'note' },
        t('rubricVersion', { v: res.rubricVersion }),
        ' · ',
        t('rankedCount', {
          ranked: num(res.rankedCount),
          screened: num(res.screenedOutCount),
          excluded: num(res.excludedCount),
        }),
      ),
    );
    const subjectLink = (e) =>
      String(e.subject).startsWith('regions/') ? link(regionPath(e.subject)) : null;
    const maxPoints = (id) =>
      declared ? (aspectWeight.get(id) / declared) * 100 : aspectWeight.get(id);

    if (ranked.length) {
      const columns = [
        { label: t('rank'), num: true },
        { label: t('candidate') },
        { label: t('totalScore'), num: true },
        ...aspectIds.map((id) => ({
          label: `${aName(id)} (/${fmtUpTo2(maxPoints(id))})`,
          num: true,
        })),
      ];
      const rows = ranked.map((e) => ({
        attrs: { 'data-testid': 'award-row', 'data-rank': e.rank, 'data-subject': e.subject },
        cells: [
          { text: String(e.rank), value: e.rank },
          { text: e.displayName, value: e.displayName, href: subjectLink(e), testid: 'award-name' },
          { text: fmtDec(e.totalScore), value: num(e.totalScore), testid: 'award-score' },
          ...aspectIds.map((id) => {
            const a = (e.aspectScores || []).find((x) => x.aspectId === id) || {};
            return { text: fmtDec(a.weightedContribution), value: num(a.weightedContribution) };
          }),
        ],
      }));
      out.push(
        h(
          'div',
          { class: 'grid' },
          chartCard({
            title: t('aspectPoints'),
            testid: 'award-chart',
            note: t('aspectPointsNote'),
            wide: true,
            height: Math.max(200, ranked.length * 28 + 70),
            columns,
            rows,
            tableTestid: 'award-table',
            showTable: false,
            csvName: `${String(res.rubricVersion).replace(/\//g, '-')}-ranking.csv`,
            draw: (canvas) =>
              makeChart(canvas, {
                type: 'bar',
                data: {
                  labels: ranked.map((e) => `${e.rank}. ${e.displayName}`),
                  datasets: aspectIds.map((id, k) => ({
                    label: aName(id),
                    backgroundColor: COLORS.series[k % COLORS.series.length],
                    data: ranked.map((e) =>
                      num(
                        ((e.aspectScores || []).find((x) => x.aspectId === id) || {})
                          .weightedContribution,
                      ),
                    ),
                  })),
                },
                options: {
                  indexAxis: 'y',
                  scales: {
                    x: {
                      stacked: true,
                      beginAtZero: true,
                      suggestedMax: 100,
                      ticks: { callback: (v) => fmtUpTo2(v) },
                    },
                    y: Object.assign(nameAxis(), { stacked: true }),
                  },
                  plugins: {
                    tooltip: {
                      callbacks: { label: (c) => `${c.dataset.label}: ${fmtDec(c.raw)}` },
                    },
                  },
                  onClick: (e, els) => {
                    if (els.length && subjectLink(ranked[els[0].index]))
                      location.hash = subjectLink(ranked[els[0].index]);
                  },
                },
              }),
          }),
        ),
      );
      // The ranking as a plain table too (always visible: the official order).
      out.push(
        h(
          'section',
          { class: 'card wide' },
          table(columns, rows, {
            testid: 'award-ranking',
            caption: enumLabel('category_', res.category),
          }),
        ),
      );

      // Every candidate's derivation.
      out.push(h('h3', { class: 'section-title' }, t('explanation')));
      for (const e of ranked) out.push(explain(e, { aName, iName, declared }));
    }
    const screened = res.screenedOut || [];
    if (screened.length) {
      out.push(h('h3', { class: 'section-title' }, t('screenedOut')));
      const columns = [{ label: t('candidate') }, { label: t('failedGates') }];
      const rows = screened.map((e) => ({
        attrs: { 'data-testid': 'screened-row', 'data-subject': e.subject },
        cells: [
          { text: e.displayName, href: subjectLink(e) },
          {
            text: (e.gateOutcomes || [])
              .filter((g) => !g.passed)
              .map((g) => gateText(g, iName))
              .join('; '),
          },
        ],
      }));
      out.push(
        h('section', { class: 'card wide' }, table(columns, rows, { caption: t('screenedOut') })),
      );
    }
    const excluded = res.excluded || [];
    if (excluded.length) {
      out.push(h('h3', { class: 'section-title' }, t('excluded')));
      const columns = [{ label: t('candidate') }, { label: t('status') }, { label: t('note') }];
      const rows = excluded.map((e) => [
        { text: e.displayName, href: subjectLink(e) },
        { text: enumLabel('candStatus_', e.status) },
        { text: e.note || '' },
      ]);
      out.push(
        h('section', { class: 'card wide' }, table(columns, rows, { caption: t('excluded') })),
      );
    }
    return out;
  };

  const gateText = (g, iName) => {
    const gate = g.gate || {};
    const value = g.value === undefined || g.value === null ? t('noValue') : fmtUpTo2(g.value);
    return (
      `${iName(gate.indicatorId)} ${value} ${OPS[gate.comparison] || '?'} ${fmtUpTo2(gate.threshold)}` +
      (gate.description ? ` (${gate.description})` : '')
    );
  };

  const explain = (e, o) => {
    const aspectRows = (e.aspectScores || []).map((a) => [
      { text: o.aName(a.aspectId), value: a.aspectId },
      { text: fmtUpTo2(a.weight), value: num(a.weight) },
      { text: fmtDec(a.score), value: num(a.score) },
      { text: fmtDec(a.weightedContribution), value: num(a.weightedContribution) },
    ]);
    const indRows = (e.indicators || []).map((x) => [
      {
        node: h(
          'span',
          {},
          o.iName(x.indicatorId),
          h('span', { class: 'muted' }, ` ${x.indicatorId}`),
        ),
        value: x.indicatorId,
      },
      { text: o.aName(x.aspectId), value: x.aspectId },
      { text: x.source === 'INDICATOR_SOURCE_JURY' ? t('jury') : t('computed'), value: x.source },
      { text: rawText(x), value: x.rawValue === undefined ? null : num(x.rawValue) },
      {
        text:
          inputsText(x) +
          (num(x.rankPopulation)
            ? ` · ${t('rankPos', { p: num(x.rankPosition), n: num(x.rankPopulation) })}`
            : ''),
        value: inputsText(x),
      },
      { text: fmtDec(x.normalizedScore), value: num(x.normalizedScore) },
      { text: fmtUpTo2(x.effectiveWeight) + '%', value: num(x.effectiveWeight) },
      { text: fmtDec(x.weightedContribution), value: num(x.weightedContribution) },
    ]);
    const gateRows = (e.gateOutcomes || []).map((g) => [
      { text: gateText(g, o.iName) },
      { text: g.passed ? '✓ ' + t('passed') : '✗ ' + t('failed'), value: !!g.passed },
    ]);
    const body = [
      h('h4', {}, t('aspect')),
      table(
        [
          { label: t('aspect') },
          { label: t('weight'), num: true },
          { label: t('aspectScore'), num: true },
          { label: t('points'), num: true },
        ],
        aspectRows,
        { caption: t('aspect'), rowHeader: true },
      ),
      h('h4', {}, t('indicator')),
      table(
        [
          { label: t('indicator') },
          { label: t('aspect') },
          { label: t('sourceCol') },
          { label: t('rawValue'), num: true },
          { label: t('inputs') },
          { label: t('normalized'), num: true },
          { label: t('effWeight'), num: true },
          { label: t('points'), num: true },
        ],
        indRows,
        { caption: t('indicator'), rowHeader: true },
      ),
    ];
    if (gateRows.length) {
      body.push(
        h('h4', {}, t('gates')),
        table([{ label: t('gate') }, { label: t('result') }], gateRows, { caption: t('gates') }),
      );
    }
    if (e.tieBreakValues && e.tieBreakValues.length) {
      body.push(
        h(
          'p',
          { class: 'note' },
          t('tieBreak', { values: e.tieBreakValues.map(fmtUpTo2).join(' · ') }),
        ),
      );
    }
    return h(
      'details',
      { class: 'card explain', 'data-testid': 'award-explain', 'data-subject': e.subject },
      h(
        'summary',
        {},
        t('explainSummary', { rank: e.rank, name: e.displayName, score: fmtDec(e.totalScore) }),
      ),
      body,
    );
  };

  // ---------------------------------------------------------------------------------------
  // Rendering a route.
  // ---------------------------------------------------------------------------------------
  let renderSeq = 0;
  const render = async () => {
    takeTokenFromUrl();
    const seq = ++renderSeq;
    const { path, params } = route();
    const m = main();
    m.dataset.ready = 'false';
    m.dataset.route = path;
    m.setAttribute('aria-busy', 'true');
    clearError();
    // Controls show the pinned (or default) date and year; the award pages have no use for them.
    document.getElementById('date-controls').hidden = path.startsWith('/award');
    const dateInput = document.getElementById('date');
    dateInput.max = todayJakarta();
    dateInput.value = params.get('date') || todayJakarta();
    document.getElementById('year').value = params.get('year') || '';
    document.getElementById('year').placeholder = '';
    let nodes;
    try {
      let r;
      if (path === '/' || path === '/regions') {
        setNav('regions');
        nodes = await renderHome(params);
      } else if ((r = /^\/regions\/(\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)$/.exec(path))) {
        setNav('regions');
        nodes = await renderRegion(r[1], params);
      } else if (path === '/award') {
        setNav('award');
        nodes = await renderAwardList();
      } else if (
        (r = /^\/award\/cycles\/([a-z0-9-]+)(?:\/evaluations\/([1-9][0-9]*))?$/.exec(path))
      ) {
        setNav('award');
        nodes = await renderAwardCycle(r[1], r[2]);
      } else {
        nodes = [h('h1', {}, t('notFound')), h('p', {}, h('a', { href: '#/' }, t('navRegions')))];
      }
    } catch (err) {
      if (seq !== renderSeq) return;
      showError(err);
      nodes = [
        h(
          'p',
          { class: 'muted', 'data-testid': 'page-error' },
          (err && err.message) || String(err),
        ),
      ];
    }
    if (seq !== renderSeq) return; // a newer navigation won
    destroyCharts();
    m.replaceChildren(...nodes.flat(Infinity).filter((n) => n instanceof Node));
    for (const canvas of m.querySelectorAll('canvas')) if (canvas.draw) canvas.draw();
    m.removeAttribute('aria-busy');
    m.dataset.ready = 'true';
  };

  // ---------------------------------------------------------------------------------------
  // Wiring.
  // ---------------------------------------------------------------------------------------
  const start = () => {
    applyStaticText();
    updateSignIn();
    document.getElementById('controls').addEventListener('submit', (e) => {
      e.preventDefault();
      const { path } = route();
      const date = document.getElementById('date').value;
      const year = document.getElementById('year').value;
      const target = link(path, { date: date || null, year: year || null });
      cache.clear();
      if (location.hash === target) render();
      else location.hash = target;
    });
    document
      .getElementById('date')
      .addEventListener('change', () => document.getElementById('controls').requestSubmit());
    document.getElementById('signin-button').addEventListener('click', () => {
      const input = document.getElementById('token');
      const tok = input.value.trim();
      input.value = '';
      if (tok) {
        setToken(tok);
        render();
      }
    });
    document.getElementById('token').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        document.getElementById('signin-button').click();
      }
    });
    document.getElementById('signout-button').addEventListener('click', () => {
      setToken('');
      render();
    });
    for (const b of document.querySelectorAll('[data-lang]')) {
      b.addEventListener('click', () => {
        if (lang === b.dataset.lang) return;
        lang = b.dataset.lang;
        const ls = storage('localStorage');
        if (ls) ls.setItem(LANG_KEY, lang);
        applyStaticText();
        render(); // answers are cached: only the text changes
      });
    }
    window.addEventListener('hashchange', render);
    render();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
