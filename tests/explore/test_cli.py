"""``adamlab explore`` as a user runs it: URL first, serves, Ctrl-C exits cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "adamlab", "explore", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("adamlab explore did not stop on Ctrl-C (SIGINT)")
    return proc.returncode, out, err


def test_prints_the_url_first_serves_and_stops_on_ctrl_c():
    proc = _start("--port", "0")
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    with urllib.request.urlopen(url + "api/meta", timeout=10) as r:
        assert "adam" in {row["name"] for row in json.load(r)["optimizers"]}
    code, _, err = _stop(proc)
    assert code == 0 and "Traceback" not in err


def test_json_url_and_a_warning_beyond_loopback():
    proc = _start("--host", "0.0.0.0", "--json", "--quiet")
    first = json.loads(proc.stdout.readline())
    assert first["url"].startswith("http://127.0.0.1:")  # bound to all: the URL to open here
    port = first["url"].rsplit(":", 1)[1].strip("/")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=10) as r:
        assert r.status == 200
    code, _, err = _stop(proc)
    assert code == 0 and "warning" in err and "0.0.0.0" in err


def test_a_bad_port_is_a_usage_error(capsys):
    from adamlab.cli import main

    assert main(["explore", "--port", "99999"]) == 2
    err = capsys.readouterr().err
    assert "port" in err and "Traceback" not in err


def test_a_port_in_use_is_a_failed_run(capsys):
    import socket

    from adamlab.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["explore", "--port", str(s.getsockname()[1])]) == 1
    err = capsys.readouterr().err
    assert "cannot serve on 127.0.0.1" in err and "Traceback" not in err
