// The interactive page: one card per analysis, each with its prior control; every number is
// recomputed in the page (stats.js) when a control moves. Data: <script id="page-data">.
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
    control.onchange = () => { update(); drawMap(); };
    const entry = { update, drawMap, set: (o) => Object.assign(a, o) };
    cards.push(entry);
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
    const rw = (m, s) => BNL.reweight(draws, a.prior[0], a.prior[1], m, s);
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
    const cache = new Map();
    const cell = (m, s) => {
      const key = `${m}|${s}`;
      if (!cache.has(key)) cache.set(key, rw(m, s));
      return cache.get(key);
    };
    const canvas = card.querySelector("canvas"), readout = card.querySelector(".readout");
    let spec = null;
    Heatmap.attach(canvas, readout, () => spec);
    const drawMap = () => {
      const ms = DATA.grid.means, ss = DATA.grid.sds;
      if (!ms.length) return;
      const lx = Math.log(G.x), cells = [];
      for (const m of ms) for (const s of ss) {
        const r = cell(m, s);
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
    control.onchange = () => { update(); drawMap(); };
    cards.push({ update, drawMap });
  }

  // ----- rates: Beta priors, exact Beta-mixture posterior
  function rateCard(parent, a, id) {
    const card = el("div", { class: "card", id }, `<h4>${a.label}</h4><p class="data-line"></p>`);
    parent.append(card);
    const names = Object.keys(a.priors || {});
    const box = el("div", { class: "prior" }, `<label>Prior <select class="prior-set">${names.map((n) =>
      `<option value="${n}">${n}: ${a.priors[n].text}</option>`).join("")}<option value="custom">custom Beta</option></select></label>
      <label>Beta a <input class="beta-a" size="6"></label><label>b <input class="beta-b" size="6"></label>
      <span class="logor-note"></span>`);
    card.append(box);
    card.insertAdjacentHTML("beforeend", table(RATE_ROWS));
    const sel = box.querySelector(".prior-set"), ia = box.querySelector(".beta-a"), ib = box.querySelector(".beta-b");
    const note = box.querySelector(".logor-note");
    const setTo = (n) => {
      const p = a.priors[n];
      note.textContent = "";
      if (p && p.kind === "beta") { ia.value = String(p.a); ib.value = String(p.b); }
      if (p && p.kind === "logor") note.textContent = `${p.text} has no closed form; the run's MCMC value is in the tables below. Showing a Beta prior instead.`;
    };
    if (names.length) { sel.value = names.includes(a.prior) ? a.prior : names[0]; setTo(sel.value); } else { sel.value = "custom"; ia.value = "1"; ib.value = "1"; }
    const update = () => {
      const ai = num(ia.value), bi = num(ib.value);
      const [il, ih, n1] = a.index, [rl, rh, n0] = a.reference;
      card.querySelector(".data-line").textContent =
        `counts ${il === ih ? il : il + "–" + ih} of ${n1} vs ${rl === rh ? rl : rl + "–" + rh} of ${n0}`;
      if (!(ai > 0 && bi > 0) || !(n1 > 0 && n0 > 0) || !(il <= ih && rl <= rh)) return;
      const v = BNL.rateSummary(BNL.betaMixture(ai, bi, il, ih, n1), BNL.betaMixture(ai, bi, rl, rh, n0), C);
      show(card, v, ["rd", "rr", "or"], (q) => (q === "rd" ? 3 : 2));
    };
    sel.addEventListener("change", () => { setTo(sel.value); update(); });
    for (const i of [ia, ib]) i.addEventListener("input", () => { sel.value = "custom"; update(); });
    const entry = { update, drawMap: () => {}, set: (o) => Object.assign(a, o) };
    cards.push(entry);
    return entry;
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
    const rate = rateCard(parent, { label: "Your study: rates", index: [0, 0, 0], reference: [0, 0, 0], priors: DATA.beta_priors }, "card-study-rates");
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
      for (const c of cards) { c.update(); c.drawMap(); }
    });
  }

  const root = document.getElementById("app");
  globals(root);
  for (const a of DATA.hr) hrCard(root, a, `card-hr-${a.name}`);
  for (const a of DATA.weibull) weibullCard(root, a);
  for (const a of DATA.rates) rateCard(root, a, `card-rates-${a.name}`);
  studyCards(root);
  for (const c of cards) c.update();
  document.body.dataset.interactiveMs = String(performance.now()); // since navigation start
  setTimeout(() => { for (const c of cards) c.drawMap(); document.body.dataset.mapsDrawn = "1"; }, 0);
  window.BNL = BNL;
})();
