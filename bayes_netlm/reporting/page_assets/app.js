// The interactive page: one card per analysis, each with its prior control; every number is
// recomputed in the page (stats.js) when a control moves. Data: <script id="page-data">.
// At load only the closed-form hazard-ratio numbers are computed before the page is interactive;
// the rest (PSIS of the Weibull draws, rate posteriors, heat maps) runs in idle time, a card
// first when it scrolls into view (Scheduler below).
"use strict";
(() => {
  const DATA = JSON.parse(document.getElementById("page-data").textContent);
  const C = DATA.clinical;
  const G = { x: 1, rope: C.hr_equivalence.slice(), level: 0.95 };
  const cards = [];
  const el = (tag, attrs = {}, html = "") => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.innerHTML = html;
    return e;
  };
  const num = (v) => Number(String(v).trim());
  const fx = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : "—");
  const LOG_HR_VIEW = { m: [Math.log(0.25), Math.log(4)], s: [0.05, 5] };

  const HR_ROWS = [["hr", "HR, posterior median (95 % CrI)"], ["p_below_1", "P(HR < 1)"],
    ["p_benefit", `P(HR < ${C.hr_important}): important benefit`],
    ["p_harm", `P(HR > ${(1 / C.hr_important).toPrecision(3)}): important harm`],
    ["p_equivalent", `P(${C.hr_equivalence[0]} < HR < ${C.hr_equivalence[1]}): equivalent`],
    ["p_below_x", "P(HR < x)"], ["p_rope", "P(ROPE low < HR < ROPE high)"]];
  const RATE_ROWS = [["rd", "RD (95 % CrI)"], ["rr", "RR (95 % CrI)"], ["or", "OR (95 % CrI)"],
    ["p_rd_above_0", "P(RD > 0)"], ["p_rd_above_important", `P(RD > ${C.rd_important})`],
    ["p_rd_below_minus_important", `P(RD < −${C.rd_important})`],
    ["p_rd_equivalent", `P(|RD| < ${C.rd_equivalence})`], ["p_rr_below_1", "P(RR < 1)"]];

  // ----- scheduling: numbers and maps not needed at once are computed when the browser is idle;
  // a card that scrolls into view is computed first. Tasks are keyed by card and kind, so a
  // card queued twice is computed once.
  const Scheduler = (() => {
    const queue = new Map(); // key -> {card, kind}
    const visible = new Set();
    let pending = false;
    const idle = window.requestIdleCallback ? (f) => window.requestIdleCallback(f, { timeout: 200 })
      : (f) => setTimeout(() => f({ timeRemaining: () => 8, didTimeout: false }), 1);
    let busy = 0; // ms spent in deferred tasks, for the benchmark
    function run(task) {
      const t0 = performance.now();
      if (task.kind === "numbers") { task.card.update(); task.card.el.dataset.computed = "1"; } else task.card.drawMap();
      busy += performance.now() - t0;
      document.body.dataset.deferredMs = String(busy);
    }
    function take() {
      for (const [key, task] of queue) if (visible.has(task.card.el)) { queue.delete(key); return task; }
      const [key, task] = queue.entries().next().value;
      queue.delete(key);
      return task;
    }
    function pump(deadline) {
      pending = false;
      while (queue.size && (deadline.timeRemaining() > 1 || deadline.didTimeout)) run(take());
      if (queue.size) { pending = true; idle(pump); return; }
      if (!document.body.dataset.completeMs) document.body.dataset.completeMs = String(performance.now());
      document.body.dataset.complete = "1";
    }
    const observer = window.IntersectionObserver ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) { visible.delete(e.target); continue; }
        visible.add(e.target);
        for (const [key, task] of queue) if (task.card.el === e.target && task.kind === "numbers") { queue.delete(key); run(task); }
      }
    }, { rootMargin: "200px" }) : null;
    return {
      observe: (card) => { if (observer) observer.observe(card.el); },
      later(card, kind) {
        queue.set(`${cards.indexOf(card)}|${kind}`, { card, kind });
        document.body.dataset.complete = "0";
        if (!pending) { pending = true; idle(pump); }
      },
    };
  })();
  function addCard(card) { cards.push(card); Scheduler.observe(card); return card; }

  function table(rows) {
    return "<table><tbody>" + rows.map(([q, label]) =>
      `<tr><td>${label}</td><td><output data-q="${q}">…</output></td></tr>`).join("") +
      "</tbody></table>";
  }
  function show(card, values, effects, decimals) {
    for (const [q, v] of Object.entries(values)) {
      const out = card.querySelector(`output[data-q="${q}"]`);
      if (!out) continue;
      if (effects.includes(q)) {
        const d = decimals(q);
        out.textContent = `${fx(v, d)} (${fx(values[q + "_lower"], d)} to ${fx(values[q + "_upper"], d)})`;
      } else {
        out.textContent = fx(v, 3);
      }
      out.dataset.value = String(v);
    }
  }

  // ----- prior control on log HR: a set, a Normal (mean, SD), or an elicited 95 % range
  function hrPriorControl(card, initial) {
    const sets = DATA.prior_sets.filter((s) => s.log_hr);
    const box = el("div", { class: "prior" },
      `<label>Prior <select class="prior-set">${sets.map((s) =>
        `<option value="${s.name}">${s.name}</option>`).join("")}<option value="custom">custom</option></select></label>
      <label>mean log HR <input class="prior-mean" size="6"></label>
      <label>SD <input class="prior-sd" size="6"></label>
      <span class="elicit">or 95 % sure HR is between <input class="range-lo" size="5"> and
      <input class="range-hi" size="5"></span>`);
    card.append(box);
    const sel = box.querySelector(".prior-set"), mean = box.querySelector(".prior-mean");
    const sd = box.querySelector(".prior-sd"), lo = box.querySelector(".range-lo");
    const hi = box.querySelector(".range-hi");
    const fillRange = () => {
      lo.value = Math.exp(num(mean.value) - BNL.Z95 * num(sd.value)).toPrecision(3);
      hi.value = Math.exp(num(mean.value) + BNL.Z95 * num(sd.value)).toPrecision(3);
    };
    const setTo = (name) => {
      const s = sets.find((p) => p.name === name);
      if (!s) return;
      sel.value = name; mean.value = String(s.log_hr[0]); sd.value = String(s.log_hr[1]); fillRange();
    };
    setTo(initial);
    const control = { get: () => [num(mean.value), num(sd.value)], onchange: () => {} };
    sel.addEventListener("change", () => { setTo(sel.value); control.onchange(); });
    for (const i of [mean, sd]) i.addEventListener("input", () => { sel.value = "custom"; fillRange(); control.onchange(); });
    for (const i of [lo, hi]) i.addEventListener("input", () => {
      const a = num(lo.value), b = num(hi.value);
      if (!(a > 0 && b > a)) return;
      const p = BNL.fromRange(a, b);
      sel.value = "custom"; mean.value = p.mean.toPrecision(6); sd.value = p.sd.toPrecision(6);
      control.onchange();
    });
    return control;
  }

  function contourExact(prob) { // SD where P = level, per prior mean, by bisection on log SD
    const pts = [];
    for (let i = 0; i <= 60; i++) {
      const m = LOG_HR_VIEW.m[0] + i / 60 * (LOG_HR_VIEW.m[1] - LOG_HR_VIEW.m[0]);
      let a = Math.log(LOG_HR_VIEW.s[0]), b = Math.log(LOG_HR_VIEW.s[1]);
      const g = (ls) => prob(m, Math.exp(ls)) - G.level;
      if (g(a) * g(b) >= 0) continue;
      for (let k = 0; k < 40; k++) { const c = (a + b) / 2; if (g(a) * g(c) <= 0) b = c; else a = c; }
      pts.push([m, Math.exp((a + b) / 2)]);
    }
    return pts;
  }

  function hrCard(parent, a, id) { // summary-level HR: Normal-Normal, exact
    const card = el("div", { class: "card", id }, `<h4>${a.label}</h4>
      <p class="data-line"></p>`);
    parent.append(card);
    const control = hrPriorControl(card, a.prior || DATA.reference_prior);
    card.insertAdjacentHTML("beforeend", table(HR_ROWS) +
      '<div class="map"><canvas></canvas><div class="readout">hover the map for P(HR &lt; x) under that prior</div></div>');
    const canvas = card.querySelector("canvas"), readout = card.querySelector(".readout");
    const prob = (m, s) => {
      const post = BNL.conjugate(m, s, a.estimate, a.se);
      return BNL.normCdf((Math.log(G.x) - post.mean) / post.sd);
    };
    let spec = null;
    Heatmap.attach(canvas, readout, () => spec);
    const update = () => {
      card.querySelector(".data-line").textContent =
        `log HR ${fx(a.estimate, 3)}, SE ${fx(a.se, 3)}${a.derivation ? "; " + a.derivation : ""}`;
      const [m, s] = control.get();
      if (!(s > 0) || !Number.isFinite(m) || !Number.isFinite(a.estimate)) return;
      show(card, BNL.hrSummary(BNL.conjugate(m, s, a.estimate, a.se), C, G.x, G.rope), ["hr"], () => 2);
    };
    const drawMap = () => {
      if (!Number.isFinite(a.estimate)) return;
      const nm = 40, ns = 30, cells = [];
      for (let i = 0; i < nm; i++) for (let j = 0; j < ns; j++) {
        const m = LOG_HR_VIEW.m[0] + (i + 0.5) / nm * (LOG_HR_VIEW.m[1] - LOG_HR_VIEW.m[0]);
        const s = Math.exp(Math.log(LOG_HR_VIEW.s[0]) + (j + 0.5) / ns * Math.log(LOG_HR_VIEW.s[1] / LOG_HR_VIEW.s[0]));
        cells.push({ m, s, p: prob(m, s) });
      }
      spec = { view: LOG_HR_VIEW, cells, nm, ns, contour: contourExact(prob), current: control.get(),
        readout: (m, s) => `prior median HR ${Math.exp(m).toFixed(2)}, SD ${s.toFixed(2)}: ` +
          `P(HR < ${G.x}) = ${prob(m, s).toFixed(3)}` };
      Heatmap.draw(canvas, spec);
    };
    const entry = addCard({ el: card, update, drawMap, global: true, eager: true, set: (o) => Object.assign(a, o) });
    control.onchange = () => { update(); drawMap(); };
    return entry;
  }

  function weibullCard(parent, a) { // patient-level Weibull: PSIS reweighting of embedded draws
    const card = el("div", { class: "card", id: `card-weibull-${a.name}` }, `<h4>${a.label}
      (Weibull, ${a.hr_name})</h4><p>${a.draws.length} posterior draws under the ${a.prior_name}
      prior, reweighted to the prior chosen here (PSIS).</p>`);
    parent.append(card);
    const control = hrPriorControl(card, a.prior_name);
    card.insertAdjacentHTML("beforeend", table([...HR_ROWS, ["khat", "Pareto k-hat"], ["ess", "ESS of the weights"]]) +
      '<p class="psis-status"></p><div class="map"><canvas></canvas><div class="readout">hover a cell</div></div>');
    const draws = Float64Array.from(a.draws);
    const weights = new Map(); // "mean|sd" -> PSIS weights: each prior reweighted once
    const rw = (m, s) => {
      const key = `${m}|${s}`;
      if (!weights.has(key)) weights.set(key, BNL.reweight(draws, a.prior[0], a.prior[1], m, s));
      return weights.get(key);
    };
    const update = () => {
      const [m, s] = control.get();
      if (!(s > 0) || !Number.isFinite(m)) return;
      const r = rw(m, s);
      const v = BNL.drawSummary(draws, r.w, C, G.x, G.rope);
      show(card, v, ["hr"], () => 2);
      const k = card.querySelector('output[data-q="khat"]'), e = card.querySelector('output[data-q="ess"]');
      k.textContent = Number.isFinite(r.khat) ? r.khat.toFixed(2) : String(r.khat); k.dataset.value = String(r.khat);
      e.textContent = r.ess.toFixed(0); e.dataset.value = String(r.ess);
      const st = card.querySelector(".psis-status");
      const ok = BNL.reliable(r);
      st.className = "psis-status " + (ok ? "note" : "warning");
      st.textContent = ok ? "Reweighting reliable (k-hat ≤ 0.7, ESS ≥ 400)."
        : "REFIT NEEDED: k-hat > 0.7 or fewer than 400 effective draws; the numbers above are not reliable for this prior. Refit with bayes-netlm survival or the run's sensitivity grid.";
      card.dataset.reliable = String(ok);
    };
    const canvas = card.querySelector("canvas"), readout = card.querySelector(".readout");
    let spec = null;
    Heatmap.attach(canvas, readout, () => spec);
    const drawMap = () => {
      const ms = DATA.grid.means, ss = DATA.grid.sds;
      if (!ms.length) return;
      const lx = Math.log(G.x), cells = [];
      for (const m of ms) for (const s of ss) {
        const r = rw(m, s);
        cells.push({ m, s, p: BNL.weightedBelow(draws, r.w, lx), khat: r.khat, ok: BNL.reliable(r) });
      }
      const contour = [];
      for (const m of ms) { // interpolate P = level between neighbouring SDs (on log SD)
        const col = cells.filter((c) => c.m === m);
        for (let j = 0; j + 1 < col.length; j++) {
          const p0 = col[j].p - G.level, p1 = col[j + 1].p - G.level;
          if (p0 * p1 < 0) {
            const t = p0 / (p0 - p1);
            contour.push([m, Math.exp(Math.log(col[j].s) + t * Math.log(col[j + 1].s / col[j].s))]);
            break;
          }
        }
      }
      const half = (v) => (v.length > 1 ? (v[1] - v[0]) / 2 : 0.5);
      const view = { m: [ms[0] - half(ms), ms[ms.length - 1] + half(ms)],
        s: [ss[0] / Math.sqrt(ss[1] / ss[0] || 2), ss[ss.length - 1] * Math.sqrt(ss[ss.length - 1] / ss[ss.length - 2] || 2)] };
      spec = { view, cells, nm: ms.length, ns: ss.length, contour, current: control.get(),
        readout: (m, s) => {
          let best = cells[0], d = Infinity;
          for (const c of cells) {
            const dd = Math.abs(c.m - m) + Math.abs(Math.log(c.s / s));
            if (dd < d) { d = dd; best = c; }
          }
          return `prior median HR ${Math.exp(best.m).toFixed(2)}, SD ${best.s}: P(HR < ${G.x}) = ` +
            `${best.p.toFixed(3)}, k-hat ${Number(best.khat).toFixed(2)}${best.ok ? "" : " (refit needed)"}`;
        } };
      Heatmap.draw(canvas, spec);
    };
    const entry = addCard({ el: card, update, drawMap, global: true, eager: false });
    control.onchange = () => { update(); Scheduler.later(entry, "map"); };
  }

  // ----- rates: a Beta prior on each rate (exact Beta mixture) or a Normal prior on log OR
  // (2-D quadrature), as the run's tables
  function rateCard(parent, a, id) {
    const card = el("div", { class: "card", id }, `<h4>${a.label}</h4><p class="data-line"></p>`);
    parent.append(card);
    const priors = a.priors || {}, names = Object.keys(priors), [m0, s0] = DATA.baseline;
    const box = el("div", { class: "prior" }, `<label>Prior <select class="prior-set">${names.map((n) =>
      `<option value="${n}">${n}: ${priors[n].text}</option>`).join("")}<option value="custom">custom Beta</option>
      <option value="custom-logor">custom log-OR</option></select></label>
      <span class="beta-inputs"><label>Beta a <input class="beta-a" size="6"></label><label>b <input class="beta-b" size="6"></label></span>
      <span class="logor-inputs"><label>mean log OR <input class="logor-mean" size="6"></label>
      <label>SD <input class="logor-sd" size="6"></label> or 95 % sure OR is between
      <input class="or-lo" size="5"> and <input class="or-hi" size="5"></span>
      <p class="method-line"></p>`);
    card.append(box);
    card.insertAdjacentHTML("beforeend", table(RATE_ROWS));
    const q = (c) => box.querySelector("." + c);
    const sel = q("prior-set"), method = q("method-line");
    let kind = "beta";
    const fillOrRange = () => {
      q("or-lo").value = Math.exp(num(q("logor-mean").value) - BNL.Z95 * num(q("logor-sd").value)).toPrecision(3);
      q("or-hi").value = Math.exp(num(q("logor-mean").value) + BNL.Z95 * num(q("logor-sd").value)).toPrecision(3);
    };
    const setKind = (k) => {
      kind = k;
      q("beta-inputs").hidden = k !== "beta";
      q("logor-inputs").hidden = k !== "logor";
      method.textContent = k === "beta"
        ? "Beta(a, b) on each rate: the exact posterior, a mixture of Betas over the counts the rounding allows."
        : `Normal prior on log OR, logit of the reference rate ~ N(${m0}, ${s0}): the posterior by 2-D quadrature (the run's headline for log-OR priors).`;
    };
    const setTo = (n) => {
      const p = priors[n];
      if (!p) return;
      if (p.kind === "beta") { q("beta-a").value = String(p.a); q("beta-b").value = String(p.b); }
      if (p.kind === "logor") { q("logor-mean").value = String(p.mean); q("logor-sd").value = String(p.sd); fillOrRange(); }
      setKind(p.kind);
    };
    q("beta-a").value = "1"; q("beta-b").value = "1"; q("logor-mean").value = "0"; q("logor-sd").value = "1"; fillOrRange();
    if (names.length) { sel.value = names.includes(a.prior) ? a.prior : names[0]; setTo(sel.value); } else { sel.value = "custom"; setKind("beta"); }
    const update = () => {
      const [il, ih, n1] = a.index, [rl, rh, n0] = a.reference;
      card.querySelector(".data-line").textContent =
        `counts ${il === ih ? il : il + "–" + ih} of ${n1} vs ${rl === rh ? rl : rl + "–" + rh} of ${n0}`;
      if (!(n1 > 0 && n0 > 0) || !(il <= ih && rl <= rh)) return;
      let v = null;
      if (kind === "beta") {
        const ai = num(q("beta-a").value), bi = num(q("beta-b").value);
        if (ai > 0 && bi > 0) v = BNL.rateSummary(BNL.betaMixture(ai, bi, il, ih, n1), BNL.betaMixture(ai, bi, rl, rh, n0), C);
      } else {
        const m = num(q("logor-mean").value), s = num(q("logor-sd").value);
        if (Number.isFinite(m) && s > 0) v = BNL.logorSummary([m, s], DATA.baseline, a.index, a.reference, C);
      }
      if (v) show(card, v, ["rd", "rr", "or"], (k) => (k === "rd" ? 3 : 2));
      card.dataset.kind = kind;
    };
    sel.addEventListener("change", () => {
      if (sel.value === "custom") setKind("beta"); else if (sel.value === "custom-logor") setKind("logor"); else setTo(sel.value);
      update();
    });
    for (const c of ["beta-a", "beta-b"]) q(c).addEventListener("input", () => { sel.value = "custom"; setKind("beta"); update(); });
    for (const c of ["logor-mean", "logor-sd"]) q(c).addEventListener("input", () => { sel.value = "custom-logor"; setKind("logor"); fillOrRange(); update(); });
    for (const c of ["or-lo", "or-hi"]) q(c).addEventListener("input", () => {
      const lo = num(q("or-lo").value), hi = num(q("or-hi").value);
      if (!(lo > 0 && hi > lo)) return;
      const p = BNL.fromRange(lo, hi);
      sel.value = "custom-logor"; setKind("logor");
      q("logor-mean").value = p.mean.toPrecision(6); q("logor-sd").value = p.sd.toPrecision(6);
      update();
    });
    return addCard({ el: card, update, drawMap: () => {}, global: false, eager: false, set: (o) => Object.assign(a, o) });
  }

  // ----- your own study (the calculator): HR + CI, HR + p, medians + p, or two counts
  function studyCards(parent) {
    const form = el("div", { class: "card", id: "study-input" }, `<h4>Your study</h4>
      <label>Published as <select class="kind"><option value="ci">HR + 95 % CI</option>
      <option value="p">HR + p</option><option value="medians">medians + p</option></select></label>
      <label>HR <input class="hr" size="6"></label> <label>CI <input class="ci-lo" size="6"> to
      <input class="ci-hi" size="6"></label> <label>median index <input class="m-index" size="6"></label>
      <label>median reference <input class="m-ref" size="6"></label> <label>p <input class="p" size="6"></label>
      <p class="study-error warning" hidden></p>
      <p>Two counts (a rounded percentage such as 22% is every count it allows):
      index <input class="k1" size="6"> of <input class="n1" size="5">, reference
      <input class="k0" size="6"> of <input class="n0" size="5"></p>`);
    parent.append(form);
    const q = (c) => form.querySelector("." + c);
    const hr = hrCard(parent, { label: "Your study: hazard ratio", estimate: NaN, se: NaN }, "card-study-hr");
    const rate = rateCard(parent, { label: "Your study: rates", index: [0, 0, 0], reference: [0, 0, 0], priors: DATA.rate_priors }, "card-study-rates");
    const readHr = () => {
      const kind = q("kind").value, err = q("study-error");
      let d = null;
      if (kind === "ci" && num(q("ci-lo").value) < num(q("hr").value) && num(q("hr").value) < num(q("ci-hi").value) && num(q("ci-lo").value) > 0) d = BNL.fromCi(num(q("hr").value), num(q("ci-lo").value), num(q("ci-hi").value));
      if (kind === "p" && num(q("hr").value) > 0 && num(q("p").value) > 0 && num(q("p").value) <= 1) d = BNL.fromP(num(q("hr").value), num(q("p").value));
      if (kind === "medians" && num(q("m-index").value) > 0 && num(q("m-ref").value) > 0 && num(q("p").value) > 0 && num(q("p").value) <= 1) d = BNL.fromMedians(num(q("m-index").value), num(q("m-ref").value), num(q("p").value));
      err.hidden = d !== null;
      err.textContent = d ? "" : "Enter the published numbers (HR > 0, LO < HR < HI, 0 < p ≤ 1).";
      hr.set(d ? { estimate: d.estimate, se: d.se, derivation: "" } : { estimate: NaN, se: NaN });
      hr.update(); hr.drawMap();
    };
    const readRates = () => {
      const n1 = Math.round(num(q("n1").value)), n0 = Math.round(num(q("n0").value));
      const i = BNL.percentRange(q("k1").value, n1), r = BNL.percentRange(q("k0").value, n0);
      if (!i || !r || !(n1 > 0 && n0 > 0)) return;
      rate.set({ index: [i[0], i[1], n1], reference: [r[0], r[1], n0] });
      rate.update();
    };
    for (const c of ["kind", "hr", "ci-lo", "ci-hi", "m-index", "m-ref", "p"]) q(c).addEventListener("input", readHr);
    q("kind").addEventListener("change", readHr);
    for (const c of ["k1", "n1", "k0", "n0"]) q(c).addEventListener("input", readRates);
  }

  function globals(parent) {
    const box = el("div", { class: "card", id: "globals" }, `<h4>Thresholds</h4>
      <label>x in P(HR &lt; x) <input id="threshold" value="1" size="5"></label>
      <label>ROPE low <input id="rope-lo" value="${G.rope[0]}" size="5"></label>
      <label>high <input id="rope-hi" value="${G.rope[1]}" size="5"></label>
      <label>tipping level (dashed line: P(HR &lt; x) = level) <input id="level" value="${G.level}" size="5"></label>`);
    parent.append(box);
    box.addEventListener("input", () => {
      const x = num(box.querySelector("#threshold").value), lo = num(box.querySelector("#rope-lo").value);
      const hi = num(box.querySelector("#rope-hi").value), lv = num(box.querySelector("#level").value);
      if (!(x > 0 && lo > 0 && hi > lo && lv > 0 && lv < 1)) return;
      Object.assign(G, { x, rope: [lo, hi], level: lv });
      // the numbers at once (closed forms; PSIS weights are cached per prior), the maps when idle
      for (const c of cards) if (c.global) { c.update(); Scheduler.later(c, "map"); }
    });
  }

  const root = document.getElementById("app");
  globals(root);
  for (const a of DATA.hr) hrCard(root, a, `card-hr-${a.name}`);
  for (const a of DATA.weibull) weibullCard(root, a);
  for (const a of DATA.rates) rateCard(root, a, `card-rates-${a.name}`);
  studyCards(root);
  for (const c of cards) if (c.eager) { c.update(); c.el.dataset.computed = "1"; }
  document.body.dataset.interactiveMs = String(performance.now()); // since navigation start
  for (const c of cards) if (!c.eager) Scheduler.later(c, "numbers");
  for (const c of cards) Scheduler.later(c, "map");
  window.BNL = BNL;
})();
