"""Refuse parameter values that pass their type and bounds but make the cost model give inf or NaN,
or build a fleet too small for what DeepSeek has disclosed it does with it.

The runner calls :func:`check_model_outputs` while it plans a run, and so does
:func:`analysis.params.check_parameters` in a notebook's second cell, so a notebook run on its own
(papermill or JupyterLab, ``-p gpu_hour_price_usd 1e308``) refuses such a value in that cell, in
one line, rather than failing half-way through with an overflow.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from pathlib import Path

from . import data as _data
from . import params as _params


def _model_evaluator(data_dir: Path | str | None) -> Callable[[dict], dict]:
    """The model's named point outputs as a function of the parameter values (:func:`analysis.model.point_outputs`)."""
    from .model import point_outputs

    return lambda values: point_outputs(values, data_dir=data_dir)


def _non_finite(outputs: dict, reference: dict | None = None) -> list[tuple[str, str]]:
    """``(output name, "inf" or "nan")`` for each numeric output with a non-finite value where the
    reference outputs (the baseline's) are finite."""
    import numpy as np

    bad = []
    for name, value in outputs.items():
        try:
            array = np.asarray(value, dtype=float)
        except OverflowError:  # an int too large for a float
            bad.append((name, "inf"))
            continue
        except (TypeError, ValueError):
            continue  # not a number (a table, a label): not checked
        broken = ~np.isfinite(array)
        if reference is not None and name in reference:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                broken = broken & np.broadcast_to(np.isfinite(np.asarray(reference[name], dtype=float)), broken.shape)
        if broken.any():
            bad.append((name, "nan" if np.isnan(array[broken]).all() else "inf"))
    return bad


_OVERFLOW = "(overflow)"


def check_model_outputs(
    values: dict, data_dir: Path | str | None = None, register: dict[str, _params.Parameter] | None = None
) -> None:
    """Refuse values that pass their type and bounds but make the model give inf or NaN.

    The model's point outputs at ``values`` are compared with those at the baseline: an output
    that is finite at the baseline must be finite here. If one is not, each parameter that
    differs from its baseline is put back, one at a time, to find the one to blame.

    Raises
    ------
    ParameterError
        One line naming the parameter, its value, the output it breaks and the register's range, e.g.
        ``gpu_hour_price_usd = 1e+308 makes the cost model overflow (cost_final_run_usd is inf); use a
        value nearer the register's range 1.3 to 3.42``.
    """
    import warnings

    import numpy as np

    register = register if register is not None else _params.load_register(data_dir)
    evaluate = _model_evaluator(data_dir)
    baseline = {name: p.baseline for name, p in register.items()}

    def run(trial: dict) -> dict | None:
        """The outputs at ``trial``; None when the values break one of the model's own rules (checked below)."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return evaluate(trial)
            except OverflowError:  # a whole number too large for floating point
                return {_OVERFLOW: float("inf")}
            except ValueError:
                return None

    try:  # the run's own values: a rule between parameters (e.g. the Hopper total) is refused in its own words
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = evaluate(values)
    except OverflowError:
        outputs = {_OVERFLOW: float("inf")}
    except ValueError as err:
        raise _params.ParameterError(str(err).splitlines()[0]) from None
    reference = run({**values, **baseline})
    bad = _non_finite(outputs, reference)
    if not bad:
        check_fleet_fits(outputs)
        return
    output, kind = bad[0]
    changed = [n for n in sorted(values) if n in register and values[n] != register[n].baseline]
    culprits = [
        n
        for n in changed
        if (trial := run({**values, n: register[n].baseline})) is not None and not _non_finite(trial, reference)
    ]
    if not culprits:
        culprits = changed
    if not culprits:
        raise _data.DataError(
            f"the cost model gives {output} = {kind} at the baseline parameters; check the data files"
        )
    what = "overflow" if kind == "inf" else "give an undefined number"
    detail = "a number too large for floating point" if output == _OVERFLOW else f"{output} is {kind}"
    name = culprits[0]
    p = register[name]
    shown = f"{values[name]:g}" if isinstance(values[name], float) else _params.shown_value(values[name])
    others = (
        f" (with {', '.join(culprits[1:3])}{' and more' if len(culprits) > 3 else ''})" if len(culprits) > 1 else ""
    )
    hint = (
        f"use a value nearer the register's range {p.low:g} to {p.high:g}"
        if p.low is not None and p.high is not None
        else f"use a value nearer its baseline {p.baseline}"
    )
    raise _params.ParameterError(f"{name} = {shown}{others} makes the cost model {what} ({detail}); {hint}")


#: The disclosed uses of a year of the fleet's compute, as the refusal of an over-committed fleet names them.
FLEET_USES = {
    "training": "training",
    "experiments": "experiments",
    "serving": "serving",
    "high_flyer": "High-Flyer's share",
}
#: The parameters that set the fleet's size, and those that set how much of it the uses need.
FLEET_SIZE = ("h800_gpus", "h100_gpus", "hopper_gpus", "a100_gpus")
FLEET_NEEDS = ("experiment_compute_multiple", "development_years", "high_flyer_compute_share")


def check_fleet_fits(outputs: dict) -> None:
    """Refuse a fleet whose disclosed uses need more than all of its compute.

    Step 6 splits a year of the fleet's compute among the final training runs, the experiments
    around them, serving (Day 6's 1,814 H800 on average) and High-Flyer's own share; what is left is
    "unallocated". A negative remainder means the run's values describe a fleet that cannot do what
    DeepSeek has disclosed it did: the bridge would draw a negative "no disclosed use". Such a run is
    refused, not built with a warning (the Monte Carlo's draws may still produce such fleets; only a
    run's own values are checked).

    Parameters
    ----------
    outputs : dict
        The cost model's point outputs at the run's values (:func:`analysis.model.point_outputs`),
        with ``fleet_gpu_hours_share_<use>`` [0-1] and ``fleet_gpu_hours_capacity`` [H800-equivalent
        GPU-hours per year].

    Raises
    ------
    ParameterError
        One line naming each use's share and what would make the fleet fit, e.g. ``the fleet is
        over-committed: its disclosed uses need 136% of its compute (training 11%, experiments 27%,
        serving 89%, High-Flyer's share 10%); to fit, give it at least 6,989 H800-equivalent GPUs (it
        has 2,048; set h800_gpus, h100_gpus, hopper_gpus, a100_gpus), or need less
        (experiment_compute_multiple, development_years, high_flyer_compute_share)``.

    Examples
    --------
    >>> check_fleet_fits({"fleet_gpu_hours_share_unallocated": 0.2})  # 80% used: fits, nothing raised
    """
    from .units import HOURS_PER_YEAR

    unallocated = outputs.get("fleet_gpu_hours_share_unallocated")
    if unallocated is None or not unallocated < 0:  # fits (or an empty fleet's NaN, refused as non-finite)
        return
    shares = {use: float(outputs[f"fleet_gpu_hours_share_{use}"]) for use in FLEET_USES}
    capacity_gpus = float(outputs["fleet_gpu_hours_capacity"]) / HOURS_PER_YEAR
    disclosed = shares["training"] + shares["experiments"] + shares["serving"]  # of today's capacity
    high_flyer = shares["high_flyer"]
    named = ", ".join(f"{words} {shares[use]:.0%}" for use, words in FLEET_USES.items())
    if high_flyer < 1:
        needed_gpus = math.ceil(disclosed * capacity_gpus / (1 - high_flyer))
        bigger = (
            f"give it at least {needed_gpus:,} H800-equivalent GPUs (it has {capacity_gpus:,.0f}; "
            f"set {', '.join(FLEET_SIZE)}), or "
        )
    else:
        bigger = ""
    raise _params.ParameterError(
        f"the fleet is over-committed: its disclosed uses need {1 - unallocated:.0%} of its compute ({named}); "
        f"to fit, {bigger}need less ({', '.join(FLEET_NEEDS)})"
    )
