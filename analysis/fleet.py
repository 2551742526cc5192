"""Step 1: the GPU fleet, what it cost as servers, and what it can compute.

Pure functions: numbers, arrays or small frames in and out; no file I/O.

Two published ways to price a server per GPU, one function each:

* :func:`server_cost_per_gpu_from_server_price`: a published price of a whole
  server (e.g. a DGX H100 at ~US$270,000 for 8 GPUs), divided by its GPUs;
* :func:`server_cost_per_gpu_epoch_overhead`: Epoch AI's method, the GPU's
  price times a server-overhead multiplier (CPUs, memory, chassis, NICs).

The cluster network is added by :func:`cluster_capex_usd` as a share of the
total cluster cost (Epoch AI: 19%).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024; code github.com/epoch-research/training-cost-trends
   (server overhead, CLUSTER_INTERCONNECT_COST_FRACTION = 0.19).
.. [2] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def cny_to_usd(amount_cny, usd_cny_rate):
    """Convert yuan to US dollars.

    Parameters
    ----------
    amount_cny : array_like
        Amount [CNY].
    usd_cny_rate : array_like
        Yuan per US dollar [CNY/USD].

    Examples
    --------
    >>> round(float(cny_to_usd(1_200_000, 7.2)))
    166667
    """
    rate = np.asarray(usd_cny_rate, dtype=float)
    if np.any(rate <= 0):
        raise ValueError("usd_cny_rate must be > 0 (yuan per US dollar)")
    return np.divide(amount_cny, rate)


def server_cost_per_gpu_from_server_price(server_price_usd, gpus_per_server):
    """Server cost per GPU from the published price of a whole server.

    Parameters
    ----------
    server_price_usd : array_like
        Price of one server [USD].
    gpus_per_server : array_like
        GPUs in that server [GPUs].

    Returns
    -------
    array_like
        Server cost per GPU [USD/GPU].

    Examples
    --------
    A DGX H100, ~US$270,000 for 8 GPUs (SemiAnalysis via Epoch AI [1]):

    >>> float(server_cost_per_gpu_from_server_price(270_000, 8))
    33750.0
    """
    if np.any(np.asarray(gpus_per_server) <= 0):
        raise ValueError("gpus_per_server must be >= 1")
    return np.divide(server_price_usd, gpus_per_server)


def server_cost_per_gpu_epoch_overhead(gpu_price_usd, server_overhead_multiplier):
    """Server cost per GPU by Epoch AI's overhead method [1].

    Parameters
    ----------
    gpu_price_usd : array_like
        Price of the GPU alone [USD].
    server_overhead_multiplier : array_like
        Server cost per GPU over the GPU's price [-]; Epoch AI found 1.54 to 1.69
        for P100, V100 and A100 servers and used a 90% interval of 1.3 to 2.1.

    Returns
    -------
    array_like
        Server cost per GPU [USD/GPU].

    Examples
    --------
    >>> float(server_cost_per_gpu_epoch_overhead(27_500, 1.6))
    44000.0
    """
    if np.any(np.asarray(server_overhead_multiplier) < 1):
        raise ValueError("server_overhead_multiplier must be >= 1: a server costs at least its GPU")
    return np.multiply(gpu_price_usd, server_overhead_multiplier)


def server_capex_usd(gpus, server_cost_per_gpu_usd):
    """Server CapEx of a fleet: GPUs times server cost per GPU, per GPU type.

    Parameters
    ----------
    gpus : array_like
        GPUs of each type [GPUs].
    server_cost_per_gpu_usd : array_like
        Server cost per GPU of each type [USD/GPU].

    Returns
    -------
    array_like
        CapEx of each type [USD]; sum it for the fleet.

    Examples
    --------
    >>> server_capex_usd([10_000, 30_000], [33_750, 20_833]).tolist()
    [337500000, 624990000]
    """
    gpus = np.asarray(gpus)
    if np.any(gpus < 0):
        raise ValueError("gpus must be >= 0")
    return np.multiply(gpus, server_cost_per_gpu_usd)


def cluster_capex_usd(server_capex, interconnect_fraction):
    """Servers plus the cluster network, with the network a share of the total.

    Parameters
    ----------
    server_capex : array_like
        Server CapEx [USD].
    interconnect_fraction : array_like
        The network's share of the total cluster cost [0-1), Epoch AI: 0.19 [1].

    Returns
    -------
    dict of array_like
        ``servers_usd``, ``network_usd`` and ``total_usd`` (= servers / (1 - f)),
        so a stacked chart can show the parts.

    Examples
    --------
    >>> parts = cluster_capex_usd(810.0, 0.19)
    >>> round(float(parts["network_usd"]), 6), round(float(parts["total_usd"]), 6)
    (190.0, 1000.0)
    """
    f = np.asarray(interconnect_fraction, dtype=float)
    if np.any((f < 0) | (f >= 1)):
        raise ValueError("interconnect_fraction must be in [0, 1)")
    total = np.divide(server_capex, 1 - f)
    return {"servers_usd": np.asarray(server_capex, dtype=float), "network_usd": total - server_capex, "total_usd": total}


def fleet_server_costs(counts: dict, gpus: pd.DataFrame, server_prices: pd.DataFrame, *, method: str,
                       usd_cny_rate: float, server_overhead_multiplier: float,
                       server_choice: dict | None = None) -> pd.DataFrame:
    """Server cost per GPU and CapEx of each GPU type, by one named method.

    Parameters
    ----------
    counts : dict
        GPU type -> number of GPUs [GPUs].
    gpus : pandas.DataFrame
        ``data/gpus.csv`` indexed by ``gpu_type`` (needs ``gpu_price_base_usd``, ``architecture``).
    server_prices : pandas.DataFrame
        ``data/server_prices.csv`` indexed by ``server_id``.
    method : {"published_server_prices", "epoch_overhead"}
        Which function prices a server per GPU.
    usd_cny_rate : float
        Yuan per US dollar, for server prices quoted in yuan [CNY/USD].
    server_overhead_multiplier : float
        Epoch AI's multiplier (``epoch_overhead`` only) [-].
    server_choice : dict, optional
        GPU type -> ``server_id`` to use instead of the file's default for that type.

    Returns
    -------
    pandas.DataFrame
        Indexed by GPU type: ``gpus``, ``architecture``, ``basis`` (the server or
        price used), ``server_cost_per_gpu_usd``, ``server_capex_usd``.
    """
    rows = []
    for gpu_type, n in counts.items():
        if gpu_type not in gpus.index:
            raise ValueError(f"unknown GPU type {gpu_type!r}; data/gpus.csv has {', '.join(gpus.index)}")
        server_id = (server_choice or {}).get(gpu_type)
        if method == "published_server_prices" or pd.isna(gpus.loc[gpu_type, "gpu_price_base_usd"]):
            candidates = server_prices[server_prices["gpu_type"] == gpu_type]
            if server_id is None:
                candidates = candidates[candidates["default_for_gpu_type"]]
                if len(candidates) != 1:
                    raise ValueError(f"data/server_prices.csv needs exactly one default server for {gpu_type}")
                server_id = candidates.index[0]
            s = server_prices.loc[server_id]
            price_usd = s["server_price_usd"] if not pd.isna(s["server_price_usd"]) else cny_to_usd(s["server_price_cny"], usd_cny_rate)
            cost = float(server_cost_per_gpu_from_server_price(price_usd, s["gpus_per_server"]))
            basis = f"server price: {server_id}"
        elif method == "epoch_overhead":
            cost = float(server_cost_per_gpu_epoch_overhead(gpus.loc[gpu_type, "gpu_price_base_usd"], server_overhead_multiplier))
            basis = f"GPU price x {server_overhead_multiplier:g}"
        else:
            raise ValueError(f"unknown method {method!r}; use published_server_prices or epoch_overhead")
        rows.append({"gpu_type": gpu_type, "gpus": n, "architecture": gpus.loc[gpu_type, "architecture"], "basis": basis,
                     "server_cost_per_gpu_usd": cost, "server_capex_usd": float(server_capex_usd(n, cost))})
    return pd.DataFrame(rows).set_index("gpu_type")


def capacity(gpus, dense_tflops, hbm_gb):
    """Aggregate dense compute and memory of a set of GPUs.

    Parameters
    ----------
    gpus : array_like
        GPUs [GPUs].
    dense_tflops : array_like
        Dense peak per GPU [TFLOPS].
    hbm_gb : array_like
        HBM per GPU [GB].

    Returns
    -------
    dict
        ``pflops`` [PFLOPS] and ``hbm_tb`` [TB].

    Examples
    --------
    >>> {k: round(float(v), 1) for k, v in capacity(2048, 989.5, 80).items()}
    {'pflops': 2026.5, 'hbm_tb': 163.8}
    """
    return {"pflops": np.multiply(gpus, dense_tflops) / 1e3, "hbm_tb": np.multiply(gpus, hbm_gb) / 1e3}


def capex_subtotals(costs: pd.DataFrame) -> dict:
    """The fleet CapEx three ways, as the published readings count it.

    Parameters
    ----------
    costs : pandas.DataFrame
        From :func:`fleet_server_costs` (index GPU type; ``architecture``, ``server_capex_usd``).

    Returns
    -------
    dict
        ``all`` (every GPU, as SemiAnalysis's US$1.6B), ``hopper_only`` (without the
        A100, as the ~US$1.4B reading) and ``without_h100`` (as the first version's
        US$1.3B appears to be) [USD].

    Examples
    --------
    >>> t = pd.DataFrame({"architecture": ["Hopper", "Hopper", "Ampere"], "server_capex_usd": [3.0, 2.0, 1.0]},
    ...                  index=["H800", "H100", "A100"])
    >>> capex_subtotals(t)
    {'all': 6.0, 'hopper_only': 5.0, 'without_h100': 4.0}
    """
    capex = costs["server_capex_usd"]
    return {"all": float(capex.sum()),
            "hopper_only": float(capex[costs["architecture"] == "Hopper"].sum()),
            "without_h100": float(capex[costs.index != "H100"].sum())}
