"""Channel expressions: a stream label or a bipolar derivation ``A-B``, compiled to a matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def parse_channel(expr: str, labels: tuple[str, ...]) -> tuple[str, str | None]:
    """Split a channel expression into (positive, negative) labels of the stream.

    A label that itself contains ``-`` is taken whole when the stream has it.

    Raises:
        ValueError: naming the expression and listing the stream's labels.
    """
    if expr in labels:
        return expr, None
    parts = expr.split("-")
    for i in range(1, len(parts)):
        a, b = "-".join(parts[:i]).strip(), "-".join(parts[i:]).strip()
        if a in labels and b in labels:
            return a, b
    shown = ", ".join(labels[:40]) + (" …" if len(labels) > 40 else "")
    raise ValueError(
        f"channel {expr!r} is neither a stream label nor a difference of two labels (A-B); "
        f"the stream has: {shown}"
    )


def derivation_matrix(
    exprs: tuple[str, ...], labels: tuple[str, ...]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Compile channel expressions into the input columns and a derivation matrix.

    Returns:
        columns: stream column indices of the raw inputs used, shape (n_inputs,).
        matrix: shape (n_inputs, n_channels); ``derived = inputs @ matrix``.
    """
    pairs = [parse_channel(e, labels) for e in exprs]
    used: list[str] = []
    for a, b in pairs:
        for lab in (a, b):
            if lab is not None and lab not in used:
                used.append(lab)
    matrix = np.zeros((len(used), len(exprs)), dtype=np.float64)
    for j, (a, b) in enumerate(pairs):
        matrix[used.index(a), j] += 1.0
        if b is not None:
            matrix[used.index(b), j] -= 1.0
    columns = np.array([labels.index(lab) for lab in used], dtype=np.intp)
    return columns, matrix
