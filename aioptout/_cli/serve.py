"""``aioptout serve``: the web validator on a local port (needs the ``web`` extra)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer
from rich.markup import escape

from ._common import EXIT_CODES_HELP, Exit, fail, stderr
from ._sources import AllowPrivate, NetOptions, Resolve

_MISSING_EXTRA = (
    "the web validator needs the 'web' extra: pip install 'aioptout[web]' "
    "(Starlette and uvicorn)"
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; 0.0.0.0 to serve others.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free).")
    ] = 8000,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Total seconds allowed for one fetch.")
    ] = 8.0,
) -> None:
    """Start the web validator: paste or upload a file, see its findings on their lines, the
    explain table and a tester; check a site; write a starter declaration.

    The page, its JSON API (/openapi.json) and the spec (/spec) are served by this process;
    nothing is fetched from elsewhere and nothing sent is stored.

    Examples:

      aioptout serve

      aioptout serve --host 0.0.0.0 --port 8080

      aioptout serve --allow-private --resolve declared.test:8081:127.0.0.1
    """
    try:
        import uvicorn

        from ..web import create_app
    except ModuleNotFoundError as exc:
        fail(escape(f"{_MISSING_EXTRA} ({exc.name} is not installed)"), Exit.USAGE)
    pins = NetOptions(allow_private, tuple(resolve or ()), timeout).resolve_map()
    if allow_private and not _is_loopback(host):
        stderr().print(
            "warning: --allow-private with a non-loopback --host lets visitors make this "
            "server fetch from your private network"
        )
    app = create_app(allow_private=allow_private, resolve=pins, fetch_timeout=timeout)
    try:
        sock = _bind(host, port)
    except OSError as exc:
        fail(escape(f"cannot listen on {host}:{port}: {exc.strerror or exc}"), Exit.USAGE)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    stderr().print(f"aioptout validator on http://{shown}:{bound}/ (Ctrl-C stops it)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _bind(host: str, port: int) -> socket.socket:
    """Listen before uvicorn starts, so a busy port is a usage error and port 0 is shown."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=EXIT_CODES_HELP)(serve_command)
