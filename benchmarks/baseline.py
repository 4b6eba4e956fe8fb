"""The baseline: a bare Flask app answering the DigitalChalk list's exact bytes, and nothing else.

`python -m benchmarks.baseline --port N --threads T` serves it with `mockserver.server.serve`, so on
granian with exactly the settings of `mockserver run`; gunicorn and waitress load `bare_app` themselves."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flask import Flask, Response

from mockserver.server import Listener, serve

BODY_FILE = "BENCH_BODY_FILE"  # environment variable: the file holding the body to answer
CONTENT_TYPE = "application/json"  # the mock's, as its list's `Content-Type` says


def bare_app() -> Flask:
    """A Flask app whose one route answers the body in the file named by $BENCH_BODY_FILE."""
    body = Path(os.environ[BODY_FILE]).read_bytes()
    app = Flask(__name__)

    @app.get("/dc/api/v5/registrations")
    def registrations() -> Response:
        return Response(body, content_type=CONTENT_TYPE)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    listeners = [Listener(args.port)]
    serve(bare_app(), host="127.0.0.1", listeners=listeners, threads=args.threads, on_ready=lambda: None)


if __name__ == "__main__":
    main()
