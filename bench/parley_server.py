"""Serves Parley for a benchmark: create_app over a benchmark database, no access log.

`python -m bench.parley_server --db URL --port N [--no-worker]` (the worker runs in the web
process unless --no-worker; then run `parley worker` beside it, as in scale mode).
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--port", type=int, default=3100)
    parser.add_argument("--base-url", default="http://127.0.0.1:3100")
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()

    import uvicorn

    from parley.app import create_app
    from parley.config import Settings

    settings = Settings(database_url=args.db, base_url=args.base_url, environment="production",
                        secret_key=os.environ.get("PARLEY_SECRET_KEY", "bench-secret-key"),
                        redis_url=os.environ.get("PARLEY_REDIS_URL", ""))
    app = create_app(settings, run_worker=not args.no_worker, auto_migrate=False)
    # Access logging is off for both Parley and the floor app: it is a deployment choice and
    # would be the same constant on both sides of every ratio.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools")


if __name__ == "__main__":
    main()
