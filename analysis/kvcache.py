"""Step 4: the KV cache per token of MHA, GQA, MQA and MLA attention.

The formulas are Table 1 of the DeepSeek-V2 report [1], elements cached per token:

==========  ==========================  =======================================
kind        elements per token          symbols
==========  ==========================  =======================================
``mha``     2 · n_h · d_h · l           n_h heads, d_h head dimension, l layers
``gqa``     2 · n_g · d_h · l           n_g KV groups (``kv_heads``)
``mqa``     2 · d_h · l                 one shared K and V head
``mla``     (d_c + d_h^R) · l           d_c ``kv_lora_rank``, d_h^R ``rope_head_dim``
==========  ==========================  =======================================

Usable from a reader's own notebook::

    from analysis.kvcache import AttentionConfig, kv_cache_bytes_per_token
    v3 = AttentionConfig("mla", layers=61, heads=128, head_dim=128, kv_lora_rank=512, rope_head_dim=64)
    kv_cache_bytes_per_token(v3, bits_per_element=16)   # 70272.0

References
----------
.. [1] DeepSeek-AI, "DeepSeek-V2: A Strong, Economical, and Efficient
   Mixture-of-Experts Language Model", arXiv:2405.04434, 2024. Table 1;
   section 3.2.3 (KV cache quantised to ~6 bits per element for serving).
.. [2] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437, 2024.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("mha", "gqa", "mqa", "mla")


@dataclass(frozen=True)
class AttentionConfig:
    """The attention of a transformer, as far as its KV cache is concerned.

    Parameters
    ----------
    kind : {"mha", "gqa", "mqa", "mla"}
        Multi-head, grouped-query, multi-query or multi-head latent attention.
    layers : int
        Transformer layers, l.
    heads : int
        Query heads, n_h.
    head_dim : int
        Dimension per head, d_h.
    kv_heads : int, optional
        KV heads (groups), n_g; required for ``gqa``. MHA means ``heads``, MQA means 1.
    kv_lora_rank : int, optional
        Compressed KV dimension, d_c; required for ``mla``.
    rope_head_dim : int, optional
        Decoupled RoPE key dimension, d_h^R; required for ``mla``.

    Raises
    ------
    ValueError
        Unknown kind, a non-positive size, a GQA config without ``kv_heads``, an MLA
        config without ``kv_lora_rank`` or ``rope_head_dim``, or more KV heads than heads.

    Examples
    --------
    >>> AttentionConfig("gqa", layers=95, heads=64, head_dim=128, kv_heads=8).kv_heads_effective
    8
    >>> AttentionConfig("gqa", layers=95, heads=64, head_dim=128)
    Traceback (most recent call last):
    ...
    ValueError: a gqa AttentionConfig needs kv_heads (the number of KV groups, n_g)
    """

    kind: str
    layers: int
    heads: int
    head_dim: int
    kv_heads: int | None = None
    kv_lora_rank: int | None = None
    rope_head_dim: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        for name in ("layers", "heads", "head_dim", "kv_heads", "kv_lora_rank", "rope_head_dim"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name} must be a whole number > 0; got {value!r}")
        if self.kind == "gqa" and self.kv_heads is None:
            raise ValueError("a gqa AttentionConfig needs kv_heads (the number of KV groups, n_g)")
        if self.kind == "mla" and (self.kv_lora_rank is None or self.rope_head_dim is None):
            missing = "kv_lora_rank (d_c)" if self.kv_lora_rank is None else "rope_head_dim (d_h^R)"
            raise ValueError(f"an mla AttentionConfig needs {missing}")
        if self.kv_heads is not None and self.kv_heads > self.heads:
            raise ValueError(f"kv_heads ({self.kv_heads}) cannot exceed heads ({self.heads})")

    @property
    def kv_heads_effective(self) -> int | None:
        """KV heads actually cached: heads (MHA), kv_heads (GQA), 1 (MQA); None for MLA."""
        return {"mha": self.heads, "gqa": self.kv_heads, "mqa": 1, "mla": None}[self.kind]

    def as_kind(self, kind: str, kv_heads: int | None = None) -> AttentionConfig:
        """The same dimensions with another attention kind (MLA sizes dropped unless MLA)."""
        if kind == "mla":
            return AttentionConfig(
                "mla", self.layers, self.heads, self.head_dim, None, self.kv_lora_rank, self.rope_head_dim
            )
        return AttentionConfig(kind, self.layers, self.heads, self.head_dim, kv_heads if kind == "gqa" else None)


def kv_cache_elements_per_token(config: AttentionConfig) -> int:
    """Elements cached per token (all layers), V2 Table 1 [1].

    Parameters
    ----------
    config : AttentionConfig
        The model's attention: kind, layers, head sizes and, for MLA, the latent sizes.

    Returns
    -------
    int
        Elements of KV cache per token, summed over all layers [elements/token].

    References
    ----------
    Sources ``deepseek-v2-report`` (Table 1 of [1]; DeepSeek-V2's sizes) and
    ``deepseek-llm-67b`` (DeepSeek 67B's sizes), in ``data/sources.csv``.

    Examples
    --------
    DeepSeek-V2 (MLA) and DeepSeek 67B (GQA, 8 KV heads) [1]:

    >>> kv_cache_elements_per_token(AttentionConfig("mla", 60, 128, 128, kv_lora_rank=512, rope_head_dim=64))
    34560
    >>> kv_cache_elements_per_token(AttentionConfig("gqa", 95, 64, 128, kv_heads=8))
    194560
    """
    if config.kind == "mla":
        return (config.kv_lora_rank + config.rope_head_dim) * config.layers
    return 2 * config.kv_heads_effective * config.head_dim * config.layers


def kv_cache_bytes_per_token(config: AttentionConfig, bits_per_element: float = 16) -> float:
    """Bytes of KV cache per token.

    Parameters
    ----------
    config : AttentionConfig
        The model's attention (:func:`kv_cache_elements_per_token`).
    bits_per_element : float, default 16
        Storage precision: 16 for BF16/FP16, 8 for FP8, ~6 for DeepSeek-V2's
        quantised serving cache [bits].

    Returns
    -------
    float
        [bytes/token]

    Examples
    --------
    DeepSeek-V3 in BF16 (ISCA'25 Table 1: 70.272 KB):

    >>> kv_cache_bytes_per_token(AttentionConfig("mla", 61, 128, 128, kv_lora_rank=512, rope_head_dim=64), 16)
    70272.0
    """
    if not bits_per_element > 0:
        raise ValueError(f"bits_per_element must be > 0; got {bits_per_element!r}")
    return kv_cache_elements_per_token(config) * bits_per_element / 8


def kv_reduction(new_bytes_per_token: float, old_bytes_per_token: float) -> float:
    """Fractional reduction of the KV cache, 1 - new / old.

    Parameters
    ----------
    new_bytes_per_token : float
        KV cache per token of the new design [bytes/token].
    old_bytes_per_token : float
        KV cache per token it is compared with, > 0 [bytes/token].

    Returns
    -------
    float
        Share of the old cache saved [-]; negative when the new cache is larger.

    Raises
    ------
    ValueError
        If ``old_bytes_per_token`` is not > 0.

    Examples
    --------
    The 93.3% of the V2 report: V2 at ~6 bits against 67B at 16 bits.

    >>> round(kv_reduction(34560 * 6 / 8, 194560 * 16 / 8), 4)
    0.9334
    """
    if old_bytes_per_token <= 0:
        raise ValueError("old_bytes_per_token must be > 0")
    return 1 - new_bytes_per_token / old_bytes_per_token


def gqa_equivalent_groups(config: AttentionConfig) -> float:
    """The number of GQA groups whose cache equals this MLA cache, (d_c + d_h^R) / (2 d_h).

    Parameters
    ----------
    config : AttentionConfig
        An MLA attention (``kind="mla"``).

    Returns
    -------
    float
        Equivalent number of GQA KV groups, n_g, at the same head dimension [-].

    Raises
    ------
    ValueError
        If ``config`` is not MLA.

    Examples
    --------
    >>> gqa_equivalent_groups(AttentionConfig("mla", 60, 128, 128, kv_lora_rank=512, rope_head_dim=64))
    2.25
    """
    if config.kind != "mla":
        raise ValueError("gqa_equivalent_groups is defined for mla configs")
    return (config.kv_lora_rank + config.rope_head_dim) / (2 * config.head_dim)
