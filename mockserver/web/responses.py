"""The mock's response class: Flask's, with the body handed to the server in one piece."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import flask

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


class Response(flask.Response):
    """A response whose whole body the server gets at once, when the body is whole (not streamed).

    Werkzeug hands every body over as an iterator; granian then calls back into Python for each chunk and
    to close it, taking the GIL from the threads serving other requests. A list it sends in one go."""

    def get_app_iter(self, environ: WSGIEnvironment) -> Iterable[bytes]:
        if (
            self.is_streamed
            or self.direct_passthrough
            or environ["REQUEST_METHOD"] == "HEAD"
            or self.status_code < 200
            or self.status_code in (204, 304)
        ):
            return super().get_app_iter(environ)
        body = b"".join(self.iter_encoded())
        self.close()
        return [body]
