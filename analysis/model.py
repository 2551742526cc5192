"""The cost model at the boundary: its data from ``data/``, its parameters from a run.

:mod:`analysis.costs` is the model, pure and vectorised. This module feeds it: it turns
the data tables into the arrays the model takes (:func:`load_data`), gives a notebook
the run's full set of parameter values (:func:`run_values`), and evaluates the model
(:func:`evaluate`). Every step that needs a modelled number (step 1's CapEx, step 2's
cost of ownership, the owned H800-hour that steps 4 and 5 price with, step 6's costs)
gets it from :func:`evaluate` with the run's parameters, so a parameter changed for a
run moves every step that depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import costs as _costs
from . import data as _data
from . import fleet as _fleet
from . import params as _params
from . import serving as _serving


def load_data(data_dir: Path | str | None = None, server_choice: Mapping[str, str] | None = None) -> _costs.ModelData:
    """The data the cost model takes, as arrays in :data:`analysis.fleet.GPU_TYPES` order.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default ``data/``).
    server_choice : mapping, optional
        GPU type -> ``server_id`` of ``data/server_prices.csv`` to price that type with,
        instead of the row marked ``default_for_gpu_type``.

    Raises
    ------
    analysis.data.DataError
        A file breaks its schema, or a chosen server does not exist or is for another GPU type.
    """
    key = (
        str(Path(data_dir).resolve()) if data_dir is not None else None,
        tuple(sorted((server_choice or {}).items())),
    )
    return _load_data_cached(*key)


@lru_cache(maxsize=16)
def _load_data_cached(data_dir, server_choice) -> _costs.ModelData:
    gpus = _data.load_gpus(data_dir).set_index("gpu_type")
    servers = _data.load_server_prices(data_dir)
    runs = _data.load_training_runs(data_dir)
    vintages = _data.load_fleet_vintages(data_dir)
    published = _data.load_published_figures(data_dir).set_index("figure_id")["value"]
    types = list(_fleet.GPU_TYPES)
    missing = [t for t in types if t not in gpus.index]
    if missing:
        raise _data.DataError(f"data/gpus.csv: no row for GPU type {missing[0]}; the fleet has {', '.join(types)}")
    chosen = {}
    for t in types:
        server_id = dict(server_choice).get(t)
        if server_id is None:
            server_id = servers.index[(servers["gpu_type"] == t) & servers["default_for_gpu_type"]][0]
        elif server_id not in servers.index or servers.loc[server_id, "gpu_type"] != t:
            raise _data.DataError(f"data/server_prices.csv: no server {server_id!r} for GPU type {t}")
        chosen[t] = servers.loc[server_id]
    day6_revenue = _day6_revenue(data_dir, published)
    per_gpu = lambda column: np.array([chosen[t][column] / chosen[t]["gpus_per_server"] for t in types], dtype=float)  # noqa: E731
    return _costs.ModelData(
        gpu_types=tuple(types),
        architectures=tuple(gpus.loc[types, "architecture"]),
        tdp_w=gpus.loc[types, "tdp_w"].to_numpy(dtype=float),
        dense_bf16_tflops=gpus.loc[types, "dense_bf16_tflops"].to_numpy(dtype=float),
        gpu_price_usd=gpus.loc[types, "gpu_price_base_usd"].to_numpy(dtype=float),
        server_price_usd_per_gpu=per_gpu("server_price_usd"),
        server_price_cny_per_gpu=per_gpu("server_price_cny"),
        includes_network=np.array([bool(chosen[t]["includes_cluster_network"]) for t in types]),
        purchase_year=np.array([_costs.decimal_year(vintages.loc[t, "acquired_date"]) for t in types]),
        v3_gpu_hours=float(runs.loc[runs["in_v3_table_1"], "gpu_hours"].sum()),
        r1_gpu_hours=float(runs.loc[runs["model"] == "DeepSeek-R1", "gpu_hours"].sum()),
        serving_gpus=float(published["day6_average_nodes"] * published["day6_gpus_per_node"]),
        day6_revenue_usd=day6_revenue,
        gpus_per_node=int(published["day6_gpus_per_node"]),
        measured_output_tokens_per_s_per_node=float(published["day6_decode_tokens_per_s_node"]),
        day6_output_tokens=float(published["day6_output_tokens"]),
        semianalysis_gpus=_fleet.fleet_gpus(
            hopper_gpus=published["sa_hopper_gpus"],
            h800_gpus=published["sa_h800_gpus"],
            h100_gpus=published["sa_h100_gpus"],
            a100_gpus=published["sa_a100_gpus"],
        ).astype(float),
        decode=_decode_data(data_dir, gpus.loc["H800"], int(published["day6_gpus_per_node"])),
    )


def _decode_data(data_dir, h800, gpus_per_node: int) -> _costs.DecodeData:
    """Step 4's roofline inputs: V3's attention and its GQA-8 twin (DeepSeek 67B's KV heads), one H800 node."""
    configs = _data.load_architectures(data_dir)["config"]
    v3 = _data.load_models(data_dir).set_index("model").loc["DeepSeek-V3"]
    return _costs.DecodeData(
        mla=configs["DeepSeek-V3"],
        gqa8=configs["DeepSeek-V3"].as_kind("gqa", kv_heads=configs["DeepSeek-LLM-67B"].kv_heads),
        node=_serving.Instance.from_gpu(h800, nodes=1, gpus_per_node=gpus_per_node),
        total_params=float(v3["total_b_params"]) * 1e9,
        activated_params=float(v3["activated_b_params"]) * 1e9,
    )


def unit_price_ratios(usd_cny_rate: float, data_dir: Path | str | None = None) -> dict:
    """The range each GPU type's sourced prices span, relative to the quote a run uses by default.

    For each type with a unit-price factor (:data:`analysis.costs.UNIT_PRICE_FACTORS`): every server
    quote of ``data/server_prices.csv`` per GPU over the default quote, and the GPU-only low and
    high prices of ``data/gpus.csv`` over its base price. The register's factor ranges are these
    (``tests/test_costs.py``).

    Parameters
    ----------
    usd_cny_rate : float
        Yuan per US dollar, for quotes in yuan [CNY/USD].
    data_dir : path, optional
        The data folder (default ``data/``).

    Returns
    -------
    dict
        GPU type -> ``(low, high)`` [-].
    """
    gpus = _data.load_gpus(data_dir).set_index("gpu_type")
    servers = _data.load_server_prices(data_dir)
    per_gpu = (
        servers["server_price_usd"].fillna(servers["server_price_cny"] / usd_cny_rate) / servers["gpus_per_server"]
    )
    out = {}
    for gpu_type in _costs.UNIT_PRICE_FACTORS:
        rows = servers["gpu_type"] == gpu_type
        default = float(per_gpu[rows & servers["default_for_gpu_type"]].iloc[0])
        row = gpus.loc[gpu_type]
        ratios = [
            *(per_gpu[rows] / default).tolist(),
            row["gpu_price_low_usd"] / row["gpu_price_base_usd"],
            row["gpu_price_high_usd"] / row["gpu_price_base_usd"],
        ]
        out[gpu_type] = (float(min(ratios)), float(max(ratios)))
    return out


def _day6_revenue(data_dir, published) -> dict:
    """The Day-6 tokens priced at R1's and V3's standard and off-peak prices in force that day.

    Also DeepSeek's own figure.
    """
    from . import pricing as _pricing

    prices = _pricing.prices_as_of(_data.load_api_prices(data_dir), _pricing.DAY6_DATE)
    hit, total_in, out = (
        published["day6_input_cache_hit_tokens"],
        published["day6_input_tokens"],
        published["day6_output_tokens"],
    )
    revenue = {"published": float(published["day6_revenue_usd"])}
    for key, model_name in (("r1", "deepseek-reasoner (R1)"), ("v3", "deepseek-chat (V3)")):
        row = prices.loc[model_name]
        for suffix, prefix in (("", ""), ("_offpeak", "offpeak_")):
            revenue[key + suffix] = float(
                _pricing.token_revenue_usd(
                    hit,
                    total_in - hit,
                    out,
                    row[f"{prefix}input_cache_hit_usd_per_m_tokens"],
                    row[f"{prefix}input_cache_miss_usd_per_m_tokens"],
                    row[f"{prefix}output_usd_per_m_tokens"],
                )["total_usd"]
            )
    return revenue


def run_values(checked: Mapping[str, Any], data_dir: Path | str | None = None) -> dict[str, Any]:
    """Every parameter of the register at this run's value: a notebook's own (``checked``) and the rest at baseline.

    ``checked`` is what :func:`analysis.params.check_parameters` returned for the notebook.
    A notebook declares every parameter its numbers depend on, so the runner passes it the
    run's value of each; the others do not move its results and stay at their baselines.
    """
    return _params.resolve_parameters(_params.load_register(data_dir), checked)


def evaluate(
    values: Mapping[str, Any], data: _costs.ModelData | None = None, data_dir: Path | str | None = None
) -> dict:
    """The cost model (:func:`analysis.costs.cost_model`) at a run's values.

    Scalars come back as Python floats, per-type arrays as arrays.
    """
    out = _costs.cost_model(values, data if data is not None else load_data(data_dir))
    return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in out.items()}


def point_outputs(values: Mapping[str, Any], data_dir: Path | str | None = None) -> dict:
    """The model's outputs at a run's values, for the runner's check that every number it publishes is finite.

    Per-type outputs are given one entry per GPU type the fleet has (``name[H800]``): a type with no
    GPUs has no owned cost per GPU-hour, and that is not an error.

    Raises
    ------
    ValueError
        The values break one of the model's rules between parameters (e.g. more H800s and H100s
        than Hopper GPUs), in one line.
    """
    data = load_data(data_dir)
    out = evaluate(values, data)
    present = np.asarray(out["gpus_by_type"]) > 0
    flat = {k: v for k, v in out.items() if not k.endswith("_by_type")}
    for key, value in out.items():
        if key.endswith("_by_type"):
            for gpu_type, has, item in zip(data.gpu_types, present, np.asarray(value, dtype=float), strict=True):
                if has:
                    flat[f"{key}[{gpu_type}]"] = float(item)
    return flat


def per_type(values: np.ndarray, data: _costs.ModelData | None = None):
    """A per-type array as a :class:`pandas.Series` indexed by GPU type (for tables)."""
    import pandas as pd

    data = data if data is not None else load_data()
    return pd.Series(np.asarray(values, dtype=float), index=list(data.gpu_types))


def drivers(output: str, values: Mapping[str, Any] | None = None, data_dir: Path | str | None = None) -> list[str]:
    """The parameters that move ``output`` of the cost model at ``values`` (default: the baselines).

    Each parameter is set in turn to other values it may take (its range's ends, the other
    allowed methods, a date a year later, or a tenth more), the model is evaluated, and the
    parameter counts as a driver if the output changes. A notebook that records ``output``
    must declare every driver, so that a run's value of each reaches it (a test checks).
    """
    register = _params.load_register(data_dir)
    values = dict(values) if values is not None else _params.resolve_parameters(register)
    data = load_data(data_dir)
    base = evaluate(values, data)[output]
    moved = []
    for name, p in register.items():
        trials = _params.trial_values(p, values[name])
        for trial in trials:
            try:
                changed = evaluate({**values, name: trial}, data)[output]
            except (ValueError, KeyError):
                continue
            if not np.array_equal(np.asarray(changed), np.asarray(base)):
                moved.append(name)
                break
    return moved


def verdict_legend(data_dir: Path | str | None = None):
    """What each verdict of the claims ledger means, with the shares of draws of ``data/verdict_rules.csv``.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default ``data/``).

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.claims.verdict_legend`: columns ``verdict`` and ``meaning``.
    """
    from . import claims as _claims

    return _claims.verdict_legend(_data.load_verdict_rules(data_dir))


def claims_ledger(
    values: Mapping[str, Any],
    results: Mapping[str, Mapping],
    data_dir: Path | str | None = None,
    draws: Mapping[str, np.ndarray] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
):
    """The claims ledger with every verdict computed: from the run's results and, for claims on the ``draws``
    basis, from the Monte Carlo of the run's parameters (the same draws as step 6: its size and seed).

    Parameters held by the run (set by ``-p`` or a scenario) are held in the draws, as in step 6.

    Parameters
    ----------
    values : mapping
        The run's value of every parameter (:func:`run_values`).
    results : mapping
        Results id -> ``{"value", "unit", "label"}``: the steps' numbers (the runner's collected
        results, or :func:`analysis.steps.claim_results` of ``values``).
    data_dir : path, optional
        The data folder (default ``data/``).
    draws : mapping or analysis.uncertainty.MonteCarlo, optional
        The Monte Carlo of ``values`` already drawn (:class:`analysis.uncertainty.MonteCarlo`, or the
        arrays of :func:`analysis.uncertainty.monte_carlo`, with ``values["monte_carlo_draws"]`` and
        ``values["random_seed"]``, the run's parameters held); without it, a MonteCarlo is made here.
    ranges : mapping, optional
        Ranges the run gives ranged parameters (name -> (low, high), :func:`analysis.params.check_ranges`):
        their draws, and the search for the parameter a verdict rests on, use them instead of the register's.

    Returns
    -------
    pandas.DataFrame
        One row per claim, as :func:`analysis.claims.evaluate`, with ``computed_unit`` (the unit of
        ``computed_value``) and ``url`` (the first source's address).
    """
    from . import claims as _claims
    from . import uncertainty as _uncertainty

    register = _params.ranged_register(_params.load_register(data_dir), ranges or {})
    data = load_data(data_dir)
    held = sorted(_params.differs_from_baseline(register, values))
    if draws is None:
        draws = _uncertainty.MonteCarlo(  # counted chunk by chunk: memory stays small whatever the draws
            register, values, data, n=int(values["monte_carlo_draws"]), rng=int(values["random_seed"]), hold=held
        )

    def decider(output, predicate):
        return _uncertainty.deciding_parameter(register, values, data, output, predicate, hold=held)

    ledger = _claims.evaluate(
        _data.load_claims(data_dir),
        results,
        draws=draws,
        thresholds=_data.load_verdict_rules(data_dir),
        decider=decider,
    )
    ledger["computed_unit"] = [
        results[r]["unit"] if v is not None and v == v else None
        for r, v in zip(ledger["result_id"], ledger["computed_value"], strict=True)
    ]
    urls = _data.load_sources(data_dir).set_index("id")["url"]
    ledger["url"] = [urls.get(ids[0]) or "" for ids in ledger["source_ids"]]
    return ledger
