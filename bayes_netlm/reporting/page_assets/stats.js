// Closed forms, quadratures and PSIS for the interactive page: the same formulas as the Python package.
// Normal-Normal conjugate posterior of log HR (modeling/hazard_ratio.py conjugate_posterior);
// Beta-mixture posterior of an interval-censored count (modeling/rates.py beta_mixture_posterior)
// and RD/RR/OR probabilities by Gauss-Legendre quadrature over the reference rate's quantiles
// (modeling/rates.py exact_effects, here with GL_NODES nodes instead of 2000);
// the log-OR rate model's posterior by 2-D quadrature (modeling/rates_logor.py, the same rule
// and constants, step by step); summaries from P(effect <= c) (modeling/rate_effects.py);
// Pareto-smoothed importance weights (arviz_stats psislw, as used by sensitivity/grid.py reweight).
"use strict";
const BNL = (() => {
  const Z95 = 1.959963984540054;
  const GL_NODES = 256;
  const KHAT_MAX = 0.7;
  const ESS_MIN = 400;
  // modeling/rates_logor.py
  const LOGOR = { PRIOR_SDS: 10, SUPPORT_DROP: 30, LOCATE_POINTS: 101, LOCATE_ROUNDS: 4,
    OUTER_PANELS: 16, OUTER_PANEL_NODES: 8, SCAN_POINTS: 129, PANELS: 24, PANEL_NODES: 8,
    GRADING: 0.2, GRADED_LEVELS: 6 };

  // Standard Normal CDF, Hart (1968) as given by West (2005): double precision.
  function normCdf(x) {
    const ax = Math.abs(x);
    let c;
    if (ax > 37) {
      c = 0;
    } else {
      const e = Math.exp(-ax * ax / 2);
      if (ax < 7.07106781186547) {
        let b = 3.52624965998911e-02 * ax + 0.700383064443688;
        b = b * ax + 6.37396220353165; b = b * ax + 33.912866078383;
        b = b * ax + 112.079291497871; b = b * ax + 221.213596169931;
        b = b * ax + 220.206867912376;
        c = e * b;
        b = 8.83883476483184e-02 * ax + 1.75566716318264;
        b = b * ax + 16.064177579207; b = b * ax + 86.7807322029461;
        b = b * ax + 296.564248779674; b = b * ax + 637.333633378831;
        b = b * ax + 793.826512519948; b = b * ax + 440.413735824752;
        c = c / b;
      } else {
        let b = ax + 0.65;
        b = ax + 4 / b; b = ax + 3 / b; b = ax + 2 / b; b = ax + 1 / b;
        c = e / b / 2.506628274631;
      }
    }
    return x > 0 ? 1 - c : c;
  }
  function normLogPdf(x, m, s) {
    const z = (x - m) / s;
    return -0.5 * z * z - Math.log(s) - 0.9189385332046728;
  }

  // Normal-Normal conjugate posterior of log HR; an infinite SE carries no information.
  function conjugate(priorMean, priorSd, estimate, se) {
    const p0 = 1 / (priorSd * priorSd);
    const p1 = Number.isFinite(se) ? 1 / (se * se) : 0;
    const prec = p0 + p1;
    return { mean: (priorMean * p0 + estimate * p1) / prec, sd: 1 / Math.sqrt(prec) };
  }
  // HR summaries of a Normal posterior of log HR (summaries.hr_summary_exact) plus any threshold.
  function hrSummary(post, clinical, threshold, rope) {
    const cdf = (hr) => normCdf((Math.log(hr) - post.mean) / post.sd);
    const [lo, hi] = clinical.hr_equivalence;
    return {
      hr: Math.exp(post.mean),
      hr_lower: Math.exp(post.mean - Z95 * post.sd),
      hr_upper: Math.exp(post.mean + Z95 * post.sd),
      p_below_1: cdf(1),
      p_benefit: cdf(clinical.hr_important),
      p_harm: 1 - cdf(1 / clinical.hr_important),
      p_equivalent: cdf(hi) - cdf(lo),
      p_below_x: cdf(threshold),
      p_rope: cdf(rope[1]) - cdf(rope[0]),
    };
  }
  // A Normal on log HR from "95 % sure HR is between a and b".
  function fromRange(a, b) {
    return { mean: (Math.log(a) + Math.log(b)) / 2, sd: (Math.log(b) - Math.log(a)) / (2 * Z95) };
  }
  // Published numbers -> log HR and SE (modeling/hazard_ratio.py from_ci / from_p_value / from_medians).
  function fromCi(hr, lo, hi) {
    return { estimate: Math.log(hr), se: (Math.log(hi) - Math.log(lo)) / (2 * Z95) };
  }
  function normIsf(p) { // upper-tail quantile by bisection on normCdf (p in (0, 1])
    let lo = -40, hi = 40;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (1 - normCdf(mid) > p) lo = mid; else hi = mid;
      if (hi - lo < 1e-13) break;
    }
    return (lo + hi) / 2;
  }
  function fromP(hr, p) {
    const z = normIsf(p / 2);
    const estimate = Math.log(hr);
    return { estimate, se: z <= 0 ? Infinity : Math.abs(estimate) / z };
  }
  function fromMedians(mIndex, mReference, p) { return fromP(mReference / mIndex, p); }

  // log Gamma (Lanczos, g = 7) and the regularised incomplete Beta (continued fraction).
  const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028,
    771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7];
  function lgamma(x) {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
    x -= 1;
    let a = LANCZOS[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
  function betaln(a, b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }
  function betacf(a, b, x) {
    const TINY = 1e-300;
    let c = 1, d = 1 - (a + b) * x / (a + 1);
    if (Math.abs(d) < TINY) d = TINY;
    d = 1 / d;
    let h = d;
    for (let m = 1; m <= 10000; m++) {
      const m2 = 2 * m;
      let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
      c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d; h *= d * c;
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
      c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d;
      const del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-15) break;
    }
    return h;
  }
  function betainc(a, b, x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const lbt = a * Math.log(x) + b * Math.log1p(-x) - betaln(a, b);
    if (x < (a + 1) / (a + b + 2)) return Math.exp(lbt) * betacf(a, b, x) / a;
    return 1 - Math.exp(lbt) * betacf(b, a, 1 - x) / b;
  }

  // Exact posterior of a rate: Beta(a + k, b + n - k) mixed over the allowed counts k with
  // weights C(n, k) B(a + k, b + n - k) (the Beta-binomial marginal likelihood of each count).
  function betaMixture(a, b, low, high, n) {
    const logw = [], comps = [];
    for (let k = low; k <= high; k++) {
      logw.push(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + betaln(a + k, b + n - k));
      comps.push([a + k, b + n - k]);
    }
    const mx = Math.max(...logw);
    const w = logw.map((v) => Math.exp(v - mx));
    const total = w.reduce((s, v) => s + v, 0);
    return { w: w.map((v) => v / total), comps };
  }
  function mixCdf(mix, x) {
    let s = 0;
    for (let i = 0; i < mix.w.length; i++) s += mix.w[i] * betainc(mix.comps[i][0], mix.comps[i][1], x);
    return s;
  }
  // Brent's method as scipy.optimize.brentq (xtol absolute, rtol = 4 eps): the root of f in
  // [a, b], f(a) and f(b) of opposite signs.
  function brentq(f, a, b, xtol) {
    const rtol = 8.881784197001252e-16;
    let xpre = a, xcur = b, xblk = 0, fblk = 0, spre = 0, scur = 0;
    let fpre = f(xpre), fcur = f(xcur);
    if (fpre === 0) return xpre;
    if (fcur === 0) return xcur;
    if ((fpre > 0) === (fcur > 0)) return NaN;
    for (let i = 0; i < 200; i++) {
      if (fpre !== 0 && fcur !== 0 && (fpre > 0) !== (fcur > 0)) {
        xblk = xpre; fblk = fpre; spre = scur = xcur - xpre;
      }
      if (Math.abs(fblk) < Math.abs(fcur)) {
        xpre = xcur; xcur = xblk; xblk = xpre;
        fpre = fcur; fcur = fblk; fblk = fpre;
      }
      const delta = (xtol + rtol * Math.abs(xcur)) / 2, sbis = (xblk - xcur) / 2;
      if (fcur === 0 || Math.abs(sbis) < delta) return xcur;
      if (Math.abs(spre) > delta && Math.abs(fcur) < Math.abs(fpre)) {
        let stry;
        if (xpre === xblk) {
          stry = -fcur * (xcur - xpre) / (fcur - fpre);
        } else {
          const dpre = (fpre - fcur) / (xpre - xcur), dblk = (fblk - fcur) / (xblk - xcur);
          stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre));
        }
        if (2 * Math.abs(stry) < Math.min(Math.abs(spre), 3 * Math.abs(sbis) - delta)) {
          spre = scur; scur = stry;
        } else { spre = sbis; scur = sbis; }
      } else { spre = sbis; scur = sbis; }
      xpre = xcur; fpre = fcur;
      xcur += Math.abs(scur) > delta ? scur : (sbis > 0 ? delta : -delta);
      fcur = f(xcur);
    }
    return xcur;
  }
  function mixPpf(mix, q, lo = 0) { // quantile: the root of the mixture CDF at q, above lo
    if (q <= 0) return 0;
    return brentq((x) => mixCdf(mix, x) - q, lo, 1, 1e-15);
  }
  const glCache = new Map();
  function gaussLegendre(n) { // nodes and weights on [-1, 1] by Newton iteration, computed once per n
    if (glCache.has(n)) return glCache.get(n);
    const x = new Float64Array(n), w = new Float64Array(n);
    for (let i = 0; i < Math.ceil(n / 2); i++) {
      let z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5)), pp = 0;
      for (let it = 0; it < 100; it++) {
        let p1 = 1, p2 = 0;
        for (let j = 1; j <= n; j++) { const p3 = p2; p2 = p1; p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j; }
        pp = n * (z * p1 - p2) / (z * z - 1);
        const z1 = z; z = z1 - p1 / pp;
        if (Math.abs(z - z1) < 1e-15) break;
      }
      x[i] = -z; x[n - 1 - i] = z;
      w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * pp * pp);
    }
    const rule = { n, x, w };
    glCache.set(n, rule);
    return rule;
  }
  // The index rate at which the effect equals c when the reference rate is x, and the reference
  // rate at which it does when the index rate is y (modeling/rate_effects.py).
  function indexBoundary(effect, c, x) {
    if (effect === "rd") return x + c;
    if (effect === "rr") return c * x;
    return c * x / (1 - x + c * x);
  }
  function referenceBoundary(effect, c, y) {
    if (effect === "rd") return y - c;
    if (effect === "rr") return y / c;
    return y / (y + c * (1 - y));
  }
  // P(effect <= c) = integral over u of F_index(boundary(c, F_ref^-1(u))) du.
  function effectIntegral(index, reference) {
    const gl = gaussLegendre(GL_NODES);
    const q = new Float64Array(GL_NODES);
    let lo = 0;
    for (let j = 0; j < GL_NODES; j++) { q[j] = mixPpf(reference, (gl.x[j] + 1) / 2, lo); lo = q[j]; }
    return (effect, c) => {
      let s = 0;
      for (let j = 0; j < GL_NODES; j++) s += gl.w[j] / 2 * mixCdf(index, indexBoundary(effect, c, q[j]));
      return s;
    };
  }
  // RD, RR, OR summaries from below(effect, c) = P(effect <= c) (modeling/rate_effects.py).
  function effectQuantile(below, effect, p) {
    if (effect === "rd") return brentq((c) => below(effect, c) - p, -1, 1, 1e-10);
    return Math.exp(brentq((u) => below(effect, Math.exp(u)) - p, -40, 40, 1e-10));
  }
  function effectSummary(below, clinical) {
    const out = {};
    for (const effect of ["rd", "rr", "or"]) {
      out[effect] = effectQuantile(below, effect, 0.5);
      out[effect + "_lower"] = effectQuantile(below, effect, 0.025);
      out[effect + "_upper"] = effectQuantile(below, effect, 0.975);
    }
    const imp = clinical.rd_important, eq = clinical.rd_equivalence;
    out.p_rd_above_0 = 1 - below("rd", 0);
    out.p_rd_above_important = 1 - below("rd", imp);
    out.p_rd_below_minus_important = below("rd", -imp);
    out.p_rd_equivalent = below("rd", eq) - below("rd", -eq);
    out.p_rr_below_1 = below("rr", 1);
    return out;
  }
  function rateSummary(index, reference, clinical) {
    return effectSummary(effectIntegral(index, reference), clinical);
  }

  // ----- log-OR prior: u = logit p_reference ~ N(m0, s0), w = log OR ~ N(mu, sigma), interval-
  // censored counts; the posterior by the 2-D quadrature of modeling/rates_logor.py.
  const expit = (x) => 1 / (1 + Math.exp(-x));
  const logit = (p) => Math.log(p / (1 - p));
  function intervalCount(low, high, n) { // log P(low <= K <= high | logit p = v)
    const ks = [], lc = [];
    for (let k = low; k <= high; k++) { ks.push(k); lc.push(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)); }
    const m = ks.length, mid = ((low + high) / 2 + 0.5) / (n + 1);
    const loglik = (v) => {
      const softplus = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
      if (m === 1) return lc[0] + ks[0] * v - n * softplus;
      let top = -Infinity;
      for (let i = 0; i < m; i++) { const t = lc[i] + ks[i] * v; if (t > top) top = t; }
      let sum = 0;
      for (let i = 0; i < m; i++) sum += Math.exp(lc[i] + ks[i] * v - top);
      return top + Math.log(sum) - n * softplus;
    };
    return { loglik, information: n * mid * (1 - mid),
      logitRange: [logit((low + 0.5) / (n + 1)), logit((high + 0.5) / (n + 1))] };
  }
  function linspace(a, b, n) {
    const out = new Float64Array(n), step = (b - a) / (n - 1);
    for (let i = 0; i < n; i++) out[i] = i * step + a;
    out[n - 1] = b;
    return out;
  }
  function within(flags, grid) { // the grid's span of the true flags, one step added each side
    let first = -1, last = -1;
    for (let i = 0; i < flags.length; i++) if (flags[i]) { if (first < 0) first = i; last = i; }
    return [grid[Math.max(first - 1, 0)], grid[Math.min(last + 1, grid.length - 1)]];
  }
  function gaussOn(edges, n) { // n-point Gauss-Legendre on each interval between edges
    const gl = gaussLegendre(n), k = edges.length - 1;
    const x = new Float64Array(k * n), w = new Float64Array(k * n);
    for (let i = 0; i < k; i++) {
      const half = (edges[i + 1] - edges[i]) / 2;
      for (let j = 0; j < n; j++) { x[i * n + j] = edges[i] + half * (gl.x[j] + 1); w[i * n + j] = half * gl.w[j]; }
    }
    return { x, w };
  }
  function interp(x, xp, fp) { // numpy.interp: linear, clamped at the ends
    if (x <= xp[0]) return fp[0];
    const last = xp.length - 1;
    if (x >= xp[last]) return fp[last];
    let lo = 0, hi = last;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (xp[mid] <= x) lo = mid; else hi = mid; }
    return (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]) * (x - xp[lo]) + fp[lo];
  }
  function logorPosterior(prior, baseline, index, reference) {
    // prior, baseline: [mean, sd]; index, reference: [low, high, n]
    const K = LOGOR, [mu, sigma] = prior, [m0, s0] = baseline;
    const idx = intervalCount(...index), ref = intervalCount(...reference);
    const outerIndex = 1 / (s0 * s0 + sigma * sigma) + idx.information > 1 / (s0 * s0) + ref.information;
    const outerPart = outerIndex ? (s) => idx.loglik(s)
      : (s) => normLogPdf(s, m0, s0) + ref.loglik(s);
    const innerPart = outerIndex
      ? (s, w) => normLogPdf(w, mu, sigma) + normLogPdf(s - w, m0, s0) + ref.loglik(s - w)
      : (s, w) => normLogPdf(w, mu, sigma) + idx.loglik(s + w);
    // support
    const [rLo, rHi] = ref.logitRange, [iLo, iHi] = idx.logitRange;
    const [centre, spread, dLo, dHi] = outerIndex ? [m0 + mu, Math.hypot(s0, sigma), iLo, iHi] : [m0, s0, rLo, rHi];
    let sLo = Math.min(centre - K.PRIOR_SDS * spread, dLo - 1), sHi = Math.max(centre + K.PRIOR_SDS * spread, dHi + 1);
    let wLo = Math.min(mu - K.PRIOR_SDS * sigma, iLo - rHi - 1), wHi = Math.max(mu + K.PRIOR_SDS * sigma, iHi - rLo + 1);
    const P = K.LOCATE_POINTS, f = new Float64Array(P * P);
    for (let round = 0; round < K.LOCATE_ROUNDS; round++) {
      const sg = linspace(sLo, sHi, P), wg = linspace(wLo, wHi, P);
      let top = -Infinity;
      for (let i = 0; i < P; i++) {
        const o = outerPart(sg[i]);
        for (let j = 0; j < P; j++) { const v = o + innerPart(sg[i], wg[j]); f[i * P + j] = v; if (v > top) top = v; }
      }
      const rows = new Uint8Array(P), cols = new Uint8Array(P);
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) if (f[i * P + j] >= top - K.SUPPORT_DROP) { rows[i] = 1; cols[j] = 1; }
      [sLo, sHi] = within(rows, sg);
      [wLo, wHi] = within(cols, wg);
    }
    // outer rule, inner windows
    const edges = linspace(sLo, sHi, K.OUTER_PANELS + 1);
    const outer = gaussOn(edges, K.OUTER_PANEL_NODES), N = outer.x.length;
    const scan = linspace(wLo, wHi, K.SCAN_POINTS);
    const winLo = new Float64Array(N), winHi = new Float64Array(N), outerLog = new Float64Array(N);
    const cond = new Float64Array(K.SCAN_POINTS), flags = new Uint8Array(K.SCAN_POINTS);
    for (let i = 0; i < N; i++) {
      let top = -Infinity;
      for (let j = 0; j < K.SCAN_POINTS; j++) { cond[j] = innerPart(outer.x[i], scan[j]); if (cond[j] > top) top = cond[j]; }
      for (let j = 0; j < K.SCAN_POINTS; j++) flags[j] = cond[j] >= top - K.SUPPORT_DROP ? 1 : 0;
      [winLo[i], winHi[i]] = within(flags, scan);
      outerLog[i] = outerPart(outer.x[i]);
    }
    // inner rule: masses of each node's panels, normalised, summed cumulatively
    const PN = K.PANEL_NODES, gl = gaussLegendre(PN);
    const logMass = new Float64Array(N * K.PANELS * PN);
    let top = -Infinity;
    for (let i = 0; i < N; i++) {
      const width = winHi[i] - winLo[i];
      for (let p = 0; p < K.PANELS; p++) {
        const left = winLo[i] + width * p / K.PANELS, half = (winLo[i] + width * (p + 1) / K.PANELS - left) / 2;
        for (let q = 0; q < PN; q++) {
          const v = Math.log(outer.w[i] * (half * gl.w[q])) + outerLog[i] + innerPart(outer.x[i], left + half * (gl.x[q] + 1));
          logMass[(i * K.PANELS + p) * PN + q] = v;
          if (v > top) top = v;
        }
      }
    }
    let total = 0;
    for (const v of logMass) total += Math.exp(v - top);
    const logNorm = top + Math.log(total);
    const cumulative = new Float64Array(N * (K.PANELS + 1));
    for (let i = 0; i < N; i++) {
      let acc = 0;
      for (let p = 0; p < K.PANELS; p++) {
        for (let q = 0; q < PN; q++) acc += Math.exp(logMass[(i * K.PANELS + p) * PN + q] - logNorm);
        cumulative[i * (K.PANELS + 1) + p + 1] = acc;
      }
    }
    function limit(effect, c, s) { // upper limit in w of {effect <= c} at the outer logit s
      if (effect === "or") return c > 0 ? Math.log(c) : -Infinity;
      if (outerIndex) {
        const x = referenceBoundary(effect, c, expit(s));
        return x >= 1 ? -Infinity : x <= 0 ? Infinity : s - logit(Math.min(Math.max(x, 1e-300), 1 - 1e-16));
      }
      const x = indexBoundary(effect, c, expit(s));
      return x >= 1 ? Infinity : x <= 0 ? -Infinity : logit(Math.min(Math.max(x, 1e-300), 1 - 1e-16)) - s;
    }
    function kink(effect, c) { // outer logit where the boundary rate leaves (0, 1), or null
      if (effect === "or") return null;
      const rates = outerIndex ? (effect === "rd" ? [c, 1 + c] : [0, c]) : (effect === "rd" ? [-c, 1 - c] : [0, 1 / c]);
      for (const r of rates) if (r > 0 && r < 1) return logit(r);
      return null;
    }
    function innerBelow(s, lo, up) { // mass at s with w in [lo, up], PANELS x PANEL_NODES rule
      if (!(up > lo)) return 0;
      let m = 0;
      const width = up - lo, o = outerPart(s) - logNorm;
      for (let p = 0; p < K.PANELS; p++) {
        const left = lo + width * p / K.PANELS, half = (lo + width * (p + 1) / K.PANELS - left) / 2;
        for (let q = 0; q < PN; q++) m += half * gl.w[q] * Math.exp(o + innerPart(s, left + half * (gl.x[q] + 1)));
      }
      return m;
    }
    function onRule(i, lim) { // node i's mass with w <= lim: whole panels from the table, then the rest
      const lo = winLo[i], hi = winHi[i], width = (hi - lo) / K.PANELS;
      const upper = Math.min(Math.max(lim, lo), hi);
      const full = Math.min(Math.floor((upper - lo) / width), K.PANELS);
      const start = lo + full * width, half = (Math.max(upper, start) - start) / 2;
      let m = cumulative[i * (K.PANELS + 1) + full];
      if (half > 0) {
        const s = outer.x[i], o = outerLog[i] - logNorm;
        for (let q = 0; q < PN; q++) m += outer.w[i] * half * gl.w[q] * Math.exp(o + innerPart(s, start + half * (gl.x[q] + 1)));
      }
      return m;
    }
    function below(effect, c) {
      const at = kink(effect, c);
      let first = N, last = -1; // outer panels replaced by the graded rule
      if (at !== null && at > edges[0] && at < edges[edges.length - 1]) {
        let panel = 0;
        while (panel + 1 < edges.length && edges[panel + 1] <= at) panel++;
        panel = Math.min(panel, K.OUTER_PANELS - 1);
        first = Math.max(panel - 1, 0); last = Math.min(panel + 1, K.OUTER_PANELS - 1);
      }
      let sum = 0;
      for (let i = 0; i < N; i++) {
        const panel = Math.floor(i / K.OUTER_PANEL_NODES);
        if (panel < first || panel > last) sum += onRule(i, limit(effect, c, outer.x[i]));
      }
      if (last < 0) return sum;
      const lo = edges[first], hi = edges[last + 1], graded = [];
      for (let k = 0; k <= K.GRADED_LEVELS; k++) graded.push(at + (lo - at) * K.GRADING ** k);
      graded.push(at);
      for (let k = K.GRADED_LEVELS; k >= 0; k--) graded.push(at + (hi - at) * K.GRADING ** k);
      const rule = gaussOn(graded, K.OUTER_PANEL_NODES);
      for (let i = 0; i < rule.x.length; i++) {
        const s = rule.x[i], wl = interp(s, outer.x, winLo), wh = interp(s, outer.x, winHi);
        const up = Math.min(Math.max(limit(effect, c, s), wl), wh);
        sum += rule.w[i] * innerBelow(s, wl, up);
      }
      return sum;
    }
    return { below, outerIndex, nodes: N };
  }
  function logorSummary(prior, baseline, index, reference, clinical) {
    return effectSummary(logorPosterior(prior, baseline, index, reference).below, clinical);
  }
  // Interval of counts a rounded percentage allows: (v - h) <= 100 k / n <= (v + h).
  function percentRange(text, n) {
    const m = /^\s*(\d+)(?:\.(\d+))?\s*%?\s*$/.exec(text);
    if (!m) return null;
    if (!text.includes("%")) { const k = Number(m[1]); return [k, k]; }
    const d = (m[2] || "").length, scale = 10 ** d;
    const v = Number(m[1]) * scale + (m[2] ? Number(m[2]) : 0);
    const lo = Math.ceil((2 * v - 1) * n / (200 * scale));
    const hi = Math.floor((2 * v + 1) * n / (200 * scale));
    return [Math.max(0, lo), Math.min(n, hi)];
  }

  // PSIS (arviz_stats psislw with r_eff = 1): right tail of the log weights, Pareto smoothed.
  function gpdfit(x) { // sorted exceedances; Zhang-Stephens with the weak prior on k (Vehtari 2024)
    const n = x.length, m = 30 + Math.floor(Math.sqrt(n));
    const xstar = x[Math.floor(n / 4 + 0.5) - 1];
    if (xstar <= x[0]) return [NaN, NaN];
    const bs = new Float64Array(m), ls = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      bs[i] = (1 - Math.sqrt(m / (i + 1 - 0.5))) / (3 * xstar) + 1 / x[n - 1];
      let k = 0;
      for (let j = 0; j < n; j++) k += Math.log1p(-bs[i] * x[j]);
      k /= n;
      ls[i] = n * (Math.log(-bs[i] / k) - k - 1);
    }
    const mx = Math.max(...ls);
    let tot = 0;
    const wt = Array.from(ls, (v) => Math.exp(v - mx));
    for (const v of wt) tot += v;
    let b = 0, wsum = 0;
    for (let i = 0; i < m; i++) {
      const w = wt[i] / tot;
      if (w >= 10 * 2.220446049250313e-16) { b += bs[i] * w; wsum += w; }
    }
    b /= wsum;
    let k = 0;
    for (let j = 0; j < n; j++) k += Math.log1p(-b * x[j]);
    k /= n;
    const sigma = -k / b;
    k = (n * k + 10 * 0.5) / (n + 10);
    return Number.isNaN(k) ? [Infinity, NaN] : [k, sigma];
  }
  function psis(logRatio) { // -> {logw (normalised), khat}
    const n = logRatio.length;
    const tail = n > 225 ? Math.floor(3 * Math.sqrt(n)) : Math.floor(n / 5);
    let mx = -Infinity;
    for (const v of logRatio) if (v > mx) mx = v;
    const lw = Float64Array.from(logRatio, (v) => v - mx);
    // the tail: the `tail` largest log weights in ascending order (ties by index, as a stable sort
    // of all of them would give), found by a numeric sort of the values and one pass
    const cutoffLog = Float64Array.from(lw).sort()[n - tail - 1];
    const above = [], equal = [];
    for (let i = 0; i < n; i++) { if (lw[i] > cutoffLog) above.push(i); else if (lw[i] === cutoffLog) equal.push(i); }
    const tailIds = above.concat(equal.slice(equal.length - (tail - above.length)))
      .sort((i, j) => lw[i] - lw[j] || i - j);
    const maxTail = lw[tailIds[tail - 1]];
    const cutoff = Math.exp(cutoffLog);
    const exceed = tailIds.map((i) => Math.exp(lw[i]) - cutoff);
    const [k, sigma] = gpdfit(exceed);
    if (Number.isFinite(k) && sigma > 0) {
      for (let j = 0; j < tail; j++) {
        const p = (j + 0.5) / tail;
        const q = k === 0 ? cutoff - sigma * Math.log1p(-p)
          : cutoff + sigma * Math.expm1(-k * Math.log1p(-p)) / k;
        const s = Math.log(q);
        lw[tailIds[j]] = s > maxTail ? maxTail : s;
      }
    }
    let m2 = -Infinity;
    for (const v of lw) if (v > m2) m2 = v;
    let tot = 0;
    for (const v of lw) tot += Math.exp(v - m2);
    const lse = m2 + Math.log(tot);
    for (let i = 0; i < n; i++) lw[i] -= lse;
    return { logw: lw, khat: k };
  }
  // Weights for draws made under N(m0, s0) reweighted to N(m1, s1) (sensitivity/grid.py reweight).
  function reweight(draws, m0, s0, m1, s1) {
    const n = draws.length;
    const lr = Float64Array.from(draws, (d) => normLogPdf(d, m1, s1) - normLogPdf(d, m0, s0));
    let lo = Infinity, hi = -Infinity;
    for (const v of lr) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (hi - lo < 1e-12) return { w: new Float64Array(n).fill(1 / n), khat: -Infinity, ess: n };
    const r = psis(lr);
    const w = Float64Array.from(r.logw, Math.exp);
    let tot = 0, sq = 0;
    for (const v of w) tot += v;
    for (let i = 0; i < n; i++) { w[i] /= tot; sq += w[i] * w[i]; }
    return { w, khat: r.khat, ess: 1 / sq };
  }
  function reliable(rw) { return rw.khat <= KHAT_MAX && rw.ess >= ESS_MIN; }
  function weightedBelow(draws, w, x) {
    let s = 0;
    for (let i = 0; i < draws.length; i++) if (draws[i] < x) s += w[i];
    return s;
  }
  const orders = new WeakMap(); // draws -> their sort order, computed once
  function weightedQuantile(draws, w, q) {
    if (!orders.has(draws)) orders.set(draws, Array.from(draws.keys()).sort((i, j) => draws[i] - draws[j]));
    const order = orders.get(draws);
    let s = 0;
    for (const i of order) { s += w[i]; if (s >= q) return draws[i]; }
    return draws[order[order.length - 1]];
  }
  function drawSummary(draws, w, clinical, threshold, rope) {
    const below = (hr) => weightedBelow(draws, w, Math.log(hr));
    const [lo, hi] = clinical.hr_equivalence;
    return {
      hr: Math.exp(weightedQuantile(draws, w, 0.5)),
      hr_lower: Math.exp(weightedQuantile(draws, w, 0.025)),
      hr_upper: Math.exp(weightedQuantile(draws, w, 0.975)),
      p_below_1: below(1),
      p_benefit: below(clinical.hr_important),
      p_harm: 1 - below(1 / clinical.hr_important),
      p_equivalent: below(hi) - below(lo),
      p_below_x: below(threshold),
      p_rope: below(rope[1]) - below(rope[0]),
    };
  }
  return { Z95, KHAT_MAX, ESS_MIN, normCdf, conjugate, hrSummary, fromRange, fromCi, fromP,
    fromMedians, betainc, betaMixture, mixCdf, rateSummary, logorPosterior, logorSummary,
    percentRange, psis, reweight, reliable, weightedBelow, drawSummary };
})();
