"""Which register parameters move a GPU type's count and its server price: the ``depends_on`` of
numbers that add up some GPU types of the fleet (steps 1 and 2).

A number summed over some GPU types depends on the counts of those types and on the parameters of
the server pricing that prices them. Which pricing parameters matter differs by type and by method:
a price quoted in yuan moves with the exchange rate, a GPU-only price times Epoch AI's overhead moves
with the multiplier, and a type the two methods price alike (the A100, at Fire-Flyer 2's budget) does
not move with the choice of method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .. import costs as _costs
from .. import fleet as _fleet
from .. import model as _model

#: GPU type -> the count parameters that set its number of GPUs (:func:`analysis.fleet.fleet_gpus`:
#: the H20s are the Hopper GPUs that are neither H800 nor H100).
COUNT_PARAMETERS = {
    "H800": ("h800_gpus",),
    "H100": ("h100_gpus",),
    "H20": ("hopper_gpus", "h800_gpus", "h100_gpus"),
    "A100": ("a100_gpus",),
}


def unique(*groups: Iterable[str]) -> tuple[str, ...]:
    """The parameters of all ``groups``, each once, in the order first met."""
    return tuple(dict.fromkeys(p for group in groups for p in group))


def count_parameters(gpu_types: Iterable[str]) -> tuple[str, ...]:
    """The count parameters that move how many GPUs of ``gpu_types`` the fleet has."""
    return unique(*(COUNT_PARAMETERS[t] for t in gpu_types))


def price_parameters(values: Mapping[str, Any], data, gpu_types: Iterable[str]) -> tuple[str, ...]:
    """The parameters that move the server cost per GPU of any of ``gpu_types`` at the run's values.

    The parameters of the chosen method (:data:`analysis.fleet.SERVER_PRICING_METHODS`) that the
    type's price uses (the yuan rate only where the price is quoted in yuan, the overhead multiplier
    only where a GPU-only price is sourced), the type's unit-price factor
    (:data:`analysis.costs.UNIT_PRICE_FACTORS`), and ``capex_method`` where the two methods price the
    type differently (found by evaluating the cost model under each).

    Parameters
    ----------
    values : mapping
        The run's value of every register parameter.
    data : analysis.costs.ModelData
        The cost model's data (:attr:`analysis.steps.Inputs.model_data`).
    gpu_types : iterable of str
        GPU types of :data:`analysis.fleet.GPU_TYPES`.
    """
    by_method = {
        method: _model.evaluate({**values, "capex_method": method}, data)["server_cost_per_gpu_usd_by_type"]
        for method in _fleet.SERVER_PRICING_METHODS
    }
    epoch = values["capex_method"] == "epoch_overhead"
    found = []
    for gpu_type in gpu_types:
        i = data.index(gpu_type)
        if len({float(prices[i]) for prices in by_method.values()}) > 1:
            found.append("capex_method")
        if epoch and not np.isnan(data.gpu_price_usd[i]):
            found.append("server_overhead_multiplier")  # a GPU-only price times the overhead
        elif np.isnan(data.server_price_usd_per_gpu[i]):
            found.append("usd_cny_rate")  # a server price quoted in yuan
        if gpu_type in _costs.UNIT_PRICE_FACTORS:
            found.append(_costs.UNIT_PRICE_FACTORS[gpu_type])  # the unit price drawn over its sourced range
    return unique(found)


def capex_parameters(values: Mapping[str, Any], data, gpus_by_type, gpu_types: Iterable[str]) -> tuple[str, ...]:
    """The parameters that move the server CapEx of ``gpu_types``: their counts, and the prices of
    those the fleet has GPUs of (``gpus_by_type``, in :data:`analysis.fleet.GPU_TYPES` order)."""
    gpu_types = tuple(gpu_types)
    present = [t for t in types_with_gpus(gpus_by_type) if t in gpu_types]
    return unique(count_parameters(gpu_types), price_parameters(values, data, present))


#: The count parameters that move the fleet's total number of GPUs (the H800s and H100s are part of
#: the Hopper total).
TOTAL_COUNT_PARAMETERS = ("hopper_gpus", "a100_gpus")


def types_with_gpus(gpus_by_type) -> tuple[str, ...]:
    """The GPU types the fleet has at least one GPU of (``gpus_by_type`` in :data:`analysis.fleet.GPU_TYPES` order)."""
    return tuple(t for t, n in zip(_fleet.GPU_TYPES, np.asarray(gpus_by_type), strict=True) if n > 0)
