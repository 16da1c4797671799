// Heat map of P(HR < x) over Normal priors on log HR (mean as HR on a log axis, SD on a log axis),
// with the current prior marked, the tipping contour P = level drawn and a hover read-out.
"use strict";
const Heatmap = (() => {
  const W = 420, H = 260, PAD = { l: 48, r: 10, t: 10, b: 34 };
  const pw = W - PAD.l - PAD.r, ph = H - PAD.t - PAD.b;
  function colour(p) { // white at 0.5, blue towards 1 (HR < x likely), red towards 0
    const t = Math.max(0, Math.min(1, p));
    const r = t > 0.5 ? Math.round(255 * (1 - (t - 0.5) * 1.6)) : 255;
    const b = t < 0.5 ? Math.round(255 * (1 - (0.5 - t) * 1.6)) : 255;
    const g = Math.round(255 * (1 - Math.abs(t - 0.5) * 1.6));
    return `rgb(${r},${g},${b})`;
  }
  // view: {means: [log HR edges lo, hi], sds: [lo, hi]} on log axes
  function toX(view, m) { return PAD.l + pw * (m - view.m[0]) / (view.m[1] - view.m[0]); }
  function toY(view, s) {
    const a = Math.log(view.s[0]), b = Math.log(view.s[1]);
    return PAD.t + ph * (1 - (Math.log(s) - a) / (b - a));
  }
  function fromX(view, x) { return view.m[0] + (x - PAD.l) / pw * (view.m[1] - view.m[0]); }
  function fromY(view, y) {
    const a = Math.log(view.s[0]), b = Math.log(view.s[1]);
    return Math.exp(a + (1 - (y - PAD.t) / ph) * (b - a));
  }
  function axes(ctx, view) {
    ctx.fillStyle = "#222"; ctx.font = "11px sans-serif"; ctx.strokeStyle = "#555";
    ctx.strokeRect(PAD.l, PAD.t, pw, ph);
    for (const hr of [0.25, 0.5, 0.7, 1, 1.43, 2, 4]) {
      const m = Math.log(hr);
      if (m < view.m[0] || m > view.m[1]) continue;
      ctx.fillText(String(hr), toX(view, m) - 8, H - PAD.b + 14);
    }
    ctx.fillText("prior median HR", PAD.l + pw / 2 - 40, H - 4);
    for (const s of [0.05, 0.1, 0.2, 0.5, 1, 2, 5]) {
      if (s < view.s[0] || s > view.s[1]) continue;
      ctx.fillText(String(s), 4, toY(view, s) + 4);
    }
    ctx.save(); ctx.translate(11, PAD.t + ph / 2 + 30); ctx.rotate(-Math.PI / 2);
    ctx.fillText("prior SD", 0, 0); ctx.restore();
  }
  // cells: [{m, s, p, khat?, ok}] drawn as rectangles around their centres (a regular grid)
  function draw(canvas, spec) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, W, H);
    const { view, cells, nm, ns } = spec;
    const cw = pw / nm, ch = ph / ns;
    for (const c of cells) {
      const x = toX(view, c.m) - cw / 2, y = toY(view, c.s) - ch / 2;
      ctx.fillStyle = c.ok === false ? "#bbb" : colour(c.p);
      ctx.fillRect(x, y, cw + 0.5, ch + 0.5);
      if (c.ok === false) { ctx.fillStyle = "#555"; ctx.fillText("refit", x + 2, y + ch / 2 + 4); }
    }
    if (spec.contour.length) { // tipping points: P(HR < x) = level
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.setLineDash([5, 3]); ctx.beginPath();
      spec.contour.forEach(([m, s], i) => {
        const X = toX(view, m), Y = toY(view, s);
        if (i) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
      });
      ctx.stroke(); ctx.setLineDash([]); ctx.lineWidth = 1;
    }
    const [pm, ps] = spec.current;
    const cx = Math.max(PAD.l, Math.min(PAD.l + pw, toX(view, pm)));
    const cy = Math.max(PAD.t, Math.min(PAD.t + ph, toY(view, ps)));
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.beginPath();
    ctx.arc(cx, cy, 6, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
    axes(ctx, view);
  }
  function attach(canvas, readout, getSpec) {
    canvas.width = W; canvas.height = H;
    canvas.addEventListener("mousemove", (ev) => {
      const spec = getSpec();
      if (!spec) return;
      const r = canvas.getBoundingClientRect();
      const x = (ev.clientX - r.left) * W / r.width, y = (ev.clientY - r.top) * H / r.height;
      const m = fromX(spec.view, x), s = fromY(spec.view, y);
      if (x < PAD.l || x > W - PAD.r || y < PAD.t || y > H - PAD.b) return;
      readout.textContent = spec.readout(m, s);
    });
  }
  return { W, H, draw, attach, toX, toY };
})();
