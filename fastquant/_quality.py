"""A quality target instead of a number of colours: the smallest K whose result
reaches a PSNR, as pngquant's ``--quality`` does."""

import math
from typing import Callable, Optional, TypeVar

Result = TypeVar("Result")


def check_target(target_psnr: Optional[float], name: str = "target_psnr") -> Optional[float]:
    """``target_psnr`` as a float; None passes through.

    Raises
    ------
    ValueError
        Not a positive finite number of dB.
    """
    if target_psnr is None:
        return None
    try:
        value = float(target_psnr)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of dB, got {target_psnr!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of dB, got {target_psnr!r}")
    return value


def smallest_k(fit: Callable[[int], Result], max_k: int, target_psnr: float) -> Result:
    """The result of the smallest K in [1, max_k] whose ``psnr`` reaches ``target_psnr``
    (or the result of ``max_k`` when none does).

    PSNR grows with K, so K is found by bisection: about log2(max_k) fits, the last
    one at ``max_k``. Where PSNR happens not to grow with K, a K that reaches the
    target is still returned, possibly not the smallest such.

    Parameters
    ----------
    fit : callable
        The result for a K; it has a ``psnr`` attribute.
    max_k : int
        Largest K tried.
    target_psnr : float
        PSNR to reach, in dB.
    """
    best = fit(max_k)
    if best.psnr < target_psnr:
        return best
    low, high = 0, max_k  # fit(low) misses the target (0: no fit), fit(high) reaches it
    while high - low > 1:
        middle = (low + high) // 2
        result = fit(middle)
        if result.psnr >= target_psnr:
            high, best = middle, result
        else:
            low = middle
    return best
