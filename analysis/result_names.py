"""Say what a name is when a run tries to set something that is not a parameter.

``-p mfu 0.5`` or ``-p cost_development_usd 1e8`` asks to set a result. Such a name is refused
by :func:`analysis.params.not_a_parameter_error` in one line that says it is a result, which step
computes it, which data files hold its sources and which parameters move it (its
``depends_on``), so the user knows what to change instead. The steps are run at the baseline
(step 6 with the smallest Monte Carlo the register allows) only when a name is not a parameter.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from . import params as _params
from . import paths as _paths

#: Data files that hold no inputs of a result: the register (parameters), the bibliography and the claims judged.
NOT_INPUTS = ("assumptions.csv", "sources.csv", "claims.csv", "verdict_rules.csv", "glossary.csv")


@lru_cache(maxsize=4)
def _step_numbers(data_dir: str | None) -> dict[str, tuple[int, object]]:
    """Every number of the six steps at the baseline: id -> (step, :class:`analysis.steps.Number`)."""
    from . import steps

    register = _params.load_register(data_dir)
    values = steps.run_values({"monte_carlo_draws": int(register["monte_carlo_draws"].bounds.lower)}, data_dir)
    inputs = steps.Inputs.load(data_dir)
    return {
        n.id: (step, n) for step, function in steps.STEPS.items() for n in function(values, inputs).numbers.values()
    }


def data_files_citing(source_ids, data_dir: Path | str | None = None) -> list[str]:
    """The data files (``data/NAME.csv``) with rows citing ``source_ids``: most of those ids cited first, then by name.

    >>> "data/training_runs.csv" in data_files_citing(["deepseek-v3-report"])
    True
    """
    wanted, cited = set(source_ids), {}
    for path in sorted((Path(data_dir) if data_dir is not None else _paths.DATA_DIR).glob("*.csv")):
        if path.name in NOT_INPUTS:
            continue
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f)
            if "source_ids" not in (rows.fieldnames or ()):
                continue
            ids = set().union(*({s.strip() for s in (row["source_ids"] or "").split(";")} for row in rows))
        if wanted & ids:
            cited[f"data/{path.name}"] = len(wanted & ids)
    return sorted(cited, key=lambda name: (-cited[name], name))


def matching_results(name: str, ids) -> list[str]:
    """Result ids that are ``name`` or contain it as whole words (``mfu`` -> ``v3_mfu_bf16``), in order.

    >>> matching_results("mfu", ["v3_mfu_bf16", "v3_mfu_fp8", "mfus"])
    ['v3_mfu_bf16', 'v3_mfu_fp8']
    """
    if name in ids:
        return [name]
    if not re.fullmatch(r"[a-z0-9_]+", name):
        return []
    words = re.compile(rf"(^|_){re.escape(name)}(_|$)")
    return [i for i in ids if words.search(i)]


def result_error(name: str, data_dir: Path | str | None = None) -> _params.ParameterError | None:
    """The one-line refusal of ``name`` if it is a result of a step or an output of the cost model, else None.

    Examples
    --------
    >>> print(result_error("mfu"))  # doctest: +ELLIPSIS
    mfu is a result, not a parameter: step 3 computes it (v3_mfu_bf16, v3_mfu_fp8: V3 pre-training MFU ...
    >>> result_error("not_a_thing") is None
    True
    """
    key = str(Path(data_dir).resolve()) if data_dir is not None else None
    try:
        numbers = _step_numbers(key)
    except (ValueError, KeyError):  # data the steps cannot run on: the name is then only an unknown one
        return None
    matches = matching_results(name, list(numbers))
    if matches:
        step, number = numbers[matches[0]]
        ids = ", ".join(matches[:3]) + (" and more" if len(matches) > 3 else "")
        files = data_files_citing(number.sources, data_dir)
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        moved = (
            f"the parameters {', '.join(number.depends_on)}; set those instead"
            if number.depends_on
            else "no parameter (it rests on data alone); edit the data to change it"
        )
        return _params.ParameterError(
            f"{name} is a result, not a parameter: step {step} computes it ({ids}: {number.label}) from "
            f"{shown or 'the data in data/'} (the data files citing its sources) and {moved}"
        )
    from . import model as _model

    outputs = _model.evaluate(_params.resolve_parameters(_params.load_register(data_dir)), data_dir=data_dir)
    if name in outputs:
        drivers = _model.drivers(name, data_dir=data_dir)
        moved = f"the parameters {', '.join(drivers)}; set those instead" if drivers else "no parameter"
        return _params.ParameterError(
            f"{name} is a result, not a parameter: the cost model (analysis.costs.cost_model) computes it from the "
            f"data files in data/ and {moved}"
        )
    return None
