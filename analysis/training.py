"""Step 3: the cost of a training run, its compute and its utilisation.

Pure functions: numbers or numpy arrays in, numbers or arrays (or a small frame)
out; no file I/O. They broadcast, so Monte Carlo can pass a million draws at once.

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024.
   Table 1 (training cost by stage); section 1 (180K GPU-hours per trillion tokens).
.. [2] J. Kaplan et al., "Scaling Laws for Neural Language Models",
   arXiv:2001.08361, 2020. Section 2.1: C ≈ 6·N·D.
.. [3] DeepSeek-AI, "DeepSeek-R1 incentivizes reasoning in LLMs through
   reinforcement learning", Nature 645, 2025. Supplementary B.4.4.
.. [4] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024 (ratio of all development compute to the final run's).
.. [5] J.-S. Denain and C. Wu, "Final training runs account for a minority of R&D
   compute spending", Epoch AI Gradient Updates, 23 Mar 2026.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .units import HOURS_PER_DAY, HOURS_PER_YEAR, SECONDS_PER_HOUR

#: FLOPs per activated parameter per training token: 2 forward + 4 backward [2].
TRAINING_FLOP_PER_PARAM_TOKEN = 6.0


def gpu_hours(gpus, wall_clock_hours):
    """GPU-hours used by ``gpus`` GPUs running for ``wall_clock_hours``.

    Parameters
    ----------
    gpus : array_like
        Number of GPUs [GPUs].
    wall_clock_hours : array_like
        Duration [h].

    Returns
    -------
    array_like
        GPU-hours [GPU-h].

    Examples
    --------
    R1-Zero's reinforcement learning: 64 nodes x 8 H800 for ~198 hours [3].

    >>> int(gpu_hours(64 * 8, 198))
    101376
    """
    return np.multiply(gpus, wall_clock_hours)


def rental_cost_usd(gpu_hours_used, price_usd_per_gpu_hour):
    """Cost of GPU time at a rental price.

    Parameters
    ----------
    gpu_hours_used : array_like
        GPU time [GPU-h].
    price_usd_per_gpu_hour : array_like
        Price of one GPU for one hour [USD/GPU-hour].

    Returns
    -------
    array_like
        Cost [USD].

    Notes
    -----
    This is how DeepSeek priced V3's training: "assuming the rental price of H800
    is $2 per GPU hour" (Table 1 caption of [1]). It prices GPU time only; it is
    not what the GPUs cost their owner (see step 2).

    Examples
    --------
    >>> float(rental_cost_usd(2_788_000, 2.0))
    5576000.0
    """
    return np.multiply(gpu_hours_used, price_usd_per_gpu_hour, dtype=float)


def cost_by_stage(stages: pd.DataFrame, price_usd_per_gpu_hour: float) -> pd.DataFrame:
    """Cost of each training stage and the total, at one rental price.

    Parameters
    ----------
    stages : pandas.DataFrame
        One row per stage with columns ``stage`` and ``gpu_hours`` [GPU-h].
    price_usd_per_gpu_hour : float
        Rental price [USD/GPU-hour].

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``gpu_hours``, ``cost_usd`` and ``share_of_total``, with a
        final row ``total``; the components sum exactly to the total.

    Examples
    --------
    >>> t = cost_by_stage(pd.DataFrame({"stage": ["a", "b"], "gpu_hours": [3.0, 1.0]}), 2.0)
    >>> t["cost_usd"].tolist()
    [6.0, 2.0, 8.0]
    """
    if stages.empty:
        raise ValueError("cost_by_stage needs at least one stage")
    if (stages["gpu_hours"] < 0).any():
        raise ValueError("gpu_hours must be >= 0 for every stage")
    out = stages[["stage", "gpu_hours"]].copy()
    out["gpu_hours"] = out["gpu_hours"].astype(float)
    out["cost_usd"] = rental_cost_usd(out["gpu_hours"].to_numpy(), price_usd_per_gpu_hour)
    total_hours = out["gpu_hours"].sum()
    total = pd.DataFrame(
        {
            "stage": ["total"],
            "gpu_hours": [total_hours],
            "cost_usd": [float(rental_cost_usd(total_hours, price_usd_per_gpu_hour))],
        }
    )
    out = pd.concat([out, total], ignore_index=True)
    out["share_of_total"] = out["gpu_hours"] / total_hours if total_hours else np.nan
    return out


def wall_clock_days(gpu_hours_used, gpus):
    """Days a run takes on ``gpus`` GPUs running all the time.

    Parameters
    ----------
    gpu_hours_used : array_like
        GPU time [GPU-h].
    gpus : array_like
        Cluster size [GPUs].

    Returns
    -------
    array_like
        Duration [days].

    Examples
    --------
    V3's pre-training, 2,664K GPU-hours on 2,048 H800 [1] ("less than two months"):

    >>> round(float(wall_clock_days(2_664_000, 2048)), 1)
    54.2
    """
    return np.divide(gpu_hours_used, np.multiply(gpus, HOURS_PER_DAY))


def gpu_hours_per_trillion_tokens(gpu_hours_used, training_t_tokens):
    """GPU-hours per trillion training tokens.

    Parameters
    ----------
    gpu_hours_used : array_like
        GPU time of the training [GPU-h].
    training_t_tokens : array_like
        Training tokens [trillions of tokens].

    Returns
    -------
    array_like
        GPU time per trillion tokens [GPU-h per trillion tokens].

    Examples
    --------
    >>> float(gpu_hours_per_trillion_tokens(2_664_000, 14.8))
    180000.0
    """
    return np.divide(gpu_hours_used, training_t_tokens)


def training_flop_6nd(activated_params, training_tokens):
    """Training compute by the 6·N·D approximation [2].

    Parameters
    ----------
    activated_params : array_like
        Parameters used per token, N; for a mixture-of-experts model the
        *activated* count [parameters].
    training_tokens : array_like
        Training tokens, D [tokens].

    Returns
    -------
    array_like
        Training compute [FLOP].

    Notes
    -----
    C ≈ 6·N·D counts 2 FLOPs per parameter per token forward and 4 backward. It
    leaves out attention-score FLOPs (which grow with context length), the
    multi-token-prediction module, recomputation, and every run that was not the
    final one, so it understates the compute actually spent.

    Examples
    --------
    DeepSeek-V3: N = 37B activated parameters, D = 14.8T tokens [1].

    >>> f"{training_flop_6nd(37e9, 14.8e12):.3e}"
    '3.286e+24'
    """
    return TRAINING_FLOP_PER_PARAM_TOKEN * np.multiply(activated_params, training_tokens)


def achieved_flops_per_gpu(training_flop, gpu_hours_used):
    """Average useful FLOP/s per GPU over a run.

    Parameters
    ----------
    training_flop : array_like
        Useful compute of the run [FLOP].
    gpu_hours_used : array_like
        GPU time of the run [GPU-h].

    Returns
    -------
    array_like
        Sustained throughput per GPU [FLOP/s].

    Examples
    --------
    >>> round(float(achieved_flops_per_gpu(3.2856e24, 2_664_000)) / 1e12)
    343
    """
    return np.divide(training_flop, np.multiply(gpu_hours_used, SECONDS_PER_HOUR))


def model_flops_utilisation(training_flop, gpu_hours_used, peak_tflops):
    """Model FLOPs utilisation (MFU): achieved FLOP/s over the GPU's peak.

    Parameters
    ----------
    training_flop : array_like
        Useful compute, e.g. from :func:`training_flop_6nd` [FLOP].
    gpu_hours_used : array_like
        GPU time [GPU-h].
    peak_tflops : array_like
        Dense peak of one GPU at the chosen precision [TFLOPS].

    Returns
    -------
    array_like
        Utilisation as a fraction of peak [0-1].

    Examples
    --------
    V3's pre-training against the H800's dense BF16 peak (989.5 TFLOPS):

    >>> round(float(model_flops_utilisation(training_flop_6nd(37e9, 14.8e12), 2_664_000, 989.5)), 3)
    0.346
    """
    return np.divide(achieved_flops_per_gpu(training_flop, gpu_hours_used), np.multiply(peak_tflops, 1e12))


def fleet_gpu_hours_per_year(gpus):
    """GPU-hours a fleet could deliver in a year if every GPU ran all the time.

    Parameters
    ----------
    gpus : array_like
        GPUs in the fleet [GPUs].

    Returns
    -------
    array_like
        GPU time over an average year of :data:`analysis.units.HOURS_PER_YEAR` hours
        [GPU-h per year].

    Examples
    --------
    >>> float(fleet_gpu_hours_per_year(1))
    8766.0
    """
    return np.multiply(gpus, HOURS_PER_YEAR)


def share_of_fleet_year(run_gpu_hours, fleet_gpus):
    """Fraction of a fleet's yearly GPU-hours that a run used [0-1].

    Parameters
    ----------
    run_gpu_hours : array_like
        GPU time of the run [GPU-h].
    fleet_gpus : array_like
        GPUs in the fleet [GPUs].

    Returns
    -------
    array_like
        The run's GPU-hours over :func:`fleet_gpu_hours_per_year` [-]; above 1 when the
        run used more than a year of the fleet.

    Examples
    --------
    >>> round(float(share_of_fleet_year(2_788_000, 60_000)), 4)
    0.0053
    """
    return np.divide(run_gpu_hours, fleet_gpu_hours_per_year(fleet_gpus))


def loaded_staff_cost_usd_per_year(pay_usd_per_year, employer_social_insurance_rate):
    """What one of the staff costs the employer a year: pay plus the employer's social insurance.

    Parameters
    ----------
    pay_usd_per_year : array_like
        Pay of one of the staff for a year [USD/person-year].
    employer_social_insurance_rate : array_like
        What the employer pays on top of pay for social insurance and the housing fund,
        as a share of pay [-], in [0, 1].

    Returns
    -------
    numpy.ndarray
        Cost to the employer of one of the staff for a year [USD/person-year].

    Raises
    ------
    ValueError
        If a rate is outside [0, 1].

    Examples
    --------
    >>> round(float(loaded_staff_cost_usd_per_year(187_000, 0.1)), 6)
    205700.0
    """
    rate = np.asarray(employer_social_insurance_rate, dtype=float)
    if np.any((rate < 0) | (rate > 1)):
        raise ValueError("employer_social_insurance_rate must be in [0, 1]")
    return np.multiply(pay_usd_per_year, 1 + rate)


def development_cost_usd(
    *,
    final_run_gpu_hours,
    gpu_hour_price_usd,
    experiment_compute_multiple,
    research_staff,
    research_staff_cost_usd_per_year,
    development_years,
) -> dict:
    """What developing a model cost: its final runs, the experiments around them and the staff who did it.

    Parameters
    ----------
    final_run_gpu_hours : array_like
        GPU-hours of the final runs (for V3 and R1: Table 1 plus R1's RL) [GPU-h].
    gpu_hour_price_usd : array_like
        Price of a GPU-hour [USD/GPU-hour].
    experiment_compute_multiple : array_like
        All development compute over the final runs' compute [-], >= 1 (Cottier et al.
        [4]: 1.2x to 4x, median 2.2x for one model; Epoch AI 2026 [5]: final runs are
        roughly 10% to 30% of a lab's R&D compute, i.e. 3.3x to 10x).
    research_staff : array_like
        People doing the work [people].
    research_staff_cost_usd_per_year : array_like
        Fully loaded cost of one of them for a year [USD/person-year].
    development_years : array_like
        How long the development took [years].

    Returns
    -------
    dict of array_like
        ``final_runs_usd``, ``experiments_usd`` (the compute beyond the final runs at the
        same price), ``research_staff_usd`` and ``total_usd`` [USD]; and
        ``experiments_gpu_hours`` [GPU-h].

    Examples
    --------
    >>> c = development_cost_usd(final_run_gpu_hours=2_935_336, gpu_hour_price_usd=2.0, experiment_compute_multiple=3.0,
    ...                          research_staff=150, research_staff_cost_usd_per_year=200_000, development_years=1.5)
    >>> {k: round(float(v)) for k, v in c.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'final_runs_usd': 5870672, 'experiments_usd': 11741344, 'research_staff_usd': 45000000,
     'total_usd': 62612016, 'experiments_gpu_hours': 5870672}
    """
    multiple = np.asarray(experiment_compute_multiple, dtype=float)
    if np.any(multiple < 1):
        raise ValueError("experiment_compute_multiple must be >= 1: development includes the final runs")
    final = rental_cost_usd(final_run_gpu_hours, gpu_hour_price_usd)
    experiments_gpu_hours = (multiple - 1) * np.asarray(final_run_gpu_hours, dtype=float)
    experiments = rental_cost_usd(experiments_gpu_hours, gpu_hour_price_usd)
    staff = np.multiply(np.multiply(research_staff, research_staff_cost_usd_per_year), development_years)
    return {
        "final_runs_usd": final,
        "experiments_usd": experiments,
        "research_staff_usd": staff,
        "total_usd": final + experiments + staff,
        "experiments_gpu_hours": experiments_gpu_hours,
    }


def catch_up_compute_factor(months_behind, halving_months):
    """How many times less compute a model needs to match one that is ``months_behind`` months older.

    Parameters
    ----------
    months_behind : array_like
        How much later the follower matches the leader's performance [months].
    halving_months : array_like
        Months in which the compute needed for a given performance halves [months];
        Ho et al. (Epoch AI, 2024): about 8, 95% interval 5 to 14.

    Returns
    -------
    array_like
        The leader's compute over the follower's for the same performance [-]:
        ``2 ** (months_behind / halving_months)``.

    Notes
    -----
    Algorithmic progress alone; cheaper hardware would widen the gap further. The Anthropic
    CEO's "~4x per year" for the whole cost curve is ``2 ** (12 / 6)``.

    Examples
    --------
    A year of progress at an 8-month halving, and 7 to 10 months:

    >>> (round(float(catch_up_compute_factor(12, 8)), 2),
    ...  [round(float(x), 2) for x in catch_up_compute_factor([7, 10], 8)])
    (2.83, [1.83, 2.38])
    """
    halving = np.asarray(halving_months, dtype=float)
    if np.any(halving <= 0):
        raise ValueError("halving_months must be > 0")
    return np.power(2.0, np.divide(months_behind, halving))
