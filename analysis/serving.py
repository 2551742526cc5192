"""Step 4: from KV-cache bytes to decode throughput and US$ per million output tokens.

A roofline model of one decode step on a serving instance: every step reads all
the weights held on the instance once (with a large batch every expert is used)
plus every sequence's KV cache, and computes about 2 FLOPs per activated
parameter per token plus the attention over the context. The step takes as long
as the slower of the two at the hardware's peak, so the model gives an *upper
bound* on throughput: it leaves out communication between GPUs, kernel
efficiency, scheduling and prefill.

Pure functions, vectorised over arrays (e.g. a sweep of batch sizes).

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, 2024 (MLA; absorbed attention).
.. [2] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024,
   section 3.4 (decode deployment unit: 40 nodes, 320 GPUs).
.. [3] J. Austin et al., "How to Scale Your Model", Google DeepMind, 2025,
   "All about Transformer Inference": step time = (B x KV + params) / HBM bandwidth
   when memory-bound.
"""

from __future__ import annotations

import numpy as np

from .kvcache import AttentionConfig
from .units import SECONDS_PER_HOUR, TOKENS_PER_MILLION


def weight_bytes(total_params, bytes_per_weight):
    """Bytes of model weights [bytes].

    Examples
    --------
    >>> float(weight_bytes(671e9, 1.0)) / 1e9
    671.0
    """
    return np.multiply(total_params, bytes_per_weight)


def kv_token_capacity(hbm_bytes, weights_bytes, kv_bytes_per_token):
    """Tokens of KV cache that fit in HBM after the weights (0 if the weights do not fit).

    Parameters
    ----------
    hbm_bytes : array_like
        HBM of the whole instance [bytes].
    weights_bytes : array_like
        Weights held on the instance [bytes].
    kv_bytes_per_token : array_like
        [bytes/token]

    Examples
    --------
    One 8 x H800 node (640 GB) cannot hold V3's 671 GB of FP8 weights:

    >>> float(kv_token_capacity(8 * 80e9, 671e9, 70272))
    0.0
    """
    free = np.subtract(hbm_bytes, weights_bytes)
    return np.floor(np.maximum(free, 0) / kv_bytes_per_token)


def require_fit(weights_bytes: float, hbm_bytes: float, what: str = "the model") -> None:
    """Raise a clear error when the weights alone do not fit in the instance's HBM.

    Examples
    --------
    >>> require_fit(671e9, 8 * 80e9, "DeepSeek-V3")
    Traceback (most recent call last):
    ...
    ValueError: DeepSeek-V3's weights (671 GB) do not fit in the instance's 640 GB of HBM; use more nodes or fewer bytes per weight
    """
    if weights_bytes >= hbm_bytes:
        raise ValueError(
            f"{what}'s weights ({weights_bytes / 1e9:,.0f} GB) do not fit in the instance's {hbm_bytes / 1e9:,.0f} GB of HBM; "
            "use more nodes or fewer bytes per weight"
        )


def max_batch(token_capacity, context_tokens):
    """Largest number of sequences of ``context_tokens`` whose KV cache fits [sequences].

    Examples
    --------
    >>> int(max_batch(1_000_000, 4989))
    200
    """
    if np.any(np.asarray(context_tokens) <= 0):
        raise ValueError("context_tokens must be > 0")
    return np.floor(np.divide(token_capacity, context_tokens))


def attention_flops_per_token(config: AttentionConfig, context_tokens):
    """Attention FLOPs to decode one token against ``context_tokens`` cached tokens.

    Notes
    -----
    MHA, GQA and MQA: every query head takes a d_h-dimensional dot product with
    each cached key and a weighted sum of d_h-dimensional values,
    ``2 x 2 x n_h x d_h x T`` per layer. MLA with absorbed projections [1]: every
    head works on the cached latent directly, scores over ``d_c + d_h^R`` and
    values over ``d_c``: ``2 x n_h x T x (2 d_c + d_h^R)`` per layer. MLA thus does
    more arithmetic per cached byte, which moves decode towards compute-bound.

    Examples
    --------
    >>> v3 = AttentionConfig("mla", 61, 128, 128, kv_lora_rank=512, rope_head_dim=64)
    >>> f"{attention_flops_per_token(v3, 4989):.3e}"
    '8.476e+10'
    """
    t = np.asarray(context_tokens, dtype=float)
    if config.kind == "mla":
        per_layer = 2 * config.heads * t * (2 * config.kv_lora_rank + config.rope_head_dim)
    else:
        per_layer = 2 * 2 * config.heads * config.head_dim * t
    return per_layer * config.layers


def decode_roofline(
    *,
    batch,
    context_tokens,
    config: AttentionConfig,
    kv_bytes_per_token,
    total_params,
    activated_params,
    bytes_per_weight,
    gpus,
    hbm_bandwidth_bytes_per_s_per_gpu,
    matmul_flops_per_s_per_gpu,
    attention_flops_per_s_per_gpu,
) -> dict:
    """Time of one decode step on an instance, and the output tokens per second it allows.

    Parameters
    ----------
    batch : array_like
        Sequences decoded together on the instance [sequences].
    context_tokens : array_like
        Cached tokens per sequence [tokens].
    config : AttentionConfig
    kv_bytes_per_token : float
        [bytes/token], from :func:`analysis.kvcache.kv_cache_bytes_per_token`.
    total_params, activated_params : float
        All parameters (all read each step) and those used per token [parameters].
    bytes_per_weight : float
        [bytes/parameter]; 1 for FP8.
    gpus : int
        GPUs in the instance.
    hbm_bandwidth_bytes_per_s_per_gpu : float
        [bytes/s]
    matmul_flops_per_s_per_gpu, attention_flops_per_s_per_gpu : float
        Peaks for the weight matmuls (FP8 for V3) and for attention (BF16) [FLOP/s].

    Returns
    -------
    dict
        ``memory_s``, ``compute_s``, ``step_s`` (their maximum), ``memory_bound``
        (bool) and ``tokens_per_s`` (batch / step) for the instance.
    """
    batch = np.asarray(batch, dtype=float)
    if np.any(batch <= 0):
        raise ValueError("batch must be > 0")
    if gpus <= 0:
        raise ValueError("gpus must be > 0")
    bytes_read = weight_bytes(total_params, bytes_per_weight) + batch * np.multiply(context_tokens, kv_bytes_per_token)
    memory_s = bytes_read / (gpus * hbm_bandwidth_bytes_per_s_per_gpu)
    compute_s = batch * (
        2 * activated_params / (gpus * matmul_flops_per_s_per_gpu)
        + attention_flops_per_token(config, context_tokens) / (gpus * attention_flops_per_s_per_gpu)
    )
    step_s = np.maximum(memory_s, compute_s)
    return {
        "memory_s": memory_s,
        "compute_s": compute_s,
        "step_s": step_s,
        "memory_bound": memory_s >= compute_s,
        "tokens_per_s": batch / step_s,
    }


def cost_per_million_tokens_usd(gpus, price_usd_per_gpu_hour, tokens_per_s):
    """US$ per million tokens from the instance's hourly cost and throughput.

    Examples
    --------
    DeepSeek's day of serving: 1,814 GPUs at US$2 producing 168B output tokens in a day
    (the whole cost loaded on output tokens):

    >>> round(float(cost_per_million_tokens_usd(1814, 2.0, 168e9 / 86400)), 3)
    0.518
    """
    tokens_per_s = np.asarray(tokens_per_s, dtype=float)
    if np.any(tokens_per_s <= 0):
        raise ValueError("tokens_per_s must be > 0")
    return np.multiply(gpus, price_usd_per_gpu_hour) / (tokens_per_s * SECONDS_PER_HOUR) * TOKENS_PER_MILLION
