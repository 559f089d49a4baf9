"""HTTP as servers send it: guarded connections, bounded header lines, interim responses."""

from __future__ import annotations

import http.client
import socket
from typing import Any, ClassVar, Final

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from ._address import _AddressPolicy, _Refused
from ._deadline import _active_deadline
from ._result import MAX_CONNECTIONS_PER_HOST, MAX_INTERIM_RESPONSES

# --- HTTP as it is --------------------------------------------------------------------------------


class _ProtocolViolation(http.client.HTTPException):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


_MAX_HEADER_LINE: Final = 65536
_MAX_HEADER_LINES: Final = 100


class _FinalResponse(http.client.HTTPResponse):
    """RFC 9110 §15.2: interim 1xx responses come before the final response and are skipped.

    http.client skips only ``100``, so a ``103 Early Hints`` would be taken for the answer and
    the real one left unread (a ``Disallow: /`` behind it read as "no file").  A ``101`` to a
    request that asked no upgrade, or an endless run of interim responses, is a protocol error.
    """

    def _read_status(self) -> tuple[str, int, str]:
        for _ in range(MAX_INTERIM_RESPONSES + 1):
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status == 101:
                raise _ProtocolViolation("upgrade", "101 Switching Protocols without an upgrade "
                                         "request")
            if not 100 <= status < 200:
                return version, status, reason
            self._skip_fields()
        raise _ProtocolViolation(
            "interim", f"more than {MAX_INTERIM_RESPONSES} interim responses")

    def _skip_fields(self) -> None:
        assert self.fp is not None
        for _ in range(_MAX_HEADER_LINES + 1):
            line = self.fp.readline(_MAX_HEADER_LINE + 1)
            if len(line) > _MAX_HEADER_LINE:
                raise http.client.LineTooLong("header line")
            if line in (b"\r\n", b"\n", b""):
                return
        raise http.client.HTTPException(f"more than {_MAX_HEADER_LINES} header lines")


class _GuardedHTTPConnection(HTTPConnection):
    policy: ClassVar[_AddressPolicy]
    response_class = _FinalResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self)

    def getresponse(self) -> Any:
        _watch(self)
        return super().getresponse()


class _GuardedHTTPSConnection(HTTPSConnection):
    policy: ClassVar[_AddressPolicy]
    response_class = _FinalResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self)

    def getresponse(self) -> Any:
        _watch(self)
        return super().getresponse()


def _watch(conn: HTTPConnection) -> None:
    """A pooled connection serves the fetch now running: its deadline watches the socket."""
    deadline = _active_deadline()
    if deadline is not None and conn.sock is not None:
        deadline.watch(conn.sock)


def _guarded_connect(conn: Any) -> socket.socket:
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
    deadline = _active_deadline()
    if deadline is not None:
        left = max(deadline.remaining(), 0.001)
        timeout = left if timeout is None else min(timeout, left)
    try:
        sock: socket.socket = conn.policy.connect(conn._dns_host, conn.port, timeout,
                                                  conn.source_address)
        if deadline is not None:
            deadline.watch(sock)  # the TLS handshake reads from this socket too
        for option in conn.socket_options or ():  # urllib3's defaults: TCP_NODELAY
            sock.setsockopt(*option)
        return sock
    except socket.gaierror as exc:
        raise NewConnectionError(conn, f"name resolution failed: {exc}") from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"connection to {conn.host} timed out") from exc
    except _Refused:
        raise
    except OSError as exc:
        raise NewConnectionError(conn, f"failed to connect: {exc}") from exc


def _guarded_pool_classes(policy: _AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pools whose connections go only where ``policy`` allows."""
    http_conn = type("_HTTPConn", (_GuardedHTTPConnection,), {"policy": policy})
    https_conn = type("_HTTPSConn", (_GuardedHTTPSConnection,), {"policy": policy})
    return {
        "http": type("_HTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("_HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class _GuardedAdapter(HTTPAdapter):
    """A caller's requests session gets the same address rule as our own pools."""

    def __init__(self, policy: _AddressPolicy) -> None:
        self._policy = policy
        super().__init__(pool_connections=64, pool_maxsize=MAX_CONNECTIONS_PER_HOST, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pool_classes(self._policy)
