"""MLP: whole-model gradients against finite differences for every activation and head, the flat
parameter buffer, dtypes, initialisation, config round trip, and scikit-learn's forward pass."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamlab.nn import ACTIVATIONS, HEADS, INITIALIZERS, MLP

ACTS = sorted(ACTIVATIONS)
OUTPUTS = sorted(HEADS)


def data_for(output: str, n: int, n_inputs: int, n_outputs: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_inputs))
    y = {
        "sigmoid": rng.integers(0, 2, size=(n, n_outputs)).astype(float),
        "softmax": rng.integers(0, n_outputs, size=n),
        "identity": rng.normal(size=(n, n_outputs)),
    }[output]
    return X, y


def check_model_gradient(model, X, y, numgrad, relerr, sample_weight=None, l2=0.0, seed=None):
    """``grads`` from ``loss_and_grad`` against central differences of the same loss.

    With dropout, every evaluation gets a generator in the same state: a fixed mask.
    """

    def rng():
        return None if seed is None else np.random.default_rng(seed)

    def f():
        return model.loss_and_grad(X, y, sample_weight=sample_weight, l2=l2, rng=rng())

    f()
    grads = model.grads.copy()
    fd = numgrad(f, model.params)
    err = relerr(grads, fd)
    assert err < 1e-6, f"relative error {err:.2e}"


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_gradient_every_activation_and_head(activation, output, numgrad, relerr):
    n_out = 3 if output != "sigmoid" else 2
    model = MLP(
        3, (4, 3), n_out, activation=activation, output=output, rng=np.random.default_rng(1)
    )
    X, y = data_for(output, 7, 3, n_out, seed=2)
    check_model_gradient(model, X, y, numgrad, relerr)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize(
    "extra",
    [
        {"l2": 0.3},
        {"sample_weight": np.array([0.5, 2.0, 0.0, 1.0, 3.0, 0.25, 1.0])},
        {"dropout": 0.4, "seed": 5},
        {"dropout": 0.25, "seed": 6, "l2": 0.1, "sample_weight": np.arange(1.0, 8.0)},
    ],
    ids=["l2", "sample_weight", "dropout", "all"],
)
def test_gradient_with_l2_weights_and_dropout(output, extra, numgrad, relerr):
    extra = dict(extra)
    dropout = extra.pop("dropout", 0.0)
    n_out = 3 if output == "softmax" else 1
    model = MLP(
        3,
        (5, 4),
        n_out,
        activation="tanh",
        output=output,
        dropout=dropout,
        rng=np.random.default_rng(3),
    )
    X, y = data_for(output, 7, 3, n_out, seed=4)
    check_model_gradient(model, X, y[:, 0] if y.ndim == 2 else y, numgrad, relerr, **extra)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 5), max_size=3),
    n=st.integers(1, 6),
    n_inputs=st.integers(1, 4),
    n_outputs=st.integers(2, 3),
    activation=st.sampled_from(["tanh", "sigmoid", "gelu"]),
    output=st.sampled_from(OUTPUTS),
    seed=st.integers(0, 999),
)
def test_gradient_random_architectures(
    hidden, n, n_inputs, n_outputs, activation, output, seed, numgrad, relerr
):
    model = MLP(
        n_inputs,
        tuple(hidden),
        n_outputs,
        activation=activation,
        output=output,
        rng=np.random.default_rng(seed),
    )
    X, y = data_for(output, n, n_inputs, n_outputs, seed=seed + 1)
    check_model_gradient(model, X, y, numgrad, relerr, l2=0.05)


def test_no_hidden_layer_is_logistic_regression():
    model = MLP(4, (), 1, output="sigmoid", rng=np.random.default_rng(0))
    X, y = data_for("sigmoid", 9, 4, 1)
    loss = model.loss_and_grad(X, y[:, 0])
    (W,), (b,) = model.weights, model.biases
    z = X @ W + b
    p = 1 / (1 + np.exp(-z))
    assert loss == pytest.approx(np.mean(np.logaddexp(0, z) - y * z), rel=1e-13)
    np.testing.assert_allclose(
        model.grads[model.weight_slice], (X.T @ (p - y) / 9).ravel(), rtol=1e-12
    )
    np.testing.assert_allclose(
        model.grads[model.weight_slice.stop :], np.mean(p - y, axis=0), rtol=1e-12
    )


# --------------------------------------------------------------------- flat buffer
def test_params_is_one_buffer_and_layers_hold_views():
    model = MLP(3, (4, 5), 2, rng=np.random.default_rng(0))
    sizes = [(3, 4), (4, 5), (5, 2)]
    assert model.n_params == sum(a * b + b for a, b in sizes) == model.params.size
    for buf in (model.params, model.grads):
        assert buf.ndim == 1 and buf.flags.c_contiguous and buf.flags.writeable
    assert model.grads.shape == model.params.shape and model.grads.dtype == model.params.dtype
    assert not np.shares_memory(model.params, model.grads)
    for W, b, shape in zip(model.weights, model.biases, sizes, strict=True):
        assert W.shape == shape and b.shape == (shape[1],)
        assert np.shares_memory(W, model.params) and np.shares_memory(b, model.params)
    # layout [W_1, W_2, W_3, b_1, b_2, b_3]
    np.testing.assert_array_equal(
        model.params[model.weight_slice], np.concatenate([W.ravel() for W in model.weights])
    )
    np.testing.assert_array_equal(
        model.params[model.weight_slice.stop :], np.concatenate(model.biases)
    )
    model.params[:] = np.arange(model.n_params)
    assert model.weights[0][0, 1] == 1 and model.biases[0][0] == 3 * 4 + 4 * 5 + 5 * 2
    model.weights[1][...] = -1  # and the other way round
    assert np.sum(model.params == -1) == 20


def test_backward_writes_into_the_grads_buffer():
    model = MLP(2, (3,), 1, rng=np.random.default_rng(0))
    grads = model.grads
    model.grads[:] = np.nan
    X, y = data_for("sigmoid", 5, 2, 1)
    model.loss_and_grad(X, y)
    assert model.grads is grads and np.all(np.isfinite(grads))
    for layer, W in zip(model.dense, model.weights, strict=True):
        assert np.shares_memory(layer.dW, model.grads) and layer.W is W


def test_assigning_params_copies_into_the_buffer():
    model = MLP(2, (3,), 1, rng=np.random.default_rng(0))
    buf, W0 = model.params, model.weights[0]
    model.params = np.ones(model.n_params)
    assert model.params is buf and np.all(W0 == 1)
    with pytest.raises(ValueError, match=r"params must have shape \(13,\)"):
        model.params = np.ones(3)


def test_an_optimizer_step_on_the_flat_buffer_trains():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)  # XOR-like
    model = MLP(2, (16,), 1, activation="tanh", rng=np.random.default_rng(1))
    first = model.loss(X, y)
    for _ in range(300):
        model.loss_and_grad(X, y)
        model.params -= 0.5 * model.grads
    assert model.loss(X, y) < 0.5 * first


# -------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ["relu", "gelu", "sigmoid"])
@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_float32_end_to_end(output, activation, dropout):
    kw = dict(
        n_inputs=3,
        hidden=(6, 5),
        n_outputs=3,
        activation=activation,
        output=output,
        dropout=dropout,
    )
    m32 = MLP(**kw, dtype=np.float32, rng=np.random.default_rng(0))
    m64 = MLP(**kw, dtype=np.float64, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(m32.params, m64.params.astype(np.float32))  # same init, cast
    X, y = data_for(output, 10, 3, 3)
    sw = np.linspace(0.5, 2, 10)
    for m in (m32, m64):
        m.loss_and_grad(X, y, sample_weight=sw, l2=0.01, rng=np.random.default_rng(1))
    assert m32.params.dtype == m32.grads.dtype == np.float32
    assert all(a.dtype == np.float32 for a in m32.weights + m32.biases)
    assert m32.last_logits.dtype == np.float32
    assert m32.forward(X).dtype == m32.predict_proba(X).dtype == np.float32
    assert m32.forward(X, training=True).dtype == np.float32
    assert all(a.dtype == np.float32 for b in m32.workspace._by_rows.values() for a in b.values())
    if dropout == 0:  # (masks are drawn in the model's dtype, so with dropout they differ)
        np.testing.assert_allclose(m32.grads, m64.grads, rtol=1e-4, atol=1e-6)
    assert m32.loss(X, y) == pytest.approx(m64.loss(X, y), rel=1e-5)


# ---------------------------------------------------------------------------- init
def test_init_registry_and_bounds():
    assert set(INITIALIZERS) == {"glorot", "he"}
    big = dict(n_inputs=30, hidden=(50,), n_outputs=20)
    m = MLP(**big, activation="tanh", init="auto", rng=np.random.default_rng(0))  # auto -> glorot
    for W, b in zip(m.weights, m.biases, strict=True):
        r = np.sqrt(6 / sum(W.shape))
        assert np.abs(W).max() <= r and np.abs(W).max() > 0.9 * r
        assert np.abs(b).max() <= r and np.any(b != 0)  # scikit-learn draws biases too
    m = MLP(**big, activation="sigmoid", init="glorot", rng=np.random.default_rng(0))
    r = np.sqrt(2 / 80)  # scikit-learn's factor 2 for logistic units
    assert r * 0.9 < np.abs(m.weights[0]).max() <= r
    m = MLP(**big, activation="relu", init="auto", rng=np.random.default_rng(0))  # auto -> he
    for W, b in zip(m.weights, m.biases, strict=True):
        r = np.sqrt(6 / W.shape[0])
        assert r * 0.9 < np.abs(W).max() <= r and np.all(b == 0)
        assert np.var(W) == pytest.approx(2 / W.shape[0], rel=0.15)
    with pytest.raises(ValueError, match="unknown init 'xavier'; choose one of: auto, glorot, he"):
        MLP(2, (), 1, init="xavier")


def test_init_uses_only_the_given_generator():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    a = MLP(4, (8,), 2, rng=np.random.default_rng(7))
    b = MLP(4, (8,), 2, rng=np.random.default_rng(7))
    c = MLP(4, (8,), 2, rng=7)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.params, c.params)
    assert not np.array_equal(a.params, MLP(4, (8,), 2, rng=np.random.default_rng(8)).params)


# -------------------------------------------------------------------------- config
def test_config_round_trip():
    model = MLP(
        3,
        (7, 2),
        4,
        activation="leaky_relu",
        output="softmax",
        dropout=0.1,
        dtype=np.float32,
        rng=np.random.default_rng(0),
        init="he",
    )
    cfg = json.loads(json.dumps(model.get_config()))
    assert cfg == {
        "n_inputs": 3,
        "hidden": [7, 2],
        "n_outputs": 4,
        "activation": "leaky_relu",
        "output": "softmax",
        "dropout": 0.1,
        "init": "he",
        "dtype": "float32",
    }
    twin = MLP.from_config(cfg)
    assert twin.dtype == np.float32 and twin.get_config() == cfg
    twin.params = model.params
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(twin.forward(X), model.forward(X))
    assert MLP.from_config(cfg, dtype=np.float64).params.dtype == np.float64
    with pytest.raises(ValueError, match=r"unknown MLP config key\(s\) \['widths'\]"):
        MLP.from_config({**cfg, "widths": [3]})


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_keep_the_views_into_the_buffer(how):
    import copy
    import pickle

    model = MLP(
        3, (4,), 2, output="softmax", dropout=0.1, dtype=np.float32, rng=np.random.default_rng(0)
    )
    X, y = data_for("softmax", 5, 3, 2)
    model.loss_and_grad(X, y)
    twin = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    np.testing.assert_array_equal(twin.params, model.params)
    np.testing.assert_array_equal(twin.grads, model.grads)
    assert twin.params.dtype == np.float32 and twin.get_config() == model.get_config()
    assert twin.rng.random() == model.rng.random()  # the generator state travels too
    twin.params[:] = 0  # the copy's layers still look at its buffer, not the original's
    assert np.all(twin.forward(X) == 0) and np.any(model.forward(X) != 0)
    assert all(np.shares_memory(W, twin.params) for W in twin.weights)


# ------------------------------------------------------------------ forward & loss
def test_forward_returns_a_fresh_array_and_loss_agrees():
    model = MLP(2, (4,), 3, output="softmax", rng=np.random.default_rng(0))
    X, y = data_for("softmax", 6, 2, 3)
    first = model.forward(X)
    kept = first.copy()
    model.forward(X * 2)
    np.testing.assert_array_equal(first, kept)
    p = model.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1)
    np.testing.assert_allclose(p, np.exp(first) / np.exp(first).sum(1, keepdims=True))
    loss = model.loss(X, y)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(6), y])), rel=1e-12)
    assert model.loss_and_grad(X, y) == pytest.approx(loss, rel=1e-15)  # no dropout: same
    np.testing.assert_array_equal(model.last_logits, first)
    assert model.loss(X, y, l2=0.5) == pytest.approx(
        loss + 0.25 * sum(np.sum(W**2) for W in model.weights), rel=1e-13
    )


def test_predict_proba_per_head():
    X = np.random.default_rng(0).normal(size=(4, 2))
    m = MLP(2, (3,), 2, output="sigmoid", rng=np.random.default_rng(0))
    np.testing.assert_allclose(m.predict_proba(X), 1 / (1 + np.exp(-m.forward(X))))
    m = MLP(2, (3,), 2, output="identity", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(m.predict_proba(X), m.forward(X))


def test_alternating_batch_sizes_give_the_same_results():
    """Workspace buffers are per batch size; results never leak between sizes."""
    model = MLP(3, (5, 4), 2, activation="gelu", output="identity", rng=np.random.default_rng(0))
    X, y = data_for("identity", 9, 3, 2)
    a = model.loss_and_grad(X[:5], y[:5]), model.grads.copy()
    model.loss_and_grad(X[5:], y[5:])
    model.forward(X)
    nbytes = model.workspace.nbytes
    b = model.loss_and_grad(X[:5], y[:5]), model.grads.copy()
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    assert model.workspace.nbytes == nbytes  # nothing new allocated the second time


def test_dropout_only_in_training_and_driven_by_rng():
    model = MLP(4, (32, 32), 2, output="identity", dropout=0.5, rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(8, 4))
    np.testing.assert_array_equal(model.forward(X), model.forward(X))
    t1 = model.forward(X, training=True, rng=np.random.default_rng(2))
    t2 = model.forward(X, training=True, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(t1, t2)
    assert not np.allclose(t1, model.forward(X))
    assert not np.allclose(model.forward(X, training=True), model.forward(X, training=True))
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense",
        "ActivationLayer",
        "Dropout",
        "Dense",
        "ActivationLayer",
        "Dropout",
        "Dense",
    ]


def test_huge_logits_are_stable_through_the_model():
    for output in OUTPUTS:
        model = MLP(2, (3,), 2, activation="sigmoid", output=output, rng=np.random.default_rng(0))
        model.params *= 1e4
        X, y = data_for(output, 6, 2, 2)
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            loss = model.loss_and_grad(X, y, l2=1e-3)
            proba = model.predict_proba(X)
        assert np.isfinite(loss) and np.all(np.isfinite(model.grads)) and np.all(np.isfinite(proba))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"output": "hinge"}, "unknown output 'hinge'; choose one of: sigmoid, softmax, identity"),
        ({"output": "softmax", "n_outputs": 1}, "needs n_outputs >= 2"),
        ({"dropout": 1.0}, r"dropout must be a rate in \[0, 1\)"),
        ({"dtype": np.float16}, "dtype must be float32 or float64"),
        ({"hidden": (4, 0)}, "each hidden layer width must be a positive integer"),
        ({"n_inputs": 2.5}, "n_inputs must be a positive integer"),
        ({"rng": np.random.RandomState(0)}, "rng must be a numpy.random.Generator"),
    ],
)
def test_bad_construction_is_named(kwargs, match):
    kw = {"n_inputs": 2, "hidden": (3,), "n_outputs": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        MLP(**kw)


def test_bad_data_is_named():
    model = MLP(3, (4,), 1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\); got \(5, 2\)"):
        model.forward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="X has 5 samples but y has shape"):
        model.loss_and_grad(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        model.loss_and_grad(np.zeros((5, 3)), np.zeros(5), l2=-1)


# -------------------------------------------------------------- against scikit-learn
SK_ACT = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "identity": "identity"}


@pytest.mark.parametrize("activation", sorted(SK_ACT))
@pytest.mark.parametrize("output, n_outputs", [("sigmoid", 1), ("softmax", 3), ("identity", 2)])
def test_forward_matches_sklearn_with_the_same_weights(activation, output, n_outputs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss, mean_squared_error
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = data_for(output, 30, 3, n_outputs, seed=1)
    y = y[:, 0] if output == "sigmoid" else y
    cls = MLPRegressor if output == "identity" else MLPClassifier
    sk = cls(hidden_layer_sizes=(5, 4), activation=SK_ACT[activation], max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    model = MLP(
        3, (5, 4), n_outputs, activation=activation, output=output, rng=np.random.default_rng(0)
    )
    for W, b, skW, skb in zip(model.weights, model.biases, sk.coefs_, sk.intercepts_, strict=True):
        W[...], b[...] = skW, skb
    if output == "identity":
        np.testing.assert_allclose(model.predict_proba(X), sk.predict(X), rtol=1e-12, atol=1e-14)
        ref = mean_squared_error(y, sk.predict(X)) / 2
    else:
        proba = sk.predict_proba(X)
        ours = model.predict_proba(X)
        if output == "sigmoid":
            ours = np.column_stack([1 - ours[:, 0], ours[:, 0]])
        np.testing.assert_allclose(ours, proba, rtol=1e-12, atol=1e-14)
        ref = log_loss(y, proba)
    assert model.loss(X, y) == pytest.approx(ref, rel=1e-10)
