"""The HTTP layer: pages, JSON endpoints, the stream, sessions, and 400s for bad requests."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

ASSETS = ("/static/explore.css", "/static/explore.js", "/static/common.js",
          "/static/landscape.js", "/static/playground.js", "/static/article.js")


def test_page_and_assets_are_served(client):
    status, html = client.get("/")
    assert status == 200 and "<title>" in html and "explore.js" in html
    for path in ASSETS:
        assert client.get(path)[0] == 200


def test_scripts_are_served_as_javascript_modules_need(client, server):
    u = urlsplit(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    conn.request("GET", "/static/landscape.js")
    r = conn.getresponse()
    assert r.status == 200 and "javascript" in r.getheader("Content-Type")
    assert "script-src 'self'" in r.getheader("Content-Security-Policy")
    r.read()
    conn.close()


def test_page_loads_nothing_from_elsewhere(client):
    """Offline: every script, style and image is the server's own."""
    for path in ("/", *ASSETS):
        text = client.get(path)[1]
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text and "//cdn" not in text


def test_meta(client):
    status, meta = client.get("/api/meta")
    assert status == 200
    assert {"adam", "sgd"} <= {r["name"] for r in meta["optimizers"]}
    assert meta["datasets"] == ["article", "moons", "circles", "xor", "spirals"]
    assert meta["limits"]["steps"] >= 500


def test_landscape_over_http(client):
    body = {"function": "rosenbrock", "optimizers": [{"name": "adam"}, {"name": "sgd"}],
            "steps": 500}
    status, out = client.post("/api/landscape", body)
    assert status == 200 and [p["optimizer"] for p in out["paths"]] == ["adam", "sgd"]
    assert len(out["paths"][0]["xy"]) == 501


@pytest.mark.parametrize("method, path, body, raw, words", [
    ("POST", "/api/landscape", {"function": "x", "optimizers": [{"name": "adam"}]}, None,
     "'function'"),
    ("POST", "/api/landscape", None, b"{not json", "not valid JSON"),
    ("POST", "/api/landscape", None, b"[1, 2]", "JSON object"),
    ("POST", "/api/landscape", None, b'{"function": NaN}', "NaN"),
    ("POST", "/api/landscape", None, b"x" * (65 * 1024), "at most"),
    ("GET", "/api/surface?function=beale&n=abc", None, None, "'n'"),
    ("GET", "/api/surface?function=beale&function=himmelblau", None, None, "twice"),
    ("GET", "/api/meta?x=1", None, None, "'x'"),
    ("POST", "/api/train/setup", {"session": "nope"}, None, "'session'"),
    ("POST", "/api/train/step", {"session": "0" * 32}, None, "unknown or expired"),
    ("GET", "/api/train/stream?session=" + "0" * 32, None, None, "unknown or expired"),
])
def test_bad_requests_get_400_with_a_message(client, method, path, body, raw, words):
    status, out = client.request(method, path, body=body, raw=raw)
    assert status == 400, out
    assert words in out["error"]


def test_a_body_must_say_it_is_json(client):
    status, out = client.request("POST", "/api/session", raw=b"{}",
                                 headers={"Content-Type": "text/plain"})
    assert status == 400 and "Content-Type" in out["error"]


def test_unknown_paths_and_methods(client):
    assert client.get("/api/nothing")[0] == 404
    assert client.get("/api/landscape")[0] == 405
    assert client.post("/api/meta")[0] == 405


def test_a_foreign_host_header_is_refused(server):
    """A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) gets 403."""
    u = urlsplit(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    conn.request("GET", "/api/meta", headers={"Host": "evil.example:80"})
    r = conn.getresponse()
    assert r.status == 403 and "not this server" in json.loads(r.read())["error"]
    conn.close()


def _session(client) -> str:
    status, out = client.post("/api/session")
    assert status == 200
    return out["session"]


def test_two_tabs_get_two_runs(client):
    a, b = _session(client), _session(client)
    assert a != b
    sa = client.post("/api/train/setup", {"session": a, "dataset": "xor", "hidden": [4]})
    sb = client.post("/api/train/setup", {"session": b, "dataset": "circles", "hidden": [6]})
    assert sa[0] == sb[0] == 200
    for _ in range(2):
        assert client.post("/api/train/step", {"session": a})[1]["epoch"] in (1, 2)
    assert client.post("/api/train/step", {"session": b})[1]["epoch"] == 1  # its own count
    assert sa[1]["n_params"] == 2 * 4 + 4 + 4 + 1 and sb[1]["n_params"] == 2 * 6 + 6 + 6 + 1


def test_setup_refuses_bad_settings(client):
    s = _session(client)
    for body, words in [({"dataset": "iris"}, "'dataset'"), ({"hidden": [0]}, "'hidden'"),
                        ({"hidden": [8] * 9}, "'hidden'"), ({"activation": "gelu2"},
                                                            "'activation'"),
                        ({"n_samples": 10**6}, "'n_samples'"), ({"optimizer": "adamx"},
                                                                "'optimizer'")]:
        status, out = client.post("/api/train/setup", {"session": s, **body})
        assert status == 400 and words in out["error"], out


def _events(server, query: str) -> list[tuple[str, dict]]:
    u = urlsplit(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/api/train/stream?" + query)
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    events, name = [], None
    for line in r.read().decode().splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    conn.close()
    return events


def test_stream_sends_one_event_per_epoch_then_done(server, client):
    s = _session(client)
    client.post("/api/train/setup", {"session": s, "dataset": "moons", "n_samples": 200})
    events = _events(server, f"session={s}&epochs=5&delay_ms=0")
    assert [e[0] for e in events] == ["epoch"] * 5 + ["done"]
    assert [e[1]["epoch"] for e in events[:5]] == [1, 2, 3, 4, 5]
    first, last = events[0][1], events[4][1]
    assert last["row"]["loss"] < first["row"]["loss"]
    assert first["row"]["val_loss"] is not None
    assert len(last["boundary"]) == 40 * 40 and last["boundary"] != first["boundary"]
    status, out = client.get(f"/api/train/stream?session={s}&epochs=100000")
    assert status == 400 and "'epochs'" in out["error"]


def test_ipv6_loopback_serves_too():
    import socket
    import threading

    from adamlab.explore import make_server

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        srv = make_server("::1", 0)
    except OSError as e:
        pytest.skip(f"cannot bind ::1 here: {e}")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        assert srv.url.startswith("http://[::1]:")
        conn = http.client.HTTPConnection("::1", srv.server_address[1], timeout=5)
        conn.request("GET", "/api/meta")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_a_step_may_follow_the_answer_to_the_last_at_once(client):
    """The run is free again before the answer is sent: back-to-back steps never get 409."""
    s = _session(client)
    client.post("/api/train/setup", {"session": s, "dataset": "xor", "n_samples": 40})
    epochs = [client.post("/api/train/step", {"session": s}) for _ in range(20)]
    assert [e[0] for e in epochs] == [200] * 20
    assert [e[1]["epoch"] for e in epochs] == list(range(1, 21))


def test_a_step_right_after_a_stream_ends(server, client):
    s = _session(client)
    client.post("/api/train/setup", {"session": s, "dataset": "xor", "n_samples": 40})
    for k in range(5):
        assert _events(server, f"session={s}&epochs=1&delay_ms=0")[-1][0] == "done"
        status, out = client.post("/api/train/step", {"session": s})
        assert status == 200 and out["epoch"] == 2 * k + 2
