"""``ParameterBuffer``: every parameter of a network in one flat buffer, seen by name and shape.

Layout (all weight matrices first, then all biases, each matrix row-major)::

    params = [W_1, …, W_L, b_1, …, b_L]        W_l: (fan_in, fan_out),  b_l: (fan_out,)

``named()`` gives the views ``("dense0.weight", W_1), ("dense0.bias", b_1), …`` in layer
order; ``grads`` has the same layout. The weights are adjacent views, and so are the biases:
an elementwise optimizer steps each group in one pass over memory, while an optimizer that
needs shapes (Adafactor, Muon, LAMB) sees the matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ParameterBuffer"]


class ParameterBuffer:
    """Flat parameter and gradient buffers for dense layers of ``shapes`` [(fan_in, fan_out)]."""

    def __init__(self, shapes: Sequence[tuple[int, int]], dtype: np.dtype) -> None:
        n_w = sum(a * b for a, b in shapes)
        self.params = np.zeros(n_w + sum(b for _, b in shapes), dtype=dtype)
        self.grads = np.zeros_like(self.params)
        #: Every weight (no bias) of the flat buffer, as a slice.
        self.weight_slice = slice(0, n_w)
        self._spans: list[tuple[str, int, tuple[int, ...]]] = []  # (name, start, shape)
        w_at, b_at = 0, n_w
        for k, (fan_in, fan_out) in enumerate(shapes):
            self._spans.append((f"dense{k}.weight", w_at, (fan_in, fan_out)))
            self._spans.append((f"dense{k}.bias", b_at, (fan_out,)))
            w_at, b_at = w_at + fan_in * fan_out, b_at + fan_out
        # The views are made once: the same objects every call (an optimizer may cache them).
        self.named_params = tuple(self.views(self.params).items())
        self.named_grads = tuple(self.views(self.grads).items())

    def views(self, buffer: np.ndarray) -> dict[str, np.ndarray]:
        """Name -> shaped view of ``buffer``, any flat array laid out like ``params``."""
        if buffer.shape != self.params.shape:
            raise ValueError(f"buffer must have shape {self.params.shape}; got {buffer.shape}")
        return {name: buffer[at:at + int(np.prod(shape))].reshape(shape)
                for name, at, shape in self._spans}

    def like(self, params: Sequence[np.ndarray], buffer: np.ndarray) -> tuple[np.ndarray, ...]:
        """The views of ``buffer`` (any flat array laid out like ``params``) that match
        ``params`` (this buffer's parameter views, or the flat ``params`` itself), in that order:
        the gradients an optimizer over ``params`` steps with, or its state in the model's
        layout. Matching is by identity, so a parameter must be one of these very views."""
        names = {id(p): name for name, p in self.named_params}
        views = self.views(buffer)
        out = []
        for i, p in enumerate(params):
            if p is self.params:
                out.append(buffer)
            elif id(p) in names:
                out.append(views[names[id(p)]])
            else:
                raise ValueError(f"params[{i}] (shape {np.shape(p)}) is not one of this model's "
                                 "parameters: build the optimizer over model.named_parameters() "
                                 "(or [model.params])")
        return tuple(out)

    def gradients_for(self, params: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The gradient views matching ``params``, in that order (see ``like``)."""
        return self.like(params, self.grads)
