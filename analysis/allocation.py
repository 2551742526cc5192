"""Step 6: what a year of the fleet's compute is used for, and what a year of the company costs.

The fleet SemiAnalysis describes is shared: DeepSeek trains and serves its models on it,
runs experiments, and High-Flyer uses it for trading. Costs added together must share
one scope, so this module allocates one year of the fleet's compute among its uses,
each from a source or a labelled assumption:

* the final training runs of V3 and R1 and the experiments around them, spread over
  the development period (DeepSeek's disclosed GPU-hours; the experiment multiple);
* serving V3 and R1 (DeepSeek's Day 6: 226.75 nodes of 8 H800 on average);
* High-Flyer's own use (an assumed share);
* what is left: other research, idle time and what no source accounts for.

Compute is counted in H800-equivalent hours (each GPU weighed by its dense BF16 peak
against the H800's), because an H20-hour is not an H800-hour.

Pure functions; no I/O.

References
----------
.. [1] DeepSeek-AI, "Day 6: One More Thing - DeepSeek-V3/R1 Inference System Overview",
   open-infra-index, 1 Mar 2025 ("an average occupancy of 226.75 nodes").
.. [2] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025 ("These GPUs are
   shared between High-Flyer and DeepSeek ... used for trading, inference, training, and research").
"""

from __future__ import annotations

import numpy as np

from .units import HOURS_PER_YEAR

#: The uses a year of the fleet's compute is allocated to, in the order charts show them.
USES = ("training", "experiments", "serving", "high_flyer", "unallocated")


def gpu_hours_by_use(
    *,
    capacity_h800_equivalent_gpus,
    final_run_gpu_hours,
    experiments_gpu_hours,
    development_years,
    serving_gpus,
    high_flyer_compute_share,
) -> dict:
    """One year of the fleet's compute, in H800-equivalent GPU-hours, by use.

    Parameters
    ----------
    capacity_h800_equivalent_gpus : array_like
        The fleet in H800-equivalents (:func:`analysis.fleet.h800_equivalent_gpus`, summed) [GPUs].
    final_run_gpu_hours : array_like
        H800-hours of the final training runs [GPU-h].
    experiments_gpu_hours : array_like
        H800-equivalent hours of the experiments around them [GPU-h].
    development_years : array_like
        The period both were spread over [years].
    serving_gpus : array_like
        H800s serving the models on average [GPUs] (Day 6 [1]: 226.75 x 8 = 1,814).
    high_flyer_compute_share : array_like
        Share of the fleet's compute High-Flyer uses for itself [0-1].

    Returns
    -------
    dict of array_like
        ``capacity`` and each of :data:`USES` [H800-equivalent GPU-hours per year], and
        ``share_<use>`` for each [0-1]; ``unallocated`` is negative when the uses add up
        to more than the fleet can deliver, and the shares are NaN for a fleet with no compute.

    Examples
    --------
    >>> a = gpu_hours_by_use(capacity_h800_equivalent_gpus=10_000, final_run_gpu_hours=2_935_336,
    ...                      experiments_gpu_hours=0.0, development_years=1.0, serving_gpus=1814,
    ...                      high_flyer_compute_share=0.1)
    >>> (round(float(a["share_training"]), 4), round(float(a["share_serving"]), 4),
    ...  round(float(a["share_unallocated"]), 4))
    (0.0335, 0.1814, 0.6851)
    """
    capacity = np.multiply(capacity_h800_equivalent_gpus, HOURS_PER_YEAR)
    if np.any(capacity < 0):
        raise ValueError("the fleet's compute must be >= 0")
    share_hf = np.asarray(high_flyer_compute_share, dtype=float)
    if np.any((share_hf < 0) | (share_hf > 1)):
        raise ValueError("high_flyer_compute_share must be in [0, 1]")
    years = np.asarray(development_years, dtype=float)
    if np.any(years <= 0):
        raise ValueError("development_years must be > 0")
    out = {
        "capacity": capacity,
        "training": np.divide(final_run_gpu_hours, years),
        "experiments": np.divide(experiments_gpu_hours, years),
        "serving": np.multiply(serving_gpus, HOURS_PER_YEAR),
        "high_flyer": share_hf * capacity,
    }
    out["unallocated"] = capacity - out["training"] - out["experiments"] - out["serving"] - out["high_flyer"]
    with np.errstate(
        invalid="ignore", divide="ignore"
    ):  # an empty fleet has no shares: NaN, which the runner refuses to publish
        for use in USES:
            out[f"share_{use}"] = out[use] / capacity
    return out
