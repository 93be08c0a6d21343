"""``adamlab explore``: serve the explorer page (``adamlab.explore``) until Ctrl-C.

The first line on stdout is the page's URL (a script can read it); the server binds to
127.0.0.1 unless ``--host`` says otherwise, and then warns on stderr, since the page lets
whoever reaches it run training on this machine.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys

from adamlab.cli.errors import RunError


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {port}")
    return port


def add_parser(sub) -> None:
    p = sub.add_parser("explore", help="an interactive explorer in the browser",
                       description="Serve a page where adamlab's own optimizers run as you move "
                                   "the sliders: paths on 2-D landscapes with Adam's internals "
                                   "per step, a training playground, and the article. Prints the "
                                   "URL first; Ctrl-C stops it.")
    p.add_argument("--port", type=_port, default=0, help="port to serve on (0: a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind; anything beyond loopback prints a warning")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab.explore import make_server

    try:
        server = make_server(args.host, args.port, quiet=args.quiet)
    except OSError as e:  # the port is taken, the address is not this machine's, ...
        raise RunError(f"cannot serve on {args.host}:{args.port}: {e.strerror or e}") from None
    url = server.url
    print(json.dumps({"url": url}) if args.json else url, flush=True)
    if not _loopback(args.host):
        print(f"adamlab explore: warning: serving on {args.host}, beyond this machine's loopback: "
              "anyone who can reach it can run training here", file=sys.stderr, flush=True)
    if not args.quiet:
        print("adamlab explore: serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    if not args.quiet:
        print("adamlab explore: stopped", file=sys.stderr)
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return False
