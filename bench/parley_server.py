"""Serves Parley for a benchmark: create_app over a benchmark database, no access log.

`python -m bench.parley_server --db URL --port N [--no-worker] [--reuse-port] [--redis-url U]`
(the worker runs in the web process unless --no-worker; then run `parley worker` beside it, as
in scale mode; --reuse-port lets several of these share one port, the kernel spreading
connections among them as a load balancer would).
"""

from __future__ import annotations

import argparse
import os
import socket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--port", type=int, default=3100)
    parser.add_argument("--base-url", default="http://127.0.0.1:3100")
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--reuse-port", action="store_true")
    parser.add_argument("--redis-url", default=os.environ.get("PARLEY_REDIS_URL", ""))
    args = parser.parse_args()

    import uvicorn

    from parley.app import create_app
    from parley.cli import UVICORN_WEBSOCKETS
    from parley.config import Settings

    settings = Settings(database_url=args.db, base_url=args.base_url, environment="production",
                        secret_key=os.environ.get("PARLEY_SECRET_KEY", "bench-secret-key"),
                        redis_url=args.redis_url,
                        # wrk and the open-loop client are one address with a few tokens:
                        # Mastodon's budgets would refuse the load being measured.
                        rate_limits=False)
    app = create_app(settings, run_worker=not args.no_worker, auto_migrate=False)
    # Access logging is off for both Parley and the floor app: it is a deployment choice and
    # would be the same constant on both sides of every ratio.
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning",
                            access_log=False, loop="uvloop", http="httptools",
                            **UVICORN_WEBSOCKETS)
    server = uvicorn.Server(config)
    if not args.reuse_port:
        server.run()
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", args.port))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
