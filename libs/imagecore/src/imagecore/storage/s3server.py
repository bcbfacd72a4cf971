"""An S3 server on loopback for embedded use, demos and tests (moto in server mode).

It speaks the real S3 HTTP API, so boto3 goes through its full HTTP path. State lives in
memory and is lost when the server stops. Run one in the foreground with
``python -m imagecore.storage.s3server --port 9000``.
"""

from __future__ import annotations

import argparse
import logging
import socket
import time
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)


class S3Server:
    """An in-process moto S3 server on ``host`` at a free (or given) port.

    Examples
    --------
    >>> with S3Server() as srv:  # doctest: +SKIP
    ...     store = S3Store("bucket", endpoint_url=srv.endpoint_url, create_bucket=True)
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("S3Server is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    def start(self) -> S3Server:
        """Start serving in a daemon thread; returns self."""
        if self._server is not None:
            return self
        from moto.server import ThreadedMotoServer

        # werkzeug logs one INFO line per request; an embedded server should stay quiet.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self.port = server.get_host_and_port()[1]
        self._server = server
        _wait_for_port(self.host, self.port)
        log.info("S3 server listening on %s", self.endpoint_url)
        return self

    def stop(self) -> None:
        """Stop the server."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"S3 server did not start on {host}:{port}")


def main(argv: list[str] | None = None) -> int:
    """Run an S3 server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Run an in-memory S3 server (moto) on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args(argv)
    with S3Server(args.host, args.port) as srv:
        print(f"S3 server on {srv.endpoint_url} (in memory; Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
