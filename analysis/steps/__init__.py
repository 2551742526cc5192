"""The six steps of the argument, each composed once as a pure function of a run's parameters.

``step1(values, inputs) -> StepResult`` ... ``step6``: the counterpart of pvlib's ``ModelChain``.
Each composes the model functions of its step (:mod:`analysis.fleet`, :mod:`analysis.tco`,
:mod:`analysis.training`, :mod:`analysis.kvcache`, :mod:`analysis.serving`, :mod:`analysis.pricing`,
:mod:`analysis.costs`, :mod:`analysis.uncertainty`, :mod:`analysis.claims`) and returns every number
(with the parameters it depends on), table, figure's data and sentence the step shows. The notebooks
call their step and narrate; the runner, the claims ledger and the tests read the same results.

>>> from analysis import steps
>>> result = steps.step3(steps.run_values())
>>> result["v3_training_cost_usd"]  # V3 report, Table 1: 2,788K H800 GPU-hours at US$2
5576000.0
>>> result.numbers["v3_training_cost_usd"].depends_on
('gpu_hour_price_usd',)
"""

from . import (
    s01_gpu_inventory,
    s02_capex_amortisation,
    s03_pretraining_estimate,
    s04_mla_inference,
    s05_competitive_pricing,
    s06_true_cost,
)
from ._base import (
    TIED_PARAMETERS,
    FigureData,
    Inputs,
    Number,
    StepBuilder,
    StepResult,
    Table,
    number_drivers,
    run_values,
    step_parameters,
)
from .s01_gpu_inventory import step1
from .s02_capex_amortisation import step2
from .s03_pretraining_estimate import step3
from .s04_mla_inference import step4
from .s05_competitive_pricing import step5
from .s06_true_cost import claim_results, step6

#: Step number -> its function.
STEPS = {1: step1, 2: step2, 3: step3, 4: step4, 5: step5, 6: step6}
#: Notebook stem -> the module of its step (``PARAMETERS``, ``NOTEBOOK`` and the step function).
MODULES = {
    m.NOTEBOOK: m
    for m in (
        s01_gpu_inventory,
        s02_capex_amortisation,
        s03_pretraining_estimate,
        s04_mla_inference,
        s05_competitive_pricing,
        s06_true_cost,
    )
}

__all__ = [
    "MODULES",
    "STEPS",
    "TIED_PARAMETERS",
    "FigureData",
    "Inputs",
    "Number",
    "StepBuilder",
    "StepResult",
    "Table",
    "number_drivers",
    "run_values",
    "claim_results",
    "step_parameters",
    "step1",
    "step2",
    "step3",
    "step4",
    "step5",
    "step6",
]
