"""The explorer's HTTP server: the standard library's ``ThreadingHTTPServer``, JSON endpoints,
and server-sent events for the epochs of a training run.

Why the standard library: the page needs a dozen small JSON endpoints and one stream, on
loopback, for one user; ``http.server`` does that with no dependency, and server-sent events
(``text/event-stream``) are plain HTTP that the browser's ``EventSource`` reads and reconnects.
An ASGI stack would add a framework and a server for nothing the page uses.

Endpoints (bodies and answers are JSON; a refused request is ``400 {"error": message}``)::

    GET  /                     the page (static/index.html; static/ holds its script and style)
    GET  /api/meta             functions, optimizers (the registry, read live), data sets, limits
    GET  /api/surface          ?function=&n=  f on an n x n grid, for the landscape's background
    POST /api/landscape        paths + per-step internals        (adamlab.explore.landscape_api)
    GET  /api/article          the seed experiment and its correction (adamlab.explore.article_api)
    POST /api/session          {"session": token}: one per tab (adamlab.explore.sessions)
    POST /api/train/setup      build the tab's training run      (adamlab.explore.playground)
    POST /api/train/step       train one epoch, answer it
    POST /api/train/pause      a running stream stops after its current epoch
    GET  /api/train/stream     ?session=&epochs=&delay_ms=  one "epoch" event per epoch, then "done"

Defences a local server still needs: a Host header other than the address served is refused
(DNS rebinding), request bodies are capped (``LIMITS["body_bytes"]``), every field is checked
(``adamlab.explore.validate``), and the page runs under a Content-Security-Policy of its own
origin only (no inline script, nothing fetched from elsewhere).
"""

from __future__ import annotations

import gc
import json
import mimetypes
import socket
import sys
import time
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adamlab.explore import article_api, landscape_api
from adamlab.explore.playground import DATASETS, Playground
from adamlab.explore.sessions import SessionStore
from adamlab.explore.validate import LIMITS, BadRequest, integer, only_fields, session_id

__all__ = ["ExploreServer", "make_server"]

#: The page and its files (package data: adamlab/explore/static), by the path they are served at.
_STATIC = {"/": "index.html", **{
    f"/static/{name}": name
    for name in ("explore.css", "explore.js", "common.js", "landscape.js", "playground.js",
                 "article.js")}}
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class Conflict(Exception):
    """A request that is well formed but cannot run now (HTTP 409)."""


class ExploreServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer holding the sessions; ``url`` is where the page is."""

    daemon_threads = True  # a stream still open at Ctrl-C does not hold the exit
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> None:
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)
        self.sessions = SessionStore()
        self.quiet = quiet
        self.host = host

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(str(host), host)  # all: open this one
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def allowed_hosts(self) -> set[str]:
        port = self.server_address[1]
        names = {str(self.server_address[0]), "127.0.0.1", "localhost", "[::1]"}
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            return set()  # served beyond loopback on purpose (--host): any Host is accepted
        return {f"{n}:{port}" for n in names} | names


def make_server(host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> ExploreServer:
    """Bind the explorer to ``host:port`` (port 0: a free one) and warm up the optimizers'
    compiled kernels, so that the first request is as fast as the others."""
    server = ExploreServer(host, port, quiet)
    page = [{"name": n} for n in ("adam", "sgd", "momentum", "rmsprop")]  # the page's first
    landscape_api.landscape({"function": "rosenbrock", "optimizers": page, "steps": 2})
    # What is alive now (numpy's, numba's and adamlab's ~160 000 objects) lives as long as the
    # server: out of the collector's reach, a full collection (every few requests, from the
    # paths' lists) walks only what requests made: ~1 ms instead of ~100-300 ms under load.
    gc.freeze()
    return server


def meta() -> dict[str, Any]:
    from adamlab import __version__
    from adamlab.nn import ACTIVATIONS

    limits = {k: list(v) if isinstance(v, tuple) else v for k, v in LIMITS.items()}
    return {**landscape_api.meta(), "datasets": list(DATASETS),
            "activations": list(ACTIVATIONS), "limits": limits, "version": __version__}


class Handler(BaseHTTPRequestHandler):
    server: ExploreServer
    server_version = "adamlab-explore"

    # ------------------------------------------------------------- plumbing
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Refused and failed requests only: a slider sends one request per move."""
        if str(code).isdigit() and int(code) >= 400:
            super().log_request(code, size)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        if not self.server.quiet:
            sys.stderr.write(f"explore: {self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _CSP)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, body, "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message, "status": status})

    def _host_ok(self) -> bool:
        allowed = self.server.allowed_hosts()
        host = self.headers.get("Host", "")
        if allowed and host not in allowed:
            self._error(HTTPStatus.FORBIDDEN, f"Host {host!r} is not this server; "
                        f"open {self.server.url}")
            return False
        return True

    def _body(self) -> dict[str, Any]:
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/json":
            raise BadRequest(f"send the body as JSON (Content-Type: application/json), "
                             f"got {ctype or 'none'!r}")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest("Content-Length must be a number of bytes") from None
        if length > LIMITS["body_bytes"] or length < 0:
            raise BadRequest(f"the body is {length} bytes; at most {LIMITS['body_bytes']}")
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as e:
            raise BadRequest(f"the body is not valid JSON: {e}") from None
        if not isinstance(body, dict):
            raise BadRequest(f"the body must be a JSON object, got {type(body).__name__}")
        return body

    def _query(self) -> dict[str, str]:
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        repeated = sorted(k for k, v in query.items() if len(v) > 1)
        if repeated:
            raise BadRequest(f"query parameter(s) given twice: {', '.join(repeated)}")
        return {k: v[0] for k, v in query.items()}

    def _run(self, routes: dict[str, Callable[[], None]]) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        route = routes.get(path)
        if route is None:
            other = _GET if routes is _POST else _POST
            if path in other or (routes is _POST and path in _STATIC):
                self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not allowed "
                            f"on {path}")
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such page or endpoint: {path}")
            return
        try:
            route(self)
        except BadRequest as e:
            self._error(HTTPStatus.BAD_REQUEST, str(e))
        except Conflict as e:
            self._error(HTTPStatus.CONFLICT, str(e))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away
        except Exception as e:  # a bug: answer 500 with its name, keep serving
            traceback.print_exc(file=sys.stderr)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: "
                        f"{type(e).__name__}: {e}")

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = urlsplit(self.path).path
        if path in _STATIC:
            if self._host_ok():
                self._static(_STATIC[path])
            return
        self._run(_GET)

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        self._run(_POST)

    def _static(self, name: str) -> None:
        data = resources.files("adamlab.explore").joinpath("static", name).read_bytes()
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, data, ctype)

    # ------------------------------------------------------------ endpoints
    def meta(self) -> None:
        only_fields(self._query(), ())
        self._json(HTTPStatus.OK, meta())

    def surface(self) -> None:
        self._json(HTTPStatus.OK, landscape_api.surface(self._query()))

    def landscape(self) -> None:
        self._json(HTTPStatus.OK, landscape_api.landscape(self._body()))

    def article(self) -> None:
        only_fields(self._query(), ())
        self._json(HTTPStatus.OK, article_api.article())

    def new_session(self) -> None:
        only_fields(self._body(), ())
        self._json(HTTPStatus.OK, {"session": self.server.sessions.create().token})

    def _session(self, body: dict[str, Any]):
        return self.server.sessions.get(session_id(body))

    def _playground(self, body: dict[str, Any]) -> Playground:
        session = self._session(body)
        if session.playground is None:
            raise BadRequest("this session has no training run yet; POST /api/train/setup")
        return session.playground

    def train_setup(self) -> None:
        body = self._body()
        session = self._session(body)
        old = session.playground
        if old is not None and old.lock.locked():
            old.pause.set()
            raise Conflict("this session is training; pause it before setting up a new run")
        session.playground = Playground.from_request(body)
        self._json(HTTPStatus.OK, session.playground.describe())

    def train_step(self) -> None:
        body = self._body()
        only_fields(body, ("session",))
        play = self._playground(body)
        if not play.lock.acquire(blocking=False):
            raise Conflict("this session is training; pause it to step one epoch")
        try:
            payload = play.epoch()
        finally:
            play.lock.release()  # before answering: the page may ask for the next one at once
        self._json(HTTPStatus.OK, payload)

    def train_pause(self) -> None:
        body = self._body()
        only_fields(body, ("session",))
        play = self._playground(body)
        play.pause.set()
        self._json(HTTPStatus.OK, {"paused": True, "epoch": play.trainer.epoch})

    def train_stream(self) -> None:
        query = self._query()
        only_fields(query, ("session", "epochs", "delay_ms"))
        session = self._session(query)
        play = self._playground(query)
        epochs = integer({"epochs": _int(query.get("epochs", "100"))}, "epochs", 1,
                         LIMITS["epochs_per_stream"])
        delay = integer({"delay_ms": _int(query.get("delay_ms", "30"))}, "delay_ms", 0, 2000)
        if not play.lock.acquire(blocking=False):
            raise Conflict("this session is already training")
        session.busy += 1
        try:
            play.pause.clear()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            for _ in range(epochs):
                if play.pause.is_set():
                    break
                t0 = time.monotonic()
                payload = play.epoch()
                self._event("epoch", payload)
                if "diverged" in payload:
                    break
                rest = delay / 1000 - (time.monotonic() - t0)
                if rest > 0:
                    play.pause.wait(rest)
            done = {"epoch": play.trainer.epoch, "paused": play.pause.is_set()}
        finally:
            session.busy -= 1
            play.lock.release()  # before "done": the page may step or start again at once
        self._event("done", done)
        self.close_connection = True

    def _event(self, name: str, data: Any) -> None:
        text = json.dumps(data, allow_nan=False, separators=(",", ":"))
        self.wfile.write(f"event: {name}\ndata: {text}\n\n".encode())
        self.wfile.flush()


def _int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def _refuse_constant(name: str) -> float:
    raise BadRequest(f"the body holds {name}, which is not JSON; send finite numbers")


_GET: dict[str, Callable[[Handler], None]] = {
    "/api/meta": Handler.meta,
    "/api/surface": Handler.surface,
    "/api/article": Handler.article,
    "/api/train/stream": Handler.train_stream,
}
_POST: dict[str, Callable[[Handler], None]] = {
    "/api/landscape": Handler.landscape,
    "/api/session": Handler.new_session,
    "/api/train/setup": Handler.train_setup,
    "/api/train/step": Handler.train_step,
    "/api/train/pause": Handler.train_pause,
}
