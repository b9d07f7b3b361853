"""Built-in checks (tcp, http, ssh), run INSIDE the copy's checker container.

This module is shipped as program text (see scoring.checkers.agent): standard
library only, no package imports, no ``from __future__``. Each function returns
an exit code of the checker protocol and a message.
"""

import http.client
import socket
import urllib.error
import urllib.request

OK, CORRUPT, MUMBLE, DOWN, CHECK_FAILED = 101, 102, 103, 104, 110


def check_tcp(host: str, port: int, timeout: float, spec: dict[str, object]) -> tuple[int, str]:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return OK, f"port {port} open"
    except TimeoutError:
        return DOWN, f"connect to port {port} timed out"
    except OSError as exc:
        return DOWN, f"connect to port {port}: {exc.strerror or exc}"


def check_ssh(host: str, port: int, timeout: float, spec: dict[str, object]) -> tuple[int, str]:
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        return DOWN, f"connect to port {port} timed out"
    except OSError as exc:
        return DOWN, f"connect to port {port}: {exc.strerror or exc}"
    try:
        with conn:
            conn.settimeout(timeout)
            banner = conn.recv(256).decode("ascii", "replace").strip()
    except OSError:  # connected, but no greeting: something else listens there
        return MUMBLE, f"no SSH banner on port {port}"
    if banner.startswith(("SSH-2.0-", "SSH-1.99-")):
        return OK, banner[:80]
    return MUMBLE, f"not an SSH banner: {banner[:40]!r}"


def check_http(host: str, port: int, timeout: float, spec: dict[str, object]) -> tuple[int, str]:
    path = str(spec.get("path") or "/")
    expect_status = int(str(spec.get("expect_status") or 200))
    expect_text = spec.get("expect_text")
    url = f"http://{host}:{port}{path if path.startswith('/') else '/' + path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read(1 << 20)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(1 << 20)
    except TimeoutError:
        return DOWN, f"GET {path} timed out"
    except http.client.HTTPException as exc:  # something answered, but not HTTP
        return MUMBLE, f"GET {path}: not an HTTP answer ({type(exc).__name__})"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return DOWN, f"GET {path}: {reason}"
    if status != expect_status:
        return MUMBLE, f"GET {path}: status {status}, expected {expect_status}"
    if expect_text and str(expect_text).encode() not in body:
        return MUMBLE, f"GET {path}: expected text not found"
    return OK, f"GET {path}: {status}"
