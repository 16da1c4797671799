r"""The log-OR rate model's posterior by deterministic 2-D quadrature (no sampling).

Model (as :func:`bayes_netlm.modeling.rates.build_logor_model`): with :math:`u = \mathrm{logit}\,
p_{ref}` and :math:`w = \log OR`,

.. math::

    u \sim \mathcal N(m_0, s_0^2), \quad w \sim \mathcal N(\mu, \sigma^2), \quad
    p_{index} = \mathrm{expit}(u + w),

and each group's count is interval-censored (a rounded percentage is every count it could have
come from): :math:`P(l \le K \le h \mid p) = \sum_{k=l}^{h} \binom{n}{k} p^k (1-p)^{n-k}`, in
logits :math:`\log \sum_k \binom{n}{k} e^{k v} - n \log(1 + e^v)`.

The outer variable :math:`s` is the logit of the better-determined group (:math:`u`, or
:math:`v = u + w` when the index group carries more information), and for a fixed :math:`s` every
effect (RD, RR, OR) increases with :math:`w`, so

.. math::

    P(\text{effect} \le c) = \int \pi(s) \, P\bigl(w \le b_c(s) \mid s\bigr) \, ds,

with :math:`b_c(s)` the log OR at which the effect equals :math:`c` (from the rate of the other
group at which it does, :func:`~bayes_netlm.modeling.rate_effects.index_boundary` or
:func:`~bayes_netlm.modeling.rate_effects.reference_boundary`). With the better-determined logit
outside, the inner conditional is the wider one and the integrand changes smoothly with
:math:`s`. The rule, which the page's script (``stats.js``, ``logorPosterior``) repeats step by
step so the two agree to rounding:

1. **Support.** A box in :math:`(s, w)` holding the priors' :math:`\pm` :data:`PRIOR_SDS` SDs and
   the logits the counts suggest, then :data:`LOCATE_ROUNDS` times: the log density on a
   :data:`LOCATE_POINTS`-square grid, the box shrunk to the cells within :data:`SUPPORT_DROP` of
   the grid's maximum, one grid step added on each side.
2. **Outer rule.** :data:`OUTER_PANELS` equal panels over the box's :math:`s` range,
   :data:`OUTER_PANEL_NODES`-point Gauss-Legendre in each.
3. **Inner windows.** For each outer node, the :math:`w` where the conditional log density is
   within :data:`SUPPORT_DROP` of its maximum (on :data:`SCAN_POINTS` points over the box, one
   step added each side), so a narrow conditional is not lost in a wide box.
4. **Inner rule.** Each window cut into :data:`PANELS` equal panels, :data:`PANEL_NODES`-point
   Gauss-Legendre in each; the panels' masses are summed cumulatively once, and
   :math:`P(w \le b \mid s_i)` is the whole panels below :math:`b` plus the same rule on the
   part-panel up to :math:`b`.
5. **Kinks.** Where the boundary rate leaves (0, 1) (e.g. RD <= -0.025 needs a reference rate
   above 0.025) the limit jumps to :math:`\pm\infty`, and next to it :math:`P(w \le b \mid s)`
   moves like :math:`\Phi(\log(s - s^*)/\sigma)`: not smooth. If that point lies inside the
   support, the outer panel holding it and its neighbours are replaced by panels cut
   geometrically towards it (ratio :data:`GRADING`, :data:`GRADED_LEVELS` cuts each side), their
   inner windows interpolated from the rule's nodes. Without this a wide log-OR prior with zero
   events was off by 1e-3; with it the rule agrees with nested adaptive quadrature to 1e-8.

Quantiles are roots of :math:`P(\text{effect} \le c) = q`
(:func:`bayes_netlm.modeling.rate_effects.effect_quantile`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from bayes_netlm.evidence.counts import CountRange
from bayes_netlm.modeling.rate_effects import (
    effect_summary,
    gauss_legendre,
    index_boundary,
    reference_boundary,
)
from bayes_netlm.priors import NormalPrior

__all__ = [
    "GRADED_LEVELS",
    "GRADING",
    "LOCATE_POINTS",
    "LOCATE_ROUNDS",
    "OUTER_PANELS",
    "OUTER_PANEL_NODES",
    "PANELS",
    "PANEL_NODES",
    "PRIOR_SDS",
    "SCAN_POINTS",
    "SUPPORT_DROP",
    "LogORPosterior",
    "logor_effects",
]

#: the initial box holds the priors' means +- this many SDs
PRIOR_SDS = 10.0
#: log density below the maximum that counts as outside the support (e^-30 ~ 1e-13)
SUPPORT_DROP = 30.0
LOCATE_POINTS = 101
LOCATE_ROUNDS = 4
OUTER_PANELS = 16
OUTER_PANEL_NODES = 8
SCAN_POINTS = 129
PANELS = 24
PANEL_NODES = 8
GRADING = 0.2
GRADED_LEVELS = 6


@dataclass(frozen=True)
class _IntervalCount:
    """log P(low <= K <= high | logit p = v) of one group's interval-censored count."""

    ks: np.ndarray
    log_choose: np.ndarray
    n: float

    @classmethod
    def of(cls, count: CountRange) -> _IntervalCount:
        ks = np.arange(count.low, count.high + 1, dtype=float)
        n = float(count.n)
        log_choose = special.gammaln(n + 1) - special.gammaln(ks + 1) - special.gammaln(n - ks + 1)
        return cls(ks, log_choose, n)

    def loglik(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        softplus = np.logaddexp(0.0, v)
        if self.ks.size == 1:
            return self.log_choose[0] + self.ks[0] * v - self.n * softplus
        terms = self.log_choose + self.ks * v[..., None]
        top = terms.max(axis=-1)
        return top + np.log(np.exp(terms - top[..., None]).sum(axis=-1)) - self.n * softplus

    def information(self) -> float:
        """Fisher information n p (1 - p) of the logit at the interval's middle proportion."""
        p = ((self.ks[0] + self.ks[-1]) / 2 + 0.5) / (self.n + 1)
        return float(self.n * p * (1 - p))

    def logit_range(self) -> tuple[float, float]:
        """Logits of the smallest and largest proportion the count allows (shrunk off 0 and 1)."""
        low, high = self.ks[0], self.ks[-1]
        return (
            float(special.logit((low + 0.5) / (self.n + 1))),
            float(special.logit((high + 0.5) / (self.n + 1))),
        )


def _normal_logpdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    z = (x - mean) / sd
    return -0.5 * z * z - np.log(sd) - 0.5 * np.log(2 * np.pi)


@dataclass(frozen=True)
class _Density:
    """The unnormalised log posterior density in (s, w): s the outer logit, w = log OR.

    ``outer_index`` False: s = u = logit p_reference; True: s = v = logit p_index (u = s - w).
    """

    prior: NormalPrior
    baseline: NormalPrior
    index: _IntervalCount
    reference: _IntervalCount
    outer_index: bool

    @classmethod
    def of(
        cls, prior: NormalPrior, baseline: NormalPrior, index: CountRange, reference: CountRange
    ) -> _Density:
        """The outer logit is the better-determined group's (see :func:`_outer_is_index`)."""
        idx, ref = _IntervalCount.of(index), _IntervalCount.of(reference)
        return cls(prior, baseline, idx, ref, _outer_is_index(prior, baseline, idx, ref))

    def outer_part(self, s: np.ndarray) -> np.ndarray:
        if self.outer_index:
            return self.index.loglik(s)
        return _normal_logpdf(s, self.baseline.mean, self.baseline.sd) + self.reference.loglik(s)

    def inner_part(self, s: np.ndarray, w: np.ndarray) -> np.ndarray:
        log_or = _normal_logpdf(w, self.prior.mean, self.prior.sd)
        if self.outer_index:
            u = s - w
            return (
                log_or
                + _normal_logpdf(u, self.baseline.mean, self.baseline.sd)
                + self.reference.loglik(u)
            )
        return log_or + self.index.loglik(s + w)

    def __call__(self, s: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.outer_part(s) + self.inner_part(s, w)

    def initial_box(self) -> tuple[float, float, float, float]:
        """Priors' mean +- PRIOR_SDS SDs, widened to the logits the counts suggest (+- 1)."""
        ref_lo, ref_hi = self.reference.logit_range()
        index_lo, index_hi = self.index.logit_range()
        m0, s0 = self.baseline.mean, self.baseline.sd
        mu, sigma = self.prior.mean, self.prior.sd
        if self.outer_index:
            centre, spread, lo, hi = m0 + mu, float(np.hypot(s0, sigma)), index_lo, index_hi
        else:
            centre, spread, lo, hi = m0, s0, ref_lo, ref_hi
        return (
            min(centre - PRIOR_SDS * spread, lo - 1.0),
            max(centre + PRIOR_SDS * spread, hi + 1.0),
            min(mu - PRIOR_SDS * sigma, index_lo - ref_hi - 1.0),
            max(mu + PRIOR_SDS * sigma, index_hi - ref_lo + 1.0),
        )

    def kink(self, effect: str, c: float) -> float | None:
        """The outer logit at which the effect's boundary leaves (0, 1), if there is one.

        On one side of it the limit in w is infinite, on the other it runs off to infinity:
        P(w <= limit | s) is not smooth there, so the outer rule is graded towards it.
        """
        if effect == "or":
            return None
        if self.outer_index:  # the index rates at which the reference boundary is 0 and 1
            rates = (c, 1 + c) if effect == "rd" else (0.0, c)
        else:
            rates = (-c, 1 - c) if effect == "rd" else (0.0, 1 / c)
        inside = [r for r in rates if 0 < r < 1]
        return float(special.logit(inside[0])) if inside else None

    def limit(self, effect: str, c: float, s: np.ndarray) -> np.ndarray:
        """Upper limit in w of {effect <= c} at each outer logit s (every effect rises with w)."""
        if effect == "or":
            return np.full(s.shape, np.log(c) if c > 0 else -np.inf)
        if self.outer_index:  # effect <= c  <=>  p_reference >= x
            x = reference_boundary(effect, c, special.expit(s))
            inner = np.clip(x, 1e-300, 1 - 1e-16)
            return np.where(x >= 1, -np.inf, np.where(x <= 0, np.inf, s - special.logit(inner)))
        x = index_boundary(effect, c, special.expit(s))  # effect <= c  <=>  p_index <= x
        inner = np.clip(x, 1e-300, 1 - 1e-16)
        return np.where(x >= 1, np.inf, np.where(x <= 0, -np.inf, special.logit(inner) - s))


def _outer_is_index(
    prior: NormalPrior, baseline: NormalPrior, index: _IntervalCount, reference: _IntervalCount
) -> bool:
    """Whether logit p_index is better determined than logit p_reference (it is then outer).

    With the better-determined logit outside, the conditional of log OR given it is the wider
    one, so P(w <= limit | s) changes smoothly with s. Precisions: the counts' Fisher information
    n p (1 - p) at the middle of their interval, plus each logit's prior precision.
    """
    reference_precision = 1 / baseline.sd**2 + reference.information()
    index_precision = 1 / (baseline.sd**2 + prior.sd**2) + index.information()
    return bool(index_precision > reference_precision)


def _within(values: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    """The grid's span of the True entries of ``values``, one grid step added on each side."""
    found = np.flatnonzero(values)
    return float(grid[max(found[0] - 1, 0)]), float(grid[min(found[-1] + 1, grid.size - 1)])


def _support(density: _Density) -> tuple[float, float, float, float]:
    s_lo, s_hi, w_lo, w_hi = density.initial_box()
    for _ in range(LOCATE_ROUNDS):
        s = np.linspace(s_lo, s_hi, LOCATE_POINTS)
        w = np.linspace(w_lo, w_hi, LOCATE_POINTS)
        f = density(s[:, None], w[None, :])
        inside = f >= f.max() - SUPPORT_DROP
        s_lo, s_hi = _within(inside.any(axis=1), s)
        w_lo, w_hi = _within(inside.any(axis=0), w)
    return s_lo, s_hi, w_lo, w_hi


def _gauss_on(edges: np.ndarray, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre with ``nodes`` points on each interval between consecutive ``edges``.

    ``edges`` is ``(..., intervals + 1)``; returns nodes and weights ``(..., intervals, nodes)``.
    """
    x, wx = gauss_legendre(nodes)
    left, half = edges[..., :-1, None], (edges[..., 1:, None] - edges[..., :-1, None]) / 2
    return left + half * (x + 1), half * wx


def _panel_edges(lo: np.ndarray, hi: np.ndarray, panels: int) -> np.ndarray:
    """``panels`` equal panels on each [lo, hi] (elementwise): their edges, last axis."""
    return lo[..., None] + (hi - lo)[..., None] * np.arange(panels + 1) / panels


def _graded_edges(lo: float, hi: float, kink: float) -> np.ndarray:
    """Edges on [lo, hi] cut geometrically towards ``kink`` from both sides (ratio GRADING)."""
    cuts = GRADING ** np.arange(GRADED_LEVELS + 1)
    return np.concatenate([kink + (lo - kink) * cuts, [kink], (kink + (hi - kink) * cuts)[::-1]])


@dataclass(frozen=True)
class LogORPosterior:
    """The log-OR model's posterior as a quadrature rule (see the module's description).

    Attributes
    ----------
    density : _Density
        The unnormalised log density and which logit is outer.
    edges : numpy.ndarray
        The outer panels' edges (OUTER_PANELS equal panels over the support).
    s, s_weights : numpy.ndarray
        The outer rule's nodes (OUTER_PANEL_NODES per panel) and weights.
    windows : numpy.ndarray
        ``(outer nodes, 2)``: each node's inner window in log OR.
    cumulative : numpy.ndarray
        ``(outer nodes, PANELS + 1)``: posterior mass of each node's first j inner panels
        (normalised: the last column sums to 1).
    log_norm : float
        Log of the normalising constant (in the density's own scale).

    """

    density: _Density
    edges: np.ndarray
    s: np.ndarray
    s_weights: np.ndarray
    windows: np.ndarray
    cumulative: np.ndarray
    log_norm: float

    @classmethod
    def build(
        cls, prior: NormalPrior, baseline: NormalPrior, index: CountRange, reference: CountRange
    ) -> LogORPosterior:
        """The rule for a Normal prior on log OR and ``baseline`` on logit p_reference."""
        density = _Density.of(prior, baseline, index, reference)
        s_lo, s_hi, w_lo, w_hi = _support(density)
        edges = np.linspace(s_lo, s_hi, OUTER_PANELS + 1)
        s, s_weights = (a.ravel() for a in _gauss_on(edges, OUTER_PANEL_NODES))
        windows = _windows(density, w_lo, w_hi, s)
        nodes, weights = _gauss_on(_panel_edges(windows[:, 0], windows[:, 1], PANELS), PANEL_NODES)
        log_mass = np.log(s_weights[:, None, None] * weights) + density(s[:, None, None], nodes)
        log_norm = float(special.logsumexp(log_mass))
        panels = np.exp(log_mass - log_norm).sum(axis=-1)
        cumulative = np.concatenate([np.zeros((s.size, 1)), np.cumsum(panels, axis=1)], axis=1)
        return cls(density, edges, s, s_weights, windows, cumulative, log_norm)

    def _on_rule(self, limit: np.ndarray) -> np.ndarray:
        """Per outer node, its mass with w <= limit: whole inner panels from the table."""
        lo, hi = self.windows[:, 0], self.windows[:, 1]
        width = (hi - lo) / PANELS
        upper = np.clip(limit, lo, hi)
        full = np.minimum(np.floor((upper - lo) / width), PANELS).astype(int)
        start = lo + full * width
        nodes, weights = _gauss_on(
            np.stack([start, np.maximum(upper, start)], axis=-1), PANEL_NODES
        )
        part = self.s_weights[:, None, None] * weights * self._density(self.s[:, None, None], nodes)
        return self.cumulative[np.arange(self.s.size), full] + part.sum(axis=(1, 2))

    def _density(self, s: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.exp(self.density(s, w) - self.log_norm)

    def _graded(self, effect: str, c: float, lo: float, hi: float, kink: float) -> float:
        """Mass of {effect <= c} with the outer logit in [lo, hi], graded towards the kink.

        Inner windows are interpolated from the rule's nodes; the inner panels span the window
        up to the limit.
        """
        s, s_weights = (
            a.ravel() for a in _gauss_on(_graded_edges(lo, hi, kink), OUTER_PANEL_NODES)
        )
        window_lo = np.interp(s, self.s, self.windows[:, 0])
        window_hi = np.interp(s, self.s, self.windows[:, 1])
        upper = np.clip(self.density.limit(effect, c, s), window_lo, window_hi)
        nodes, weights = _gauss_on(_panel_edges(window_lo, upper, PANELS), PANEL_NODES)
        return float(
            np.sum(s_weights[:, None, None] * weights * self._density(s[:, None, None], nodes))
        )

    def below(self, effect: str, c: float) -> float:
        """P(effect <= c) for ``effect`` in ``"rd"``, ``"rr"``, ``"or"``.

        Where the effect's boundary leaves (0, 1) inside the support (a kink, see
        :meth:`_Density.kink`), the outer panel holding it and its neighbours are replaced by a
        rule graded towards it.
        """
        per_node = self._on_rule(self.density.limit(effect, c, self.s))
        kink = self.density.kink(effect, c)
        if kink is None or not self.edges[0] < kink < self.edges[-1]:
            return float(np.sum(per_node))
        panel = min(int(np.searchsorted(self.edges, kink, side="right")) - 1, OUTER_PANELS - 1)
        first, last = max(panel - 1, 0), min(panel + 1, OUTER_PANELS - 1)
        panel_of_node = np.arange(self.s.size) // OUTER_PANEL_NODES
        kept = (panel_of_node < first) | (panel_of_node > last)
        lo, hi = float(self.edges[first]), float(self.edges[last + 1])
        return float(np.sum(per_node[kept])) + self._graded(effect, c, lo, hi, kink)


def _windows(density: _Density, w_lo: float, w_hi: float, s: np.ndarray) -> np.ndarray:
    """Each outer node's inner window in log OR (``(nodes, 2)``).

    Where the conditional log density is within SUPPORT_DROP of its maximum, on SCAN_POINTS
    points over [w_lo, w_hi], one step added on each side.
    """
    scan = np.linspace(w_lo, w_hi, SCAN_POINTS)
    conditional = density.inner_part(s[:, None], scan[None, :])
    inside = conditional >= conditional.max(axis=1, keepdims=True) - SUPPORT_DROP
    return np.array([_within(row, scan) for row in inside])


def logor_effects(
    prior: NormalPrior,
    baseline: NormalPrior,
    index: CountRange,
    reference: CountRange,
    rd_important: float,
    rd_equivalence: float,
) -> dict[str, float]:
    """RD, RR and OR summaries under a Normal prior on log OR, by quadrature.

    Parameters
    ----------
    prior : NormalPrior
        Prior of the log odds ratio (index vs reference).
    baseline : NormalPrior
        Prior of the reference group's log odds.
    index, reference : CountRange
        The two groups' (interval-censored) counts.
    rd_important, rd_equivalence : float
        The clinically important RD and the equivalence margin.

    Returns
    -------
    dict
        The keys of :func:`bayes_netlm.modeling.rates.exact_effects`.

    Examples
    --------
    >>> from bayes_netlm.evidence.counts import parse_count
    >>> effects = logor_effects(
    ...     NormalPrior(0.0, 0.25, "log_or"), NormalPrior(0.0, 1.5, "log_or"),
    ...     parse_count("6", 12, "i"), parse_count("6", 12, "r"), 0.05, 0.025)
    >>> round(effects["rr_below_1"], 6), round(effects["or_median"], 6)
    (0.5, 1.0)

    """
    posterior = LogORPosterior.build(prior, baseline, index, reference)
    return effect_summary(posterior.below, rd_important, rd_equivalence)
