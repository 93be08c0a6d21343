"""The article reproduced exactly (against its own listing, run here) and corrected."""

import numpy as np

from adamlab import article


def run_the_articles_listing():
    """The article's code, transcribed (only plotting and printing removed), run in isolation."""
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        X = np.random.rand(100, 2)
        y = (X[:, 0] + X[:, 1] > 1).astype(int)

        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def predict(X, weights):
            return sigmoid(np.dot(X, weights))

        theta = np.random.rand(2)
        alpha, beta1, beta2, epsilon = 0.1, 0.9, 0.999, 1e-8
        m, v, t = np.zeros(2), np.zeros(2), 0
        for _ in range(100):
            for i in range(len(X)):
                t += 1
                gradient = (predict(X[i], theta) - y[i]) * X[i]
                m = beta1 * m + (1 - beta1) * gradient
                v = beta2 * v + (1 - beta2) * gradient**2
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                theta -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
        return theta, np.mean((predict(X, theta) > 0.5) == y)
    finally:
        np.random.set_state(saved)


def test_faithful_reproduces_the_listing():
    theta, acc = run_the_articles_listing()
    got = article.faithful()
    # the listing prints theta with NumPy's default 8 significant digits: identical print-out
    assert np.array2string(np.array(got["theta"])) == np.array2string(theta)
    np.testing.assert_allclose(got["theta"], theta, rtol=1e-12)
    assert got["train_accuracy"] == acc == 0.58
    assert got["steps"] == 10_000


def test_corrected_model_learns_the_boundary_with_a_real_curve():
    got = article.corrected()
    assert got["train_accuracy"] >= 0.98
    h = got["history"]
    assert h["epoch"] == list(range(1, 101))
    assert h["loss"][-1] < h["loss"][0] / 5
    assert all(v is not None for v in h["val_loss"])


def test_run_returns_plain_data():
    import json

    out = article.run()
    json.dumps(out)  # JSON-able
    assert set(out) == {"faithful", "corrected"}
