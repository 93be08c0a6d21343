"""adamlab.optim._fma.fma: a·b + c rounded once, against exact rational arithmetic."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

from adamlab import _jit
from adamlab.optim._fma import fma, fma_numpy

NO_NUMBA = pytest.mark.skipif(not _jit.available(), reason="no numba")
IMPLEMENTATIONS = [pytest.param(fma_numpy, id="numpy"),
                   pytest.param("numba", id="numba", marks=NO_NUMBA),
                   pytest.param("numba-loop", id="numba-loop", marks=NO_NUMBA)]


def implementation(which):
    if which == "numba":
        from adamlab.optim._fma_kernel import fma_ufunc

        def compiled(a, b, c, out):
            return fma_ufunc(*(np.asarray(x, out.dtype) for x in (a, b, c)), out=out)

        return compiled
    if which == "numba-loop":  # the compiled loop: 1-D arrays of out's shape, or scalars
        from adamlab.optim._fma_kernel import fma_into

        def loop(a, b, c, out):  # (copies: numba would ask broadcast_arrays' views if writeable)
            fma_into(*(x if x is out else x.copy() if isinstance(x, np.ndarray)
                       else out.dtype.type(x) for x in (a, b, c)), out)
            return out

        return loop
    return which


def rounded(x: Fraction, dtype) -> np.floating:
    """x rounded to nearest (ties to even) in dtype, from its two neighbours."""
    y = dtype(float(x))  # within an ulp of the answer (float64 first, then dtype)
    candidates = [np.nextafter(y, dtype(-np.inf)), y, np.nextafter(y, dtype(np.inf))]
    bits = np.uint64 if dtype == np.float64 else np.uint32
    return min(candidates, key=lambda q: (abs(Fraction(float(q)) - x),
                                          int(np.array(q).view(bits)) & 1))


def cases(rng, n, dtype):
    a, b, c = rng.standard_normal((3, n))
    big = float(np.sqrt(np.finfo(dtype).max)) / 100  # products and sums near the top
    ints = rng.integers(1, 2**27, (2, n)).astype(float)
    return [
        (a, b, c),
        (a, b, -(a * b) * (1 + rng.integers(-4, 5, n) * 2.0**-52)),  # c ≈ −a·b: cancellation
        (a, b, -(a * b) + 1e-20 * c),
        (ints[0], ints[1], rng.integers(-2**40, 2**40, n).astype(float)),  # exact ties
        (a * big, b * big / 10, c * big * big / 1000),
        (a, b, c * 1e-30),
        (a, 0.1, c),  # a scalar, as torch's add(alpha=) and lerp weights
    ]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fma_is_the_once_rounded_product_sum(dtype, impl):
    fma = implementation(impl)
    rng = np.random.default_rng(5)
    naive_wrong = 0
    for a, b, c in cases(rng, 400, dtype):
        a, b, c = (np.asarray(x).astype(dtype) for x in (a, b, c))
        a, b, c = np.broadcast_arrays(a, b, c)
        out = fma(a, b, c, np.empty(a.shape, dtype))
        exact = [rounded(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)), dtype)
                 for x, y, z in zip(a, b, c, strict=True)]
        np.testing.assert_array_equal(out, np.array(exact, dtype))
        naive_wrong += int(np.sum((a * b + c) != out))
    assert naive_wrong > 100  # the cases do tell a once-rounded result from a twice-rounded one


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_fma_writes_in_place_and_survives_overflowing_splits(impl):
    fma = implementation(impl)
    x = np.array([1e305, 2.0, np.inf, np.nan])
    out = fma(x, 3.0, x, x)
    assert out is x
    np.testing.assert_array_equal(x[:3], [4e305, 8.0, np.inf])
    assert np.isnan(x[3])


@pytest.mark.parametrize("fma_", [fma, fma_numpy], ids=["fma", "numpy"])
def test_fma_does_not_warn_whatever_out_held(fma_):
    """A fresh scratch array may hold signalling NaNs (numba's float32 loop reads ``out``):
    they are overwritten, silently."""
    for dtype, snan in ((np.float32, np.uint32(0x7F800001)),
                        (np.float64, np.uint64(0x7FF0000000000001))):
        out = np.full(7, snan).view(dtype)
        x = np.arange(7, dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fma_(x, dtype(0.5), x, out)
        np.testing.assert_array_equal(out, 1.5 * x)


@NO_NUMBA
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fma_gives_the_emulations_numbers_whichever_compiled_path_takes_the_call(dtype):
    """``fma`` sends 1-D same-shape operands and scalars to the compiled loop and the rest
    (broadcasting, other dtypes, overlapping views, 2-D) to the ufunc: the emulation's numbers
    every time, out returned, nothing but out written."""
    rng = np.random.default_rng(11)
    a, b, c = (rng.standard_normal(9).astype(dtype) for _ in range(3))
    m = rng.standard_normal((3, 4)).astype(dtype)
    calls = [
        lambda: (a, b, c, np.empty(9, dtype)),
        lambda: (a, 0.1, c, np.empty(9, dtype)),  # Python float: rounded to dtype first
        lambda: (a, np.float64(0.1), c, np.empty(9, dtype)),
        lambda: (a, 3, c, np.empty(9, dtype)),
        lambda: (a[::2], b[::-2], c[:5], np.empty(5, dtype)),  # strided views
        lambda: (a.astype(np.float64), b, c, np.empty(9, dtype)),  # another dtype
        lambda: (a[:1], b, c, np.empty(9, dtype)),  # broadcast
        lambda: (m, 0.5, m[:1], np.empty((3, 4), dtype)),  # 2-D
    ]
    for make in calls:
        args = make()
        args = tuple(x.copy() if isinstance(x, np.ndarray) else x for x in args)
        before = [x.copy() if isinstance(x, np.ndarray) else x for x in args[:3]]
        ref = fma_numpy(*args[:3], np.empty_like(args[3]))
        assert fma(*args) is args[3]
        np.testing.assert_array_equal(args[3], ref)
        for x, y in zip(args[:3], before, strict=True):
            np.testing.assert_array_equal(x, y)
    for which in range(3):  # out is one of the operands
        x = [a.copy(), b.copy(), c.copy()]
        ref = fma_numpy(*x, np.empty(9, dtype))
        fma(*x, x[which])
        np.testing.assert_array_equal(x[which], ref)
    buf = rng.standard_normal(10).astype(dtype)  # out overlaps an operand, shifted by one
    ref = fma_numpy(buf[:-1], 0.5, buf[:-1], np.empty(9, dtype))
    fma(buf[:-1], 0.5, buf[:-1], buf[1:])
    np.testing.assert_array_equal(buf[1:], ref)


def narrow_hard_cases(rng, n):
    """float32 operands whose a·b + c, rounded to float64 first, lands exactly on a float32
    midpoint (so rounding that float64 on to float32 is wrong half the time), or in float32's
    subnormal range, where its midpoints sit elsewhere."""
    c = rng.uniform(1, 2, n).astype(np.float32)
    ulp = np.spacing(c).astype(np.float64)
    a = (1 + rng.integers(1, 2**20, n) * 2.0**-23).astype(np.float32)  # 1 + k·2^-23
    # b ≈ (ulp/2)/a, rounded in float32: a·b = ulp/2·(1 ± tiny) so the sum sits by a midpoint
    b = (ulp / 2 / a.astype(np.float64)).astype(np.float32)
    sub = 2.0**-140 * rng.standard_normal(n)
    return [(a, b, c), (a, -b, c), (np.float32(2.0**-70) * a, np.float32(2.0**-70) * b,
                                    sub.astype(np.float32))]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_float32_fma_is_right_where_rounding_through_float64_is_not(impl):
    fma = implementation(impl)
    rng = np.random.default_rng(11)
    through_float64_wrong = 0
    for a, b, c in narrow_hard_cases(rng, 300):
        out = fma(a, b, c, np.empty(a.shape, np.float32))
        exact = [rounded(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)), np.float32)
                 for x, y, z in zip(a, b, c, strict=True)]
        np.testing.assert_array_equal(out, np.array(exact, np.float32))
        twice = (a.astype(np.float64) * b + c).astype(np.float32)
        through_float64_wrong += int(np.sum(twice != out))
    assert through_float64_wrong > 10  # the cases do reach the midpoints (18 here)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_a_python_float_is_rounded_to_the_arrays_dtype_first(impl):
    """torch's add(x, alpha=0.1) on float32 uses 0.1 as a float32: so does fma."""
    fma = implementation(impl)
    rng = np.random.default_rng(3)
    a, c = rng.standard_normal((2, 500)).astype(np.float32)
    scalar = 0.1 if impl is fma_numpy else np.float32(0.1)  # the test's compiled wrappers cast
    out = fma(a, scalar, c, np.empty(500, np.float32))
    b = float(np.float32(0.1))
    exact = [rounded(Fraction(float(x)) * Fraction(b) + Fraction(float(z)), np.float32)
             for x, z in zip(a, c, strict=True)]
    np.testing.assert_array_equal(out, np.array(exact, np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_operands_broadcast_whichever_is_widest(dtype):
    """fma(2, 3, c) and a (4, 1) · (1,) + (4, 4): the result has the broadcast shape, in the
    NumPy emulation as in the compiled ufunc."""
    c = np.arange(4, dtype=dtype)
    np.testing.assert_array_equal(fma_numpy(2.0, 3.0, c, np.empty(4, dtype)), c + 6)
    a, b = np.arange(4, dtype=dtype).reshape(4, 1), np.array([0.5], dtype)
    C = np.ones((4, 4), dtype)
    np.testing.assert_array_equal(fma_numpy(a, b, C, np.empty((4, 4), dtype)),
                                  np.broadcast_to(a * 0.5 + 1, (4, 4)))
