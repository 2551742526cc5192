"""Step 1: the GPU fleet, what it cost as servers, and what it can compute.

Pure functions: numbers or arrays in, numbers or arrays out; no file I/O. Every
function broadcasts, so the same call prices one fleet or a million Monte Carlo
draws of it. Per-GPU-type quantities carry the GPU types on the last axis, in the
order of :data:`GPU_TYPES`.

Two published ways to price a server per GPU, one function each, chosen by name from
:data:`SERVER_PRICING_METHODS`:

* :func:`published_server_cost_per_gpu_usd`: a published price of a whole server
  (e.g. a DGX H100 at ~US$270,000 for 8 GPUs) or cluster, divided by its GPUs;
* :func:`epoch_server_cost_per_gpu_usd`: Epoch AI's method, the GPU's price times a
  server-overhead multiplier (CPUs, memory, chassis, NICs) [1].

The cluster network is added by :func:`cluster_capex_usd` as a share of the total
cluster cost (Epoch AI: 19%), except where a price already includes it (Fire-Flyer 2's
budget [3]).

References
----------
.. [1] B. Cottier et al., "The rising costs of training frontier AI models",
   arXiv:2405.21015, 2024; code github.com/epoch-research/training-cost-trends
   (server overhead, CLUSTER_INTERCONNECT_COST_FRACTION = 0.19).
.. [2] D. Patel et al., "DeepSeek Debates", SemiAnalysis, 31 Jan 2025 ("around 50,000
   Hopper GPUs", "around 10,000 of these H800s and about 10,000 H100s").
.. [3] DeepSeek-AI, "Fire-Flyer AI-HPC: A Cost-Effective Software-Hardware Co-Design
   for Deep Learning", SC'24, arXiv:2408.14158 (10,000 PCIe A100).
"""

from __future__ import annotations

import numpy as np

from . import methods as _methods
from .methods import Method
from .units import cny_to_usd

#: The fleet's GPU types, in the order of the last axis of every per-type array.
GPU_TYPES = ("H800", "H100", "H20", "A100")


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


def cluster_capex_usd(server_capex, interconnect_fraction, includes_network=False):
    """Servers plus the cluster network, with the network a share of the total.

    Parameters
    ----------
    server_capex : array_like
        Server CapEx [USD], e.g. per GPU type on the last axis.
    interconnect_fraction : array_like
        The network's share of the total cluster cost [0-1), Epoch AI: 0.19 [1].
    includes_network : array_like of bool, default False
        Where a price already covers the cluster network (Fire-Flyer 2's budget [3]),
        no network share is added on top.

    Returns
    -------
    dict of array_like
        ``servers_usd``, ``network_usd`` and ``total_usd`` (= servers / (1 - f), or the
        servers alone where the network is included), so a stacked chart can show the parts.

    Examples
    --------
    >>> parts = cluster_capex_usd(810.0, 0.19)
    >>> round(float(parts["network_usd"]), 6), round(float(parts["total_usd"]), 6)
    (190.0, 1000.0)
    >>> cluster_capex_usd([810.0, 810.0], 0.19, includes_network=[False, True])["network_usd"].round(6).tolist()
    [190.0, 0.0]
    """
    f = np.asarray(interconnect_fraction, dtype=float)
    if np.any((f < 0) | (f >= 1)):
        raise ValueError("interconnect_fraction must be in [0, 1)")
    servers = np.asarray(server_capex, dtype=float)
    share = np.where(
        np.asarray(includes_network, dtype=bool), 0.0, f[..., None] if f.ndim and servers.ndim > f.ndim else f
    )
    total = servers / (1 - share)
    return {"servers_usd": servers, "network_usd": total - servers, "total_usd": total}


def published_server_cost_per_gpu_usd(*, server_price_usd_per_gpu, server_price_cny_per_gpu, usd_cny_rate):
    """Server cost per GPU from published server or cluster prices, in dollars or yuan.

    Parameters
    ----------
    server_price_usd_per_gpu : array_like
        Published price per GPU where it is quoted in dollars, NaN elsewhere [USD/GPU].
    server_price_cny_per_gpu : array_like
        Published price per GPU where it is quoted in yuan, NaN elsewhere [CNY/GPU].
    usd_cny_rate : array_like
        Yuan per US dollar [CNY/USD]; draws broadcast against the GPU-type axis.

    Returns
    -------
    numpy.ndarray
        Server cost per GPU of each type [USD/GPU].

    References
    ----------
    Prices: ``data/server_prices.csv`` (DGX H100 via Epoch AI [1]; China 8-GPU servers
    via Huxiu; Fire-Flyer 2's budget).

    Examples
    --------
    >>> published_server_cost_per_gpu_usd(server_price_usd_per_gpu=[33_750, np.nan],
    ...                                   server_price_cny_per_gpu=[np.nan, 150_000], usd_cny_rate=7.5).tolist()
    [33750.0, 20000.0]
    """
    rate = np.asarray(usd_cny_rate, dtype=float)
    usd = np.asarray(server_price_usd_per_gpu, dtype=float)
    return np.where(np.isnan(usd), cny_to_usd(server_price_cny_per_gpu, rate[..., None] if rate.ndim else rate), usd)


def epoch_server_cost_per_gpu_usd(
    *, gpu_price_usd, server_overhead_multiplier, server_price_usd_per_gpu, server_price_cny_per_gpu, usd_cny_rate
):
    """Server cost per GPU by Epoch AI's overhead method, where a GPU-only price is sourced [1].

    Parameters
    ----------
    gpu_price_usd : array_like
        Price of the GPU alone, NaN where none is sourced [USD/GPU].
    server_overhead_multiplier : array_like
        Server cost per GPU over the GPU's price [-].
    server_price_usd_per_gpu, server_price_cny_per_gpu, usd_cny_rate : array_like
        As in :func:`published_server_cost_per_gpu_usd`, used for the GPU types with no
        GPU-only price (the A100).

    Returns
    -------
    numpy.ndarray
        Server cost per GPU of each type [USD/GPU].

    Examples
    --------
    >>> epoch_server_cost_per_gpu_usd(gpu_price_usd=[27_500, np.nan], server_overhead_multiplier=1.6,
    ...                               server_price_usd_per_gpu=[np.nan, 13_000],
    ...                               server_price_cny_per_gpu=[np.nan, np.nan], usd_cny_rate=7.0).tolist()
    [44000.0, 13000.0]
    """
    price = np.asarray(gpu_price_usd, dtype=float)
    m = np.asarray(server_overhead_multiplier, dtype=float)
    epoch = server_cost_per_gpu_epoch_overhead(np.nan_to_num(price), m[..., None] if m.ndim else m)
    published = published_server_cost_per_gpu_usd(
        server_price_usd_per_gpu=server_price_usd_per_gpu,
        server_price_cny_per_gpu=server_price_cny_per_gpu,
        usd_cny_rate=usd_cny_rate,
    )
    return np.where(np.isnan(price), published, epoch)


#: The published ways to price a server per GPU, chosen by the ``capex_method`` parameter.
SERVER_PRICING_METHODS = {
    "published_server_prices": Method(
        published_server_cost_per_gpu_usd,
        parameters=("usd_cny_rate",),
        inputs=("server_price_usd_per_gpu", "server_price_cny_per_gpu"),
        source="epoch-training-cost-trends",
        label="published server prices",
    ),
    "epoch_overhead": Method(
        epoch_server_cost_per_gpu_usd,
        parameters=("usd_cny_rate", "server_overhead_multiplier"),
        source="epoch-training-cost-trends",
        label="Epoch AI's GPU price times a server overhead",
    ),
}


def server_pricing_method_words(method: str) -> str:
    """A server-pricing method's name in words, for tables, figures and result labels.

    Parameters
    ----------
    method : str
        A name of :data:`SERVER_PRICING_METHODS` (the ``capex_method`` parameter).

    Returns
    -------
    str
        The method as a reader reads it.

    Raises
    ------
    ValueError
        If ``method`` is not a name of :data:`SERVER_PRICING_METHODS` (the message lists them).

    Examples
    --------
    >>> server_pricing_method_words("epoch_overhead")
    "Epoch AI's GPU price times a server overhead"
    """
    return _methods.choose(SERVER_PRICING_METHODS, method, "server pricing method").label


def fleet_gpus(*, hopper_gpus, h800_gpus, h100_gpus, a100_gpus):
    """GPUs of each type, with the H20s the Hopper GPUs that are neither H800 nor H100 [2].

    SemiAnalysis gives the Hopper total ("around 50,000 Hopper GPUs") and two of its
    parts ("around 10,000 of these H800s and about 10,000 H100s"); the H20 count is what
    is left, which is how the ~30,000 reading of its chart arises. Drawing the total and
    the two parts and taking the H20s as the rest keeps every draw a fleet of the size the
    text describes.

    Parameters
    ----------
    hopper_gpus, h800_gpus, h100_gpus, a100_gpus : array_like
        [GPUs]; scalars or draws of one length.

    Returns
    -------
    numpy.ndarray
        GPUs by type on the last axis, in :data:`GPU_TYPES` order [GPUs].

    Raises
    ------
    ValueError
        If the H800s and H100s exceed the Hopper total.

    Examples
    --------
    >>> fleet_gpus(hopper_gpus=50_000, h800_gpus=10_000, h100_gpus=10_000, a100_gpus=10_000).tolist()
    [10000.0, 10000.0, 30000.0, 10000.0]
    """
    hopper, h800, h100, a100 = (np.asarray(x, dtype=float) for x in (hopper_gpus, h800_gpus, h100_gpus, a100_gpus))
    h20 = hopper - h800 - h100
    if np.any(h20 < 0):
        i = np.flatnonzero(np.broadcast_to(h20, np.broadcast(hopper, h800, h100).shape) < 0)[0]
        raise ValueError(
            f"hopper_gpus ({float(np.ravel(np.broadcast_to(hopper, h20.shape))[i]):,.0f}) must be at least "
            f"h800_gpus + h100_gpus ({float(np.ravel(np.broadcast_to(h800 + h100, h20.shape))[i]):,.0f}); "
            "the H20s are the Hopper GPUs that are neither"
        )
    return np.stack(np.broadcast_arrays(h800, h100, h20, a100), axis=-1)


def h800_equivalent_gpus(gpus, dense_tflops, reference_tflops):
    """GPUs weighed by dense compute against a reference GPU (e.g. H800-equivalents).

    An H20-hour is not an H800-hour: at 148 against 989.5 dense BF16 TFLOPS it does
    about 15% of the work. Shares of a fleet's compute weigh each GPU by this.

    Parameters
    ----------
    gpus : array_like
        GPUs by type [GPUs].
    dense_tflops : array_like
        Dense peak of each type at one precision [TFLOPS].
    reference_tflops : float
        Dense peak of the reference GPU at the same precision [TFLOPS].

    Returns
    -------
    array_like
        GPUs of each type in reference-GPU equivalents, ``gpus x dense_tflops /
        reference_tflops`` [GPUs].

    Raises
    ------
    ValueError
        If ``reference_tflops`` is not > 0.

    Examples
    --------
    >>> h800_equivalent_gpus([10_000, 30_000], [989.5, 148.0], 989.5).round(1).tolist()
    [10000.0, 4487.1]
    """
    if reference_tflops <= 0:
        raise ValueError("reference_tflops must be > 0")
    return np.multiply(gpus, np.divide(dense_tflops, reference_tflops))


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


def capex_subtotals(capex_by_type, gpu_types=GPU_TYPES, architectures=("Hopper", "Hopper", "Hopper", "Ampere")) -> dict:
    """The fleet CapEx three ways, as the published readings count it.

    Parameters
    ----------
    capex_by_type : array_like
        CapEx of each GPU type on the last axis [USD].
    gpu_types, architectures : sequence of str
        The types of the last axis and their architectures.

    Returns
    -------
    dict
        ``all`` (every GPU, as SemiAnalysis's US$1.6B), ``hopper_only`` (without the
        A100, as the ~US$1.4B reading) and ``without_h100`` (as the first version's
        US$1.3B appears to be) [USD].

    Examples
    --------
    >>> {k: float(v) for k, v in capex_subtotals([3.0, 2.0, 4.0, 1.0]).items()}
    {'all': 10.0, 'hopper_only': 9.0, 'without_h100': 8.0}
    """
    capex = np.asarray(capex_by_type, dtype=float)
    hopper = np.array([a == "Hopper" for a in architectures])
    not_h100 = np.array([t != "H100" for t in gpu_types])
    return {
        "all": capex.sum(axis=-1),
        "hopper_only": (capex * hopper).sum(axis=-1),
        "without_h100": (capex * not_h100).sum(axis=-1),
    }
