"""Step 4: from KV-cache bytes to decode throughput and US$ per million output tokens.

A roofline model of one decode step on a serving instance: every step reads all
the weights held on the instance once (with a large batch every expert is used)
plus every sequence's KV cache, and computes about 2 FLOPs per activated
parameter per token plus the attention over the context. The step takes as long
as the slower of the two at the hardware's peak, so the model gives an *upper
bound* on throughput: it leaves out communication between GPUs, kernel
efficiency, scheduling and prefill.

Pure functions, vectorised over arrays (e.g. a sweep of batch sizes), and tables over the kinds
of attention that step 4 shows (:func:`kv_capacity_by_attention`, :func:`decode_by_attention`,
:func:`cost_by_batch`, :func:`max_throughput`) on an :class:`Instance` of one GPU type.

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, 2024 (MLA; absorbed attention).
.. [2] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024,
   section 3.4 (decode deployment unit: 40 nodes, 320 GPUs).
.. [3] J. Austin et al., "How to Scale Your Model", Google DeepMind, 2025,
   "All about Transformer Inference": step time = (B x KV + params) / HBM bandwidth
   when memory-bound.
.. [4] DeepSeek-AI, "Day 6: One More Thing – DeepSeek-V3/R1 Inference System Overview", 1 Mar 2025
   (decode deployment unit in production: 18 nodes, EP144).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .kvcache import AttentionConfig, kv_cache_bytes_per_token
from .units import SECONDS_PER_HOUR, TOKENS_PER_MILLION


def weight_bytes(total_params, bytes_per_weight):
    """Bytes of model weights [bytes].

    Parameters
    ----------
    total_params : array_like
        All parameters of the model, every expert included [parameters].
    bytes_per_weight : array_like
        Storage per parameter [bytes/parameter]; 1 for FP8, 2 for BF16.

    Returns
    -------
    array_like
        Size of the weights [bytes].

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
        KV cache per token [bytes/token].

    Returns
    -------
    numpy.ndarray
        Whole tokens of KV cache that fit in the HBM left over [tokens].

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

    Parameters
    ----------
    weights_bytes : float
        Weights held on the instance [bytes].
    hbm_bytes : float
        HBM of the whole instance [bytes].
    what : str, default "the model"
        The model's name, for the message.

    Raises
    ------
    ValueError
        If ``weights_bytes`` is at least ``hbm_bytes`` (no room left for the KV cache).

    Examples
    --------
    >>> require_fit(671e9, 8 * 80e9, "DeepSeek-V3")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: DeepSeek-V3's weights (671 GB) do not fit in the instance's 640 GB of HBM;
    use more nodes or fewer bytes per weight
    """
    if weights_bytes >= hbm_bytes:
        raise ValueError(
            f"{what}'s weights ({weights_bytes / 1e9:,.0f} GB) do not fit in the instance's "
            f"{hbm_bytes / 1e9:,.0f} GB of HBM; "
            "use more nodes or fewer bytes per weight"
        )


def max_batch(token_capacity, context_tokens):
    """Largest number of sequences of ``context_tokens`` whose KV cache fits [sequences].

    Parameters
    ----------
    token_capacity : array_like
        Tokens of KV cache that fit (:func:`kv_token_capacity`) [tokens].
    context_tokens : array_like
        Cached tokens per sequence, > 0 [tokens].

    Returns
    -------
    numpy.ndarray
        Whole sequences that fit [sequences].

    Raises
    ------
    ValueError
        If ``context_tokens`` is not > 0.

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

    Parameters
    ----------
    config : AttentionConfig
        The model's attention (:class:`analysis.kvcache.AttentionConfig`).
    context_tokens : array_like
        Cached tokens the new token attends to, T [tokens].

    Returns
    -------
    numpy.ndarray
        Attention FLOPs for one decoded token, all layers [FLOP/token].

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
        The model's attention, for the attention FLOPs (:func:`attention_flops_per_token`).
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
    if np.any(np.asarray(gpus) <= 0):
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

    Parameters
    ----------
    gpus : array_like
        GPUs of the instance [GPUs].
    price_usd_per_gpu_hour : array_like
        Price of a GPU-hour [USD/GPU-hour].
    tokens_per_s : array_like
        Tokens the instance produces, > 0 [tokens/s].

    Returns
    -------
    array_like
        Cost of a million tokens [USD per million tokens].

    Raises
    ------
    ValueError
        If ``tokens_per_s`` is not > 0.

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


@dataclass(frozen=True)
class Instance:
    """A serving instance: ``nodes`` nodes of ``gpus_per_node`` identical GPUs.

    Parameters
    ----------
    nodes : int
        Nodes in the instance [nodes].
    gpus_per_node : int
        GPUs per node [GPUs].
    hbm_bytes_per_gpu : float
        HBM of one GPU [bytes].
    hbm_bandwidth_bytes_per_s_per_gpu : float
        HBM bandwidth of one GPU [bytes/s].
    matmul_flops_per_s_per_gpu : float
        Peak for the weight matmuls (FP8 for V3) [FLOP/s].
    attention_flops_per_s_per_gpu : float
        Peak for attention (BF16) [FLOP/s].
    """

    nodes: int
    gpus_per_node: int
    hbm_bytes_per_gpu: float
    hbm_bandwidth_bytes_per_s_per_gpu: float
    matmul_flops_per_s_per_gpu: float
    attention_flops_per_s_per_gpu: float

    @classmethod
    def from_gpu(cls, gpu, nodes: int, gpus_per_node: int) -> Instance:
        """An instance of one GPU type, from its row of ``data/gpus.csv``.

        Parameters
        ----------
        gpu : Mapping
            The GPU's specification: ``hbm_gb``, ``hbm_bandwidth_tb_per_s``, ``dense_fp8_tflops``
            and ``dense_bf16_tflops``.
        nodes : int
            Nodes in the instance, > 0 [nodes].
        gpus_per_node : int
            GPUs per node, > 0 [GPUs].

        Returns
        -------
        Instance
            The instance, in bytes, bytes/s and FLOP/s.

        Raises
        ------
        ValueError
            If ``nodes`` or ``gpus_per_node`` is not > 0.
        """
        if nodes <= 0 or gpus_per_node <= 0:
            raise ValueError(f"an instance needs nodes > 0 and GPUs per node > 0, got {nodes} and {gpus_per_node}")
        return cls(
            nodes=int(nodes),
            gpus_per_node=int(gpus_per_node),
            hbm_bytes_per_gpu=float(gpu["hbm_gb"]) * 1e9,
            hbm_bandwidth_bytes_per_s_per_gpu=float(gpu["hbm_bandwidth_tb_per_s"]) * 1e12,
            matmul_flops_per_s_per_gpu=float(gpu["dense_fp8_tflops"]) * 1e12,
            attention_flops_per_s_per_gpu=float(gpu["dense_bf16_tflops"]) * 1e12,
        )

    @property
    def gpus(self) -> int:
        """GPUs in the instance [GPUs]."""
        return self.nodes * self.gpus_per_node

    @property
    def hbm_bytes(self) -> float:
        """HBM of the whole instance [bytes]."""
        return self.gpus * self.hbm_bytes_per_gpu

    def roofline_hardware(self) -> dict:
        """The instance's arguments to :func:`decode_roofline`.

        Returns
        -------
        dict
            ``gpus`` [GPUs], ``hbm_bandwidth_bytes_per_s_per_gpu`` [bytes/s],
            ``matmul_flops_per_s_per_gpu`` and ``attention_flops_per_s_per_gpu`` [FLOP/s].
        """
        return {
            "gpus": self.gpus,
            "hbm_bandwidth_bytes_per_s_per_gpu": self.hbm_bandwidth_bytes_per_s_per_gpu,
            "matmul_flops_per_s_per_gpu": self.matmul_flops_per_s_per_gpu,
            "attention_flops_per_s_per_gpu": self.attention_flops_per_s_per_gpu,
        }


def kv_capacity_by_attention(
    configs: Mapping[str, AttentionConfig], instance: Instance, weights_bytes: float, kv_bits: float, context_tokens
) -> pd.DataFrame:
    """How much KV cache each kind of attention fits on an instance after the weights.

    Parameters
    ----------
    configs : Mapping of str to AttentionConfig
        The attention variants to compare, by the name a reader sees.
    instance : Instance
        The serving instance.
    weights_bytes : float
        Weights held on the instance [bytes].
    kv_bits : float
        Precision of the KV cache [bits per element].
    context_tokens : int
        Cached tokens per sequence, > 0 [tokens].

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``kv_bytes_per_token`` [bytes/token], ``kv_tokens_on_instance``
        [tokens] and ``max_sequences_per_gpu`` (whole sequences on the instance over its GPUs)
        [sequences per GPU].

    Raises
    ------
    ValueError
        If the weights alone do not fit (:func:`require_fit`).
    """
    require_fit(weights_bytes, instance.hbm_bytes)
    kv_bytes = pd.Series({name: kv_cache_bytes_per_token(c, kv_bits) for name, c in configs.items()}, dtype=float)
    tokens = kv_token_capacity(instance.hbm_bytes, weights_bytes, kv_bytes.to_numpy())
    return pd.DataFrame(
        {
            "kv_bytes_per_token": kv_bytes.to_numpy(),
            "kv_tokens_on_instance": tokens,
            "max_sequences_per_gpu": max_batch(tokens, context_tokens) / instance.gpus,
        },
        index=kv_bytes.index,
    )


def decode_by_attention(
    configs: Mapping[str, AttentionConfig],
    capacity: pd.DataFrame,
    instance: Instance,
    *,
    sequences_per_gpu: float,
    context_tokens,
    total_params: float,
    activated_params: float,
    bytes_per_weight: float,
    price_usd_per_gpu_hour: float,
) -> pd.DataFrame:
    """Roofline decode of each kind of attention at a batch, capped where its KV cache is full.

    Parameters
    ----------
    configs : Mapping of str to AttentionConfig
        The attention variants, as in :func:`kv_capacity_by_attention`.
    capacity : pandas.DataFrame
        :func:`kv_capacity_by_attention` for the same variants and instance.
    instance : Instance
        The serving instance.
    sequences_per_gpu : float
        The batch asked for [sequences per GPU]; a variant whose cache holds fewer runs at
        the most that fit.
    context_tokens : int
        Cached tokens per sequence [tokens].
    total_params, activated_params : float
        All parameters and those used per token [parameters].
    bytes_per_weight : float
        [bytes/parameter].
    price_usd_per_gpu_hour : float
        Price of a GPU-hour [USD/GPU-hour].

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``sequences_per_gpu`` run [sequences per GPU], ``step_ms`` [ms],
        ``bound`` ("memory", "compute" or "does not fit"), ``tokens_per_s_per_node``
        [output tokens/s per node] and ``usd_per_m_output_tokens`` [USD per million output
        tokens]; NaN where not even one sequence fits.
    """
    rows = {}
    for name, config in configs.items():
        batch = min(sequences_per_gpu, capacity.loc[name, "max_sequences_per_gpu"]) * instance.gpus
        row = {"sequences_per_gpu": batch / instance.gpus, "step_ms": np.nan, "bound": "does not fit"}
        row |= {"tokens_per_s_per_node": np.nan, "usd_per_m_output_tokens": np.nan}
        if batch >= 1:
            r = decode_roofline(
                batch=batch,
                config=config,
                kv_bytes_per_token=capacity.loc[name, "kv_bytes_per_token"],
                context_tokens=context_tokens,
                total_params=total_params,
                activated_params=activated_params,
                bytes_per_weight=bytes_per_weight,
                **instance.roofline_hardware(),
            )
            per_node = float(r["tokens_per_s"]) / instance.nodes
            row |= {
                "step_ms": float(r["step_s"]) * 1e3,
                "bound": "memory" if r["memory_bound"] else "compute",
                "tokens_per_s_per_node": per_node,
                "usd_per_m_output_tokens": float(
                    cost_per_million_tokens_usd(instance.gpus_per_node, price_usd_per_gpu_hour, per_node)
                ),
            }
        rows[name] = row
    numbers = ("sequences_per_gpu", "step_ms", "tokens_per_s_per_node", "usd_per_m_output_tokens")
    return pd.DataFrame(rows).T.astype(dict.fromkeys(numbers, float))


def cost_by_batch(
    config: AttentionConfig,
    kv_bytes_per_token: float,
    max_sequences_per_gpu: float,
    instance: Instance,
    sequences_per_gpu,
    *,
    context_tokens,
    total_params: float,
    activated_params: float,
    bytes_per_weight: float,
    price_usd_per_gpu_hour: float,
) -> pd.Series:
    """Roofline cost per million output tokens against the batch, up to where the cache is full.

    Parameters
    ----------
    config : AttentionConfig
        The model's attention.
    kv_bytes_per_token : float
        [bytes/token].
    max_sequences_per_gpu : float
        The most sequences whose cache fits (:func:`kv_capacity_by_attention`) [sequences per GPU].
    instance : Instance
        The serving instance.
    sequences_per_gpu : array_like
        The batches to price [sequences per GPU]; those above ``max_sequences_per_gpu`` are dropped.
    context_tokens : int
        Cached tokens per sequence [tokens].
    total_params, activated_params : float
        All parameters and those used per token [parameters].
    bytes_per_weight : float
        [bytes/parameter].
    price_usd_per_gpu_hour : float
        Price of a GPU-hour [USD/GPU-hour].

    Returns
    -------
    pandas.Series
        Cost of a million output tokens [USD], indexed by the batches that fit [sequences per GPU];
        empty when none fits.
    """
    batches = np.asarray(sequences_per_gpu, dtype=float)
    fits = batches[batches <= max_sequences_per_gpu]
    if not len(fits):
        return pd.Series([], dtype=float)
    r = decode_roofline(
        batch=fits * instance.gpus,
        config=config,
        kv_bytes_per_token=kv_bytes_per_token,
        context_tokens=context_tokens,
        total_params=total_params,
        activated_params=activated_params,
        bytes_per_weight=bytes_per_weight,
        **instance.roofline_hardware(),
    )
    return pd.Series(cost_per_million_tokens_usd(instance.gpus, price_usd_per_gpu_hour, r["tokens_per_s"]), index=fits)


def max_throughput(
    config: AttentionConfig,
    instance: Instance,
    *,
    kv_bits: float,
    context_tokens,
    total_params: float,
    activated_params: float,
    bytes_per_weight: float,
) -> dict:
    """Roofline throughput of a model at the largest batch whose KV cache fits on an instance.

    How the DeepSeek-V2 report compares V2 with DeepSeek 67B: each at its own maximum batch.

    Parameters
    ----------
    config : AttentionConfig
        The model's attention.
    instance : Instance
        The serving instance.
    kv_bits : float
        Precision of the KV cache [bits per element].
    context_tokens : int
        Cached tokens per sequence [tokens].
    total_params, activated_params : float
        All parameters and those used per token [parameters].
    bytes_per_weight : float
        [bytes/parameter].

    Returns
    -------
    dict
        ``max_batch`` [sequences on the instance], ``tokens_per_s`` [output tokens/s on the
        instance] and ``bound`` ("memory" or "compute").

    Raises
    ------
    ValueError
        If the weights do not fit, or not one sequence fits after them.
    """
    weights = weight_bytes(total_params, bytes_per_weight)
    require_fit(weights, instance.hbm_bytes)
    kv_bytes = kv_cache_bytes_per_token(config, kv_bits)
    batch = float(max_batch(kv_token_capacity(instance.hbm_bytes, weights, kv_bytes), context_tokens))
    if batch < 1:
        raise ValueError(f"not one sequence of {context_tokens:,} tokens fits in the KV cache left after the weights")
    r = decode_roofline(
        batch=batch,
        config=config,
        kv_bytes_per_token=kv_bytes,
        context_tokens=context_tokens,
        total_params=total_params,
        activated_params=activated_params,
        bytes_per_weight=bytes_per_weight,
        **instance.roofline_hardware(),
    )
    return {
        "max_batch": batch,
        "tokens_per_s": float(r["tokens_per_s"]),
        "bound": "memory" if r["memory_bound"] else "compute",
    }


def cost_cut_by_context(
    new: AttentionConfig,
    old: AttentionConfig,
    instance: Instance,
    context_tokens,
    *,
    sequences_per_gpu: float,
    kv_bits: float,
    total_params: float,
    activated_params: float,
    bytes_per_weight: float,
) -> pd.DataFrame:
    """Roofline cut in decode cost per token of one attention against another, at each context length.

    Both run on the same instance at the batch asked for, or the most their KV cache holds, as
    :func:`decode_by_attention` runs them at one context; the cut is ``1 - old_tps / new_tps``
    (the same GPUs cost the same per hour). Vectorised over ``context_tokens``.

    Parameters
    ----------
    new, old : AttentionConfig
        The attention whose saving is measured (MLA) and the one it is measured against (GQA-8).
    instance : Instance
        The serving instance.
    context_tokens : array_like
        Cached tokens per sequence, each > 0 [tokens].
    sequences_per_gpu : float
        The batch asked for [sequences per GPU].
    kv_bits : float
        Precision of the KV cache [bits per element].
    total_params, activated_params : float
        All parameters and those used per token [parameters].
    bytes_per_weight : float
        [bytes/parameter].

    Returns
    -------
    pandas.DataFrame
        One row per context: ``context_tokens`` [tokens], ``new_sequences_per_gpu`` and
        ``old_sequences_per_gpu`` (the batch each runs) [sequences per GPU], ``new_tokens_per_s`` and
        ``old_tokens_per_s`` [output tokens/s on the instance] and ``cost_cut`` [0-1]; NaN where not
        one sequence of ``old`` (or ``new``) fits.

    Raises
    ------
    ValueError
        If the weights alone do not fit (:func:`require_fit`), or a context is not > 0.
    """
    contexts = np.asarray(context_tokens, dtype=float)
    require_fit(weight_bytes(total_params, bytes_per_weight), instance.hbm_bytes)
    out = {"context_tokens": contexts}
    for name, config in (("new", new), ("old", old)):
        r = decode_capped(
            config,
            instance,
            kv_bits=kv_bits,
            sequences_per_gpu=sequences_per_gpu,
            context_tokens=contexts,
            total_params=total_params,
            activated_params=activated_params,
            bytes_per_weight=bytes_per_weight,
        )
        out[f"{name}_sequences_per_gpu"] = r["sequences_per_gpu"]
        out[f"{name}_tokens_per_s"] = r["tokens_per_s"]
    out["cost_cut"] = 1 - out["old_tokens_per_s"] / out["new_tokens_per_s"]
    return pd.DataFrame(out)


def decode_capped(
    config: AttentionConfig,
    instance: Instance,
    *,
    kv_bits,
    sequences_per_gpu,
    context_tokens,
    total_params: float,
    activated_params: float,
    bytes_per_weight,
) -> dict:
    """Roofline decode of one attention at the batch asked for, or the most its KV cache holds; vectorised.

    What :func:`decode_by_attention` and :func:`cost_cut_by_context` compute for one variant, over
    arrays: ``sequences_per_gpu``, ``context_tokens``, ``kv_bits``, ``bytes_per_weight`` and the
    instance's ``nodes`` may each be an array of draws (they broadcast), so the Monte Carlo of
    :func:`analysis.costs.cost_model` draws the roofline with the same formulas.

    Parameters
    ----------
    config : AttentionConfig
        The model's attention.
    instance : Instance
        The serving instance; its ``nodes`` may be an array [nodes].
    kv_bits : array_like
        Precision of the KV cache [bits per element].
    sequences_per_gpu : array_like
        The batch asked for [sequences per GPU].
    context_tokens : array_like
        Cached tokens per sequence, > 0 [tokens].
    total_params, activated_params : float
        All parameters and those used per token [parameters].
    bytes_per_weight : array_like
        [bytes/parameter].

    Returns
    -------
    dict of numpy.ndarray
        ``sequences_per_gpu`` run [sequences per GPU], ``tokens_per_s`` [output tokens/s on the
        instance], ``tokens_per_s_per_node`` [output tokens/s per node] and ``memory_bound``;
        NaN (``memory_bound`` False) where not one sequence fits, or the weights do not.

    Examples
    --------
    V3 on 18 nodes of H800 at 4,989 cached tokens and 88 sequences per GPU; then at 32,768 cached tokens
    on 9 and on 40 nodes, where the cache caps the batch (more nodes spread the weights thinner):

    >>> from analysis.kvcache import AttentionConfig
    >>> v3 = AttentionConfig("mla", 61, 128, 128, kv_lora_rank=512, rope_head_dim=64)
    >>> h800 = Instance(18, 8, 80e9, 3.35e12, 1979e12, 989.5e12)
    >>> r = decode_capped(v3, h800, kv_bits=16, sequences_per_gpu=88, context_tokens=4989,
    ...                   total_params=671e9, activated_params=37e9, bytes_per_weight=1.0)
    >>> round(float(r["tokens_per_s_per_node"]))
    65011
    >>> import dataclasses
    >>> wide = dataclasses.replace(h800, nodes=np.array([9.0, 40.0]))
    >>> r = decode_capped(v3, wide, kv_bits=16, sequences_per_gpu=88, context_tokens=32768, total_params=671e9,
    ...                   activated_params=37e9, bytes_per_weight=1.0)
    >>> np.round(r["sequences_per_gpu"], 1).tolist()
    [30.7, 33.8]
    """
    weights = weight_bytes(total_params, bytes_per_weight)
    kv_bytes = kv_cache_bytes_per_token(config, kv_bits)
    fits = max_batch(kv_token_capacity(instance.hbm_bytes, weights, kv_bytes), context_tokens) / instance.gpus
    batch = np.minimum(sequences_per_gpu, fits) * instance.gpus
    runs = batch >= 1
    r = decode_roofline(
        batch=np.where(runs, batch, 1.0),
        context_tokens=context_tokens,
        config=config,
        kv_bytes_per_token=kv_bytes,
        total_params=total_params,
        activated_params=activated_params,
        bytes_per_weight=bytes_per_weight,
        **instance.roofline_hardware(),
    )
    tokens_per_s = np.where(runs, r["tokens_per_s"], np.nan)
    return {
        "sequences_per_gpu": np.where(runs, batch / instance.gpus, np.nan),
        "tokens_per_s": tokens_per_s,
        "tokens_per_s_per_node": tokens_per_s / instance.nodes,
        "memory_bound": runs & r["memory_bound"],
    }
