"""analysis: the helper package of the research report "DeepSeek's true cost".

Model modules hold pure functions (numbers or arrays in, numbers, arrays or small
frames out; no I/O): :mod:`analysis.fleet` (step 1), :mod:`analysis.tco` (step 2),
:mod:`analysis.training` (step 3), :mod:`analysis.kvcache` and
:mod:`analysis.serving` (step 4), :mod:`analysis.pricing` (step 5),
:mod:`analysis.allocation`, :mod:`analysis.uncertainty` and :mod:`analysis.claims`
(step 6), :mod:`analysis.methods` (published methods as tables) and
:mod:`analysis.costs`, the one cost model that composes them; constants and unit
conversions live in :mod:`analysis.units` and number formatting in
:mod:`analysis.formatting`. Boundary modules do the rest: :mod:`analysis.paths` (the
project's folders), :mod:`analysis.validation` (the table-validation engine),
:mod:`analysis.data` (the schemas and loaders of ``data/``), :mod:`analysis.model` (the
cost model's data from ``data/`` and its parameters from a run),
:mod:`analysis.notebooks` (the notebooks and their parameters cells, read with
papermill's parser), :mod:`analysis.params`
(assumptions register, parameter validation, scenarios), :mod:`analysis.results`
(citable numbers), :mod:`analysis.figures` (house style, deterministic saving),
:mod:`analysis.report` (the runner, split by concern in :mod:`analysis.runner`),
:mod:`analysis.model_check` (non-finite outputs refused) and :mod:`analysis.site` (HTML), and
``python -m analysis`` (the command line). Arrows go one way: notebooks and the
CLI use boundary modules, which use model modules.

Glossary of names
-----------------
Every quantity carries its unit in its name.

==================================  ==============================================
name                                meaning [unit]
==================================  ==============================================
``gpu_hours``                       GPU time: GPUs x wall-clock hours [GPU-h]
``wall_clock_hours``                elapsed time of a run [h]
``gpus``                            number of GPUs [GPUs]
``price_usd_per_gpu_hour``          price of one GPU for one hour [USD/GPU-hour]
``gpu_hour_price_usd``              the market rent of an H800-hour [USD/GPU-hour]
``cost_usd``                        a cost [USD]
``training_flop``                   training compute [FLOP]
``activated_params``                parameters used per token (MoE: activated) [-]
``training_tokens``                 training tokens [tokens]
``peak_tflops``                     dense peak throughput of one GPU [TFLOPS]
``mfu``                             model FLOPs utilisation, achieved / peak [0-1]
``*_fraction``, ``share_*``         a fraction [0-1]
``*_b_params``                      billions of parameters
``*_t_tokens``                      trillions of tokens
``server_capex_usd``                GPUs x server cost per GPU [USD]
``useful_life_years``               write-off period of the hardware [years]
``purchase_year``                   when a GPU type was bought [decimal year]
``*_by_type``                       one value per GPU type, on the last axis
``h800_equivalent_gpus``            GPUs weighed by dense BF16 peak against the H800
``cost_of_capital``                 yearly rate on capital not yet written off [1/year]
``tdp_w``                           a GPU's thermal design power [W]
``pue``                             facility power over IT power [-]
``kv_bytes_per_token``              KV cache per token, all layers [bytes]
``tokens_per_s``                    output tokens per second [tokens/s]
``usd_per_m_tokens``                price or cost per million tokens [USD]
``*_p05``, ``*_p50``, ``*_p95``     Monte Carlo percentiles of a result
==================================  ==============================================
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("deepseek-true-cost")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    import re as _re
    from pathlib import Path as _Path

    __version__ = _re.search(
        r'^version = "([^"]+)"', (_Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(), _re.M
    ).group(1)
