"""Step 6: how sure? Monte Carlo over the register's ranges, one-at-a-time sensitivity, bridges.

The cost model is :func:`analysis.costs.cost_model`, vectorised, so a million parameter
draws cost one call. This module draws the parameters, summarises the draws (median,
90% interval and where the point value at the run's parameters falls among them),
ranks the parameters by how much each moves a cost (tornado), and lays out the bridges
from DeepSeek's US$5.576M to each named cost.

Draws are joint where the sources tie quantities together: the H20 count is what is left
of SemiAnalysis's Hopper total after its H800s and H100s (:func:`analysis.fleet.fleet_gpus`),
so every draw is a fleet of the size the text describes, and a run that sets any of the
three counts holds all three (:data:`HELD_TOGETHER`).

Monte Carlo takes an ``rng`` (a :class:`numpy.random.Generator` or a seed), never a
global seed (SPEC 7).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024 (lognormal 90% intervals for uncertain factors).
.. [2] Scientific Python, "SPEC 7: Seeding pseudo-random number generation", 2023.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .costs import NAMED_COSTS, ModelData, cost_model

#: z-score of the 95th percentile: a lognormal's low and high are its 5th and 95th percentiles.
Z95 = 1.6448536269514722
#: The distributions a ranged parameter of the register may have (``fixed``: not drawn).
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "lognormal")
#: Parameters drawn jointly: a run that sets one of them holds them all.
HELD_TOGETHER = (("hopper_gpus", "h800_gpus", "h100_gpus"),)


# --------------------------------------------------------------------------- sampling
def sample_parameter(param, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of one parameter from its register distribution, kept inside its hard bounds.

    * ``triangular``: low, mode = baseline, high;
    * ``uniform``: low to high;
    * ``lognormal``: low and high are the 5th and 95th percentiles [1].

    Parameters
    ----------
    param : analysis.params.Parameter
        The parameter's register entry: its ``distribution``, ``low``, ``baseline``,
        ``high`` and hard ``bounds``.
    n : int
        Number of draws.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    numpy.ndarray
        ``n`` draws, inside the hard bounds [the parameter's unit].

    Raises
    ------
    ValueError
        If the distribution is not ``triangular``, ``uniform`` or ``lognormal``.
    """
    low, high = float(param.low), float(param.high)
    if param.distribution == "triangular":
        draws = rng.triangular(low, float(param.baseline), high, n) if high > low else np.full(n, low)
    elif param.distribution == "uniform":
        draws = rng.uniform(low, high, n)
    elif param.distribution == "lognormal":
        mu, sigma = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z95)
        draws = rng.lognormal(mu, sigma, n)
    else:
        raise ValueError(f"{param.name}: cannot sample a {param.distribution!r} parameter")
    if (
        param.bounds is not None and param.distribution == "lognormal"
    ):  # triangular and uniform stay in [low, high], inside the bounds
        b = param.bounds
        tiny = 1e-12 * max(1.0, abs(b.lower) if math.isfinite(b.lower) else 1.0)
        lower = b.lower if b.lower_closed else b.lower + tiny
        upper = b.upper if b.upper_closed else b.upper - tiny
        draws = np.clip(draws, lower, upper)
    return draws


def sample_parameters(register: Mapping, values: Mapping, n: int, rng=None, hold=()) -> dict:
    """Draws of every ranged parameter (distribution not ``fixed``); the rest at ``values``.

    Parameters named in ``hold`` (for example those a reader set with ``-p`` or a
    scenario) stay at their value in ``values`` instead of being drawn.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is drawn, between its ``low`` and ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; fixed and held parameters keep them.
    n : int
        Number of draws, >= 1.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than drawn (e.g. those a
        reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.

    Returns
    -------
    dict
        ``values`` with every ranged parameter that is not held replaced by an array of
        ``n`` draws [each parameter's unit].

    Raises
    ------
    ValueError
        If ``n`` is below 1.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(rng)
    hold = _held(hold)
    out = dict(values)
    for name in sorted(register):  # a fixed order, so a seed always means the same draws
        param = register[name]
        if param.distribution != "fixed":
            draws = sample_parameter(param, n, rng)  # drawn even when held, so the other draws do not depend on `hold`
            if name not in hold:
                out[name] = draws
    return out


#: Draws evaluated at a time. Arrays of this many draws per GPU type (256 KiB) stay in the processor's
#: cache, which makes the cost model about 1.5 times as fast per draw as chunks of 131,072 (``make bench``).
CHUNK_DRAWS = 8_192
#: The first draws of a :class:`MonteCarlo`, which locate each quantile among all the draws.
PILOT_DRAWS = 131_072
#: Half-width of the window of ranks kept around each quantile [standard errors of the pilot's quantile].
PILOT_STANDARD_ERRORS = 8.0
#: Bit generators whose ``advance(k)`` skips exactly ``k`` uniform or triangular draws (one 64-bit output each).
ADVANCEABLE = (np.random.PCG64, np.random.PCG64DXSM)


def _held(hold) -> set:
    """``hold`` as a set, with the whole group of :data:`HELD_TOGETHER` of any member it holds."""
    hold = set(hold)
    for group in HELD_TOGETHER:
        if hold & set(group):
            hold |= set(group)
    return hold


def _outputs_used(param, n: int) -> int | None:
    """How many 64-bit outputs of the bit generator ``n`` draws of ``param`` take; None if that varies.

    A uniform or triangular draw takes one double (one 64-bit output); a triangular of no width
    takes none (:func:`sample_parameter` fills it without drawing); a lognormal's ziggurat varies.
    """
    if param.distribution == "triangular":
        return n if float(param.high) > float(param.low) else 0
    if param.distribution == "uniform":
        return n
    return None


def _skip(param, n: int, bit_generator) -> None:
    """Move ``bit_generator`` past ``n`` draws of ``param``, as :func:`sample_parameter` would, keeping none.

    Uniform and triangular draws on a PCG64 are skipped by ``advance``, without drawing; others are
    drawn a chunk at a time into one buffer and dropped (a lognormal takes exactly the variates
    of a standard normal).
    """
    count = _outputs_used(param, n)
    if count is not None and isinstance(bit_generator, ADVANCEABLE):
        before = bit_generator.state
        bit_generator.advance(count)
        after = bit_generator.state  # advance() clears the buffered 32-bit half-word, which doubles never use
        after["has_uint32"], after["uinteger"] = before["has_uint32"], before["uinteger"]
        bit_generator.state = after
        return
    generator = np.random.Generator(bit_generator)
    buffer = np.empty(min(n, CHUNK_DRAWS))
    for start in range(0, n, buffer.size):
        size = min(buffer.size, n - start)
        if param.distribution == "lognormal":
            generator.standard_normal(out=buffer[:size])
        else:
            sample_parameter(param, size, generator)


def _model_reads(values: Mapping, data: ModelData) -> frozenset:
    """Names of the parameters :func:`analysis.costs.cost_model` reads at ``values``.

    The model is vectorised, so which parameters it reads depends on the run's choices (its
    methods), never on a drawn number: a parameter it does not read need not be drawn.
    """
    read = set()

    class Recording(dict):
        def __getitem__(self, key):
            read.add(key)
            return super().__getitem__(key)

    cost_model(Recording(values), data)
    return frozenset(read)


def _bit_generator_at(kind: type, state: dict):
    """A new bit generator of class ``kind`` in ``state``."""
    bit_generator = kind()
    bit_generator.state = state
    return bit_generator


class MonteCarlo:
    """The cost model over ``n`` joint draws of the ranged parameters, evaluated chunk by chunk on demand.

    Making one draws nothing: it records where each parameter's draws start in the random
    stream, so :meth:`chunks` makes exactly the draws of :func:`sample_parameters` (each
    parameter's ``n`` draws in turn, in name order) a chunk at a time, as often as asked.
    Memory stays at a few chunks whatever ``n``: :meth:`summarise` and :meth:`shares` each
    take one pass over the chunks and equal, bit for bit, :func:`summarise` and
    :func:`numpy.mean` over the whole arrays; only :meth:`draws` keeps whole arrays
    (``8 n`` bytes per output).

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is drawn, between its ``low`` and ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; fixed and held parameters keep them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    n : int, default 100_000
        Number of draws, >= 1.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws. A Generator is left where
        :func:`sample_parameters` leaves it: past every parameter's ``n`` draws.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than drawn (e.g. those a
        reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.
    chunk_draws : int, optional
        Draws evaluated at a time, >= 1 (default :data:`CHUNK_DRAWS`); every size gives the
        same draws and the same results.

    Attributes
    ----------
    n : int
        Number of draws.
    outputs : tuple of str
        The cost model's outputs with one value per draw (``name in mc`` tests membership).

    Raises
    ------
    ValueError
        If ``n`` or ``chunk_draws`` is below 1.

    Examples
    --------
    >>> from analysis import model, params
    >>> register = params.load_register()
    >>> mc = MonteCarlo(register, params.resolve_parameters(register), model.load_data(), n=1_000, rng=1)
    >>> median = mc.summarise(keys=["cost_development_usd"], quantiles=(0.5,)).loc["cost_development_usd", "p50"]
    >>> bool(median == np.median(mc.draws(["cost_development_usd"])["cost_development_usd"]))
    True
    """

    def __init__(
        self,
        register: Mapping,
        values: Mapping,
        data: ModelData,
        n: int = 100_000,
        rng=None,
        hold=(),
        chunk_draws: int | None = None,
    ):
        n = int(n)
        chunk_draws = CHUNK_DRAWS if chunk_draws is None else int(chunk_draws)
        if n < 1:
            raise ValueError("n must be >= 1")
        if chunk_draws < 1:
            raise ValueError("chunk_draws must be >= 1")
        self.n, self.chunk_draws = n, chunk_draws
        self._values, self._data = dict(values), data
        self.outputs = tuple(k for k in cost_model(values, data) if not k.endswith("_by_type"))
        hold, reads = _held(hold), _model_reads(values, data)
        bit_generator = np.random.default_rng(rng).bit_generator
        self._starts = {}  # parameter name -> (its register entry, the stream's state where its draws start)
        for name in sorted(register):  # the order of sample_parameters, so a seed means the same draws
            param = register[name]
            if param.distribution == "fixed":
                continue
            if name not in hold and name in reads:
                self._starts[name] = (param, bit_generator.state)
            _skip(param, n, bit_generator)  # skipped even when held, so the other draws do not depend on `hold`
        self._kind = type(bit_generator)

    def __contains__(self, output) -> bool:
        return output in self.outputs

    def _checked(self, outputs) -> tuple:
        outputs = self.outputs if outputs is None else tuple(outputs)
        unknown = [str(k) for k in outputs if k not in self.outputs]
        if unknown:
            raise ValueError(
                f"not an output of the cost model with one value per draw: {', '.join(unknown)}; "
                f"choose from {', '.join(self.outputs)}"
            )
        return outputs

    def chunks(self, outputs=None):
        """The draws a chunk at a time, in order: ``(start, {output: values})``.

        Parameters
        ----------
        outputs : sequence of str, optional
            The outputs to give (default: all of :attr:`outputs`).

        Yields
        ------
        tuple of (int, dict of numpy.ndarray)
            The chunk's first draw and each output's float64 values for draws ``start`` to
            ``start + size``, ``size`` at most ``chunk_draws`` [each output's unit].

        Raises
        ------
        ValueError
            If an output is not one of :attr:`outputs`.
        """
        outputs = self._checked(outputs)
        streams = {
            name: (param, np.random.Generator(_bit_generator_at(self._kind, state)))
            for name, (param, state) in self._starts.items()
        }
        for start in range(0, self.n, self.chunk_draws):
            size = min(self.chunk_draws, self.n - start)
            part = dict(self._values)
            for name, (param, generator) in streams.items():
                part[name] = sample_parameter(param, size, generator)
            out = cost_model(part, self._data)
            yield start, {k: np.broadcast_to(np.asarray(out[k], dtype=float), (size,)) for k in outputs}

    def draws(self, outputs=None) -> dict:
        """Whole arrays of draws of ``outputs``: ``8 n`` bytes each.

        Parameters
        ----------
        outputs : sequence of str, optional
            The outputs to keep (default: all of :attr:`outputs`, as :func:`monte_carlo`).

        Returns
        -------
        dict of numpy.ndarray
            Output name -> its ``n`` float64 draws [the output's unit].

        Raises
        ------
        ValueError
            If an output is not one of :attr:`outputs`.
        """
        outputs = self._checked(outputs)
        kept = {k: np.empty(self.n) for k in outputs}
        for start, chunk in self.chunks(outputs):
            for k, v in chunk.items():
                kept[k][start : start + v.size] = v
        return kept

    def summarise(self, point: Mapping | None = None, keys=NAMED_COSTS, quantiles=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """:func:`summarise` of these draws, in one pass over the chunks and equal to it exactly.

        Each quantile is found exactly: the first :data:`PILOT_DRAWS` draws bound where it lies,
        and only the draws between those bounds are kept (a few percent of ``n``); in the rare
        case the bounds miss, wider ones are tried in another pass.

        Parameters
        ----------
        point, keys, quantiles
            As :func:`summarise`.

        Returns
        -------
        pandas.DataFrame
            As :func:`summarise` of :meth:`draws`.
        """
        keys = self._checked(keys)
        selectors = {k: _QuantileSelector(self.n, quantiles) for k in keys}
        points = {k: float(point[k]) for k in keys} if point is not None else {}
        below, equal = dict.fromkeys(points, 0), dict.fromkeys(points, 0)
        pending, first = dict(selectors), True
        while pending:
            for selector in pending.values():
                selector.begin_pass()
            for _, chunk in self.chunks(keys if first else list(pending)):
                for k, selector in pending.items():
                    selector.add(chunk[k])
                for k in points if first else ():
                    below[k] += int(np.count_nonzero(chunk[k] < points[k]))
                    equal[k] += int(np.count_nonzero(chunk[k] == points[k]))
            first = False
            for selector in pending.values():
                selector.finish()
            pending = {k: s for k, s in pending.items() if not s.found()}
            for selector in pending.values():  # the pilot's bounds missed a rank: wider ones, another pass
                selector.widen()
        rows = {k: selectors[k].quantiles() for k in keys}
        table = pd.DataFrame(rows, index=[f"p{round(q * 100):02d}" for q in quantiles]).T
        if point is not None:
            table["point"] = [points[k] for k in keys]
            table["point_percentile"] = [float((below[k] + 0.5 * equal[k]) / self.n) for k in keys]
        return table

    def shares(self, predicates: Mapping) -> dict:
        """Share of the draws in which each predicate holds, in one pass over the chunks.

        Parameters
        ----------
        predicates : mapping
            Name -> ``(output, predicate)``: ``predicate(values)`` gives a bool per draw of
            ``output`` (elementwise, as :func:`analysis.claims.holds`).

        Returns
        -------
        dict of float
            Name -> share of the ``n`` draws in which the predicate holds [0-1]; equal to
            ``numpy.mean(predicate(draws))`` over the whole array.

        Raises
        ------
        ValueError
            If an output is not one of :attr:`outputs`.
        """
        outputs = self._checked(dict.fromkeys(output for output, _ in predicates.values()))
        counts = dict.fromkeys(predicates, 0)
        for _, chunk in self.chunks(outputs):
            for name, (output, predicate) in predicates.items():
                counts[name] += int(np.count_nonzero(predicate(chunk[output])))
        return {name: counts[name] / self.n for name in predicates}


class _QuantileSelector:
    """Exact quantiles of ``n`` values seen a chunk at a time, as :func:`numpy.quantile` (linear) gives them.

    :func:`numpy.quantile` interpolates between order statistics (the values of given ranks).
    The first :data:`PILOT_DRAWS` values (all of them, if fewer) bound each needed rank between
    two of their own values; a pass over all the values counts those below each lower bound and
    those equal to each bound, and keeps only those strictly between, so each rank is read off
    exactly. If a rank falls outside its bounds (:meth:`found` is False; chance about 1e-15),
    :meth:`widen` them and pass over the values again. Any NaN makes every quantile NaN, as in numpy.
    """

    def __init__(self, n: int, quantiles):
        self.n, q = n, np.asanyarray(quantiles, dtype=float)
        virtual = (n - 1) * q  # numpy's virtual index for the linear method, and its neighbours
        previous = np.floor(virtual)
        following = previous + 1
        previous[virtual >= n - 1], following[virtual >= n - 1] = -1, -1
        previous[virtual < 0], following[virtual < 0] = 0, 0
        self.previous, self.following = previous.astype(np.intp) % n, following.astype(np.intp) % n
        self.gamma = virtual - previous  # numpy's weights, from its indexes (-1 above the last)
        self.ranks = sorted({int(r) for r in (*self.previous, *self.following)})
        self.standard_errors = PILOT_STANDARD_ERRORS
        self.pilot, self.sorted_pilot = [], None

    def widen(self) -> None:
        """Bounds more than four times as wide for the next pass."""
        self.standard_errors = 4 * self.standard_errors + 1

    def begin_pass(self) -> None:
        """Forget the last pass's counts; bounds come from the pilot (drawn again on the first pass)."""
        self.windows, self.nans = None, 0
        if self.sorted_pilot is not None:
            self._set_windows()

    def _set_windows(self) -> None:
        pilot, m = self.sorted_pilot, self.sorted_pilot.size
        windows = []
        for r in self.ranks:
            if m >= self.n:  # the pilot is every value: keep them all
                windows.append((-np.inf, np.inf))
                continue
            share = r / (self.n - 1)
            centre = share * (m - 1)
            half = self.standard_errors * (math.sqrt(m * share * (1 - share)) + 1)
            lo, hi = math.floor(centre - half), math.ceil(centre + half)
            windows.append((pilot[lo] if lo >= 0 else -np.inf, pilot[hi] if hi < m else np.inf))
        self.windows = []  # merged where they overlap: [lower, upper]
        for lower, upper in sorted(windows):
            if self.windows and lower <= self.windows[-1][1]:
                self.windows[-1][1] = max(self.windows[-1][1], upper)
            else:
                self.windows.append([lower, upper])
        self.below = [0] * len(self.windows)  # values below each window's lower bound
        self.at_lower = [0] * len(self.windows)
        self.at_upper = [0] * len(self.windows)
        self.inside = [[] for _ in self.windows]  # values strictly between the bounds, sorted by finish()

    def add(self, values: np.ndarray) -> None:
        """Count one chunk of values (the first ones fill the pilot)."""
        if self.windows is None:
            self.pilot.append(np.array(values))
            if sum(p.size for p in self.pilot) < min(self.n, PILOT_DRAWS):
                return
            self.sorted_pilot = np.sort(np.concatenate(self.pilot))
            self._set_windows()
            values, self.pilot = self.sorted_pilot, []  # the pilot's values, in any order, are counted like the rest
        self.nans += int(np.count_nonzero(np.isnan(values)))
        for i, (lower, upper) in enumerate(self.windows):
            self.below[i] += int(np.count_nonzero(values < lower))
            self.at_lower[i] += int(np.count_nonzero(values == lower))
            if upper != lower:
                self.at_upper[i] += int(np.count_nonzero(values == upper))
            kept = values[(values > lower) & (values < upper)]
            if kept.size:
                self.inside[i].append(kept)

    def finish(self) -> None:
        """End a pass: sort the values kept between each window's bounds."""
        self.inside = [np.sort(np.concatenate(parts)) if parts else np.empty(0) for parts in self.inside]

    def _value_of_rank(self, rank: int):
        """The value of rank ``rank`` among all the values (0: the smallest), or None if no window holds it."""
        for (lower, upper), below, at_lower, inside, at_upper in zip(
            self.windows, self.below, self.at_lower, self.inside, self.at_upper, strict=True
        ):
            offset = rank - below
            if 0 <= offset < at_lower:
                return lower
            if at_lower <= offset < at_lower + inside.size:
                return inside[offset - at_lower]
            if at_lower + inside.size <= offset < at_lower + inside.size + at_upper:
                return upper
        return None

    def found(self) -> bool:
        """Whether every rank needed fell inside its window on the last pass."""
        return bool(self.nans) or all(self._value_of_rank(r) is not None for r in self.ranks)

    def quantiles(self) -> np.ndarray:
        """The quantiles, equal bit for bit to :func:`numpy.quantile` of all the values [their unit]."""
        if self.nans:
            return np.full(self.gamma.shape, np.nan)
        a = np.array([self._value_of_rank(int(r)) for r in self.previous], dtype=float)
        b = np.array([self._value_of_rank(int(r)) for r in self.following], dtype=float)
        t = self.gamma
        difference = b - a  # numpy's _lerp, step by step
        out = a + difference * t
        return np.where(t >= 0.5, b - difference * (1 - t), out)


def monte_carlo(
    register: Mapping, values: Mapping, data: ModelData, n: int = 100_000, rng=None, hold=(), outputs=None
) -> dict:
    """The cost model over ``n`` joint draws of the ranged parameters, as whole arrays.

    Memory: ``8 n`` bytes per output kept (80 MB per output at 10,000,000 draws); name the
    ``outputs`` the caller needs, or summarise a :class:`MonteCarlo` instead, which keeps a
    few chunks whatever ``n``.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is drawn, between its ``low`` and ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; fixed and held parameters keep them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    n : int, default 100_000
        Number of draws.
    rng : numpy.random.Generator or int, optional
        Random source or seed; the same seed gives the same draws.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than drawn (e.g. those a
        reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.
    outputs : sequence of str, optional
        The outputs to keep (default: every output of :func:`analysis.costs.cost_model` with
        one value per draw; per-GPU-type outputs are left out).

    Returns
    -------
    dict of numpy.ndarray
        Output name -> its ``n`` float64 draws [the output's unit]. The draws are those of
        :func:`sample_parameters` with the same seed, and the model is evaluated
        :data:`CHUNK_DRAWS` at a time; any chunk size gives the same values.

    Raises
    ------
    ValueError
        If ``n`` is below 1 or an output is not one of the model's per-draw outputs.
    """
    return MonteCarlo(register, values, data, n=n, rng=rng, hold=hold).draws(outputs)


def point_percentile(draws, point) -> float:
    """Where a point value falls among draws: the share of draws below it (ties count half) [0-1].

    Parameters
    ----------
    draws : array_like
        Draws of a quantity [its unit].
    point : float
        The quantity's point value [the same unit].

    Returns
    -------
    float
        Share of the draws below ``point``, ties counting half [0-1].

    Examples
    --------
    >>> point_percentile(np.arange(100.0), 49.5), point_percentile([1.0, 2.0, 2.0, 3.0], 2.0)
    (0.5, 0.5)
    """
    draws = np.asarray(draws, dtype=float)
    return float((np.sum(draws < point) + 0.5 * np.sum(draws == point)) / draws.size)


def summarise(
    draws: Mapping, point: Mapping | None = None, keys=NAMED_COSTS, quantiles=(0.05, 0.5, 0.95)
) -> pd.DataFrame:
    """Quantiles of the named costs (rows) at ``quantiles`` (columns ``p05``, ``p50``, ``p95``).

    With ``point`` (the model at the run's parameters), a column ``point`` and a column
    ``point_percentile`` (:func:`point_percentile`) are added.

    Parameters
    ----------
    draws : mapping or MonteCarlo
        Output name -> array of its Monte Carlo draws (:func:`monte_carlo`), or a
        :class:`MonteCarlo`, summarised chunk by chunk (:meth:`MonteCarlo.summarise`) with the
        same result.
    point : mapping, optional
        Output name -> its value at the run's parameters (:func:`analysis.costs.cost_model`).
    keys : sequence of str, default :data:`analysis.costs.NAMED_COSTS`
        The outputs to summarise, one row each.
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        The quantiles to take [0-1]; column ``p05`` is the 0.05 quantile, and so on.

    Returns
    -------
    pandas.DataFrame
        One row per output of ``keys``, one column per quantile [each output's unit]; with
        ``point``, also ``point`` [each output's unit] and ``point_percentile`` [0-1].
    """
    if isinstance(draws, MonteCarlo):
        return draws.summarise(point, keys=keys, quantiles=quantiles)
    rows = {k: np.quantile(np.asarray(draws[k]), quantiles) for k in keys}
    table = pd.DataFrame(rows, index=[f"p{round(q * 100):02d}" for q in quantiles]).T
    if point is not None:
        table["point"] = [float(point[k]) for k in keys]
        table["point_percentile"] = [point_percentile(draws[k], float(point[k])) for k in keys]
    return table


def tornado(register: Mapping, values: Mapping, data: ModelData, output: str, hold=()) -> pd.DataFrame:
    """One-at-a-time sensitivity: ``output`` with each ranged parameter at its low and at its high.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is set in turn to its ``low`` and its ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; all other parameters stay at them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    output : str
        Name of an output of :func:`analysis.costs.cost_model` with one value per draw.
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than moved to their
        ends (e.g. those a reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.

    Returns
    -------
    pandas.DataFrame
        One row per parameter that moves ``output``: ``low``, ``high``, ``at_low``, ``at_high``
        and ``swing`` (|at_high - at_low|), largest swing first; ``baseline`` in ``attrs``.
    """
    base = float(cost_model(values, data)[output])
    hold = _held(hold)
    names = [n for n, p in register.items() if p.distribution != "fixed" and n not in hold]
    if names:  # one vectorised call: row 2i has parameter i at its low end, row 2i + 1 at its high end
        batch = {k: v for k, v in values.items()}
        for i, name in enumerate(names):
            column = np.full(2 * len(names), float(values[name]))
            column[2 * i], column[2 * i + 1] = register[name].low, register[name].high
            batch[name] = column
        costs = np.broadcast_to(cost_model(batch, data)[output], (2 * len(names),))
    rows = []
    for i, name in enumerate(names):
        at_low, at_high = float(costs[2 * i]), float(costs[2 * i + 1])
        if at_low != base or at_high != base:
            rows.append(
                {
                    "parameter": name,
                    "low": register[name].low,
                    "high": register[name].high,
                    "at_low": at_low,
                    "at_high": at_high,
                    "swing": abs(at_high - at_low),
                }
            )
    columns = ["parameter", "low", "high", "at_low", "at_high", "swing"]
    table = (
        pd.DataFrame(rows, columns=columns).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    )
    table.attrs["baseline"] = base
    return table


def development_bridge(costs: Mapping) -> pd.DataFrame:
    """Steps from V3's final run to the cost of developing V3 and R1; each step is one component of the model.

    Parameters
    ----------
    costs : mapping
        Outputs of :func:`analysis.costs.cost_model` at scalar parameters: at least
        ``cost_final_run_usd``, ``r1_rl_usd``, ``experiments_usd``, ``research_staff_usd``
        and ``cost_development_usd`` [USD].

    Returns
    -------
    pandas.DataFrame
        ``step``, ``usd`` and ``sources`` (source ids of ``data/sources.csv``); the last row is the
        total, as the model computed it, with the sources of all its steps.
    """
    steps = [
        ("V3's final run (Table 1)", "cost_final_run_usd", "deepseek-v3-report"),
        ("R1's reinforcement learning", "r1_rl_usd", "deepseek-r1-nature-2025"),
        ("experiments and ablations", "experiments_usd", "cottier-2024-rising-costs; epoch-2026-final-runs-minority"),
        (
            "staff's time on V3 and R1",
            "research_staff_usd",
            "qbitai-2025-deepseek-job-ads; semianalysis-2025-deepseek-debates; assumption",
        ),
    ]
    return _bridge(costs, steps, ("cost of developing V3 and R1", "cost_development_usd"))


def company_year_bridge(costs: Mapping) -> pd.DataFrame:
    """A year of the company: the shared fleet's yearly cost of ownership by use of its compute, plus the staff.

    The fleet's cost is allocated in proportion to its H800-equivalent GPU-hours by use
    (:func:`analysis.allocation.gpu_hours_by_use`).

    Parameters
    ----------
    costs : mapping
        Outputs of :func:`analysis.costs.cost_model` at scalar parameters: at least
        ``fleet_cost_per_year_<use>_usd`` for each use of :data:`analysis.allocation.USES`,
        ``research_staff_usd_per_year`` and ``company_cost_per_year_usd`` [USD/year].

    Returns
    -------
    pandas.DataFrame
        ``step``, ``usd`` [USD/year] and ``sources`` (source ids of ``data/sources.csv``);
        the last row is the total, as the model computed it, with the sources of all its steps.
    """
    steps = [
        (
            "fleet: V3 and R1 final runs",
            "fleet_cost_per_year_training_usd",
            "deepseek-v3-report; deepseek-r1-nature-2025",
        ),
        (
            "fleet: experiments",
            "fleet_cost_per_year_experiments_usd",
            "cottier-2024-rising-costs; epoch-2026-final-runs-minority",
        ),
        ("fleet: serving V3 and R1", "fleet_cost_per_year_serving_usd", "deepseek-open-infra-day6"),
        (
            "fleet: High-Flyer's own use",
            "fleet_cost_per_year_high_flyer_usd",
            "semianalysis-2025-deepseek-debates; assumption",
        ),
        ("fleet: no disclosed use", "fleet_cost_per_year_unallocated_usd", "semianalysis-2025-deepseek-debates"),
        (
            "DeepSeek's staff",
            "research_staff_usd_per_year",
            "qbitai-2025-deepseek-job-ads; semianalysis-2025-deepseek-debates",
        ),
    ]
    return _bridge(costs, steps, ("a year of the shared fleet and DeepSeek's staff", "company_cost_per_year_usd"))


def _bridge(costs: Mapping, steps, total) -> pd.DataFrame:
    rows = [{"step": label, "usd": float(costs[key]), "sources": src} for label, key, src in steps]
    every = dict.fromkeys(s.strip() for _, _, src in steps for s in src.split(";"))  # the total's: all of its steps'
    rows.append({"step": total[0], "usd": float(costs[total[1]]), "sources": "; ".join(every)})
    return pd.DataFrame(rows)


def deciding_parameter(
    register: Mapping, values: Mapping, data: ModelData, output: str, predicate, hold=(), iterations: int = 40
):
    """The ranged parameter whose range decides whether ``predicate(output)`` holds, and its break-even value.

    Each ranged parameter not held is set to the low and to the high end of its range, the
    others at ``values``. Among those that flip the predicate between the two ends, the one
    that moves ``output`` most decides; its break-even value is found by bisection.

    Parameters
    ----------
    register : mapping of str to analysis.params.Parameter
        The assumptions register, by parameter name; each parameter whose distribution is
        not ``fixed`` is set in turn to its ``low`` and its ``high``.
    values : mapping
        The run's parameter values (baseline, scenario and overrides), by name [each
        parameter's unit]; all other parameters stay at them.
    data : ModelData
        What the cost model takes from ``data/`` (:class:`analysis.costs.ModelData`).
    output : str
        Name of an output of :func:`analysis.costs.cost_model` with one value per draw.
    predicate : callable
        ``predicate(value)``, whether a value of ``output`` bears the claim out (truthy or not).
    hold : iterable of str, default ()
        Names of parameters kept at their value in ``values`` rather than moved to their
        ends (e.g. those a reader set with ``-p`` or a scenario); holding one of a group of
        :data:`HELD_TOGETHER` holds the whole group.
    iterations : int, default 40
        Bisection steps; each halves the interval around the break-even.

    Returns
    -------
    tuple or None
        ``(label, break_even, unit, side)``: the parameter in words (its register label, or its
        name), its break-even value and unit, and ``side``, ``"above"`` or ``"below"``: the
        predicate holds when the parameter is on that side of the break-even. None when no
        single parameter flips it.
    """
    table = tornado(register, values, data, output, hold=hold)
    for row in table.itertuples():
        at_low, at_high = bool(predicate(row.at_low)), bool(predicate(row.at_high))
        if at_low == at_high:
            continue
        lo, hi = float(row.low), float(row.high)
        for _ in range(iterations):  # the predicate at `lo` stays at_low, at `hi` stays at_high
            mid = (lo + hi) / 2
            if bool(predicate(cost_model({**values, row.parameter: mid}, data)[output])) == at_low:
                lo = mid
            else:
                hi = mid
        p = register[row.parameter]
        return getattr(p, "label", "") or row.parameter, (lo + hi) / 2, p.unit, "above" if at_high else "below"
    return None
