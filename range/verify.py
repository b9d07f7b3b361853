"""`verify`: run the plan's probes from inside the containers and compare.

Each probe is one fixed Python program run with `python3 -c` inside the source
container; the address, port and protocol travel as argv items, never as code.
A TCP probe that is refused still proves the packet got through (the path is
open, only nothing listens); a timeout or an unreachable answer means blocked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from range.backends.base import Backend
from range.plan import Plan
from range.reach import Probe, probe_set
from range.verify_host import engine_here, host_addresses, host_listener, host_probes

PROBE_TIMEOUT = 2.0  # seconds a connect may take before the port counts as blocked
RETRY_TIMEOUT = 6.0  # a mismatch is probed once more, slower, before it is reported
EXEC_TIMEOUT = 60.0  # docker exec itself can be slow on a busy engine host
WORKERS = 8

# Answers the probe program prints, and whether each means "the packet got there".
REACHED = {"open": True, "closed": True, "filtered": False, "unreachable": False}

PROBE_CODE = """
import socket, sys
host, port, proto, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.settimeout(timeout)
try:
    s.connect((host, port))
    if proto == "udp":
        s.send(b"cyberrange-probe\\n")
        s.recv(1)
    print("open")
except ConnectionRefusedError:
    print("closed")
except TimeoutError:
    print("filtered")
except OSError:
    print("unreachable")
"""


@dataclass(frozen=True)
class ProbeResult:
    source: str  # container name
    destination: str  # container name
    address: str
    port: int
    protocol: str
    expected: str  # "allowed" | "denied"
    actual: str  # open | closed | filtered | unreachable | error: ...
    ok: bool
    kind: str = ""
    reason: str = ""


def probe_argv(probe: Probe, timeout: float = PROBE_TIMEOUT) -> list[str]:
    port, protocol = str(probe.port), probe.protocol
    return ["python3", "-c", PROBE_CODE, probe.address, port, protocol, str(timeout)]


def judge(probe: Probe, answer: str) -> ProbeResult:
    reached = REACHED.get(answer)
    ok = reached is not None and reached == probe.expect_allowed
    return ProbeResult(
        source=probe.source,
        destination=probe.destination,
        address=probe.address,
        port=probe.port,
        protocol=probe.protocol,
        expected="allowed" if probe.expect_allowed else "denied",
        actual=answer,
        ok=ok,
        kind=probe.kind,
        reason=probe.reason,
    )


def run_probe(
    backend: Backend, range_name: str, probe: Probe, timeout: float = PROBE_TIMEOUT
) -> ProbeResult:
    argv = probe_argv(probe, timeout)
    result = backend.exec(range_name, probe.source, argv, timeout=EXEC_TIMEOUT + timeout)
    if result.timed_out:
        answer = "error: probe did not finish"
    elif result.exit_code != 0:
        answer = f"error: {(result.stderr.strip() or 'exit ' + str(result.exit_code))[:120]}"
    else:
        answer = result.stdout.strip() or "error: no answer"
    return judge(probe, answer)


def verify_plan(
    backend: Backend,
    plan: Plan,
    probes: Sequence[Probe] | None = None,
    done: Callable[[ProbeResult], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> list[ProbeResult]:
    """Run every probe (in parallel); results in the probes' order.

    Without ``probes``: the plan's probe set and, when the engine runs on this
    machine, the probes to a listener on the host (verify_host), which must all
    be blocked. ``started`` gets the number of probes before the first runs;
    ``done`` each result.
    """
    if probes is not None or not engine_here():
        chosen = list(probe_set(plan) if probes is None else probes)
        return _run_all(backend, plan, chosen, done, started)
    with host_listener() as port:
        chosen = probe_set(plan) + host_probes(plan, port, host_addresses())
        return _run_all(backend, plan, chosen, done, started)


def _run_all(
    backend: Backend,
    plan: Plan,
    chosen: list[Probe],
    done: Callable[[ProbeResult], None] | None,
    started: Callable[[int], None] | None,
) -> list[ProbeResult]:
    if started is not None:
        started(len(chosen))

    def one(probe: Probe) -> ProbeResult:
        result = run_probe(backend, plan.range, probe)
        if not result.ok:  # a busy engine host can be slow to answer: ask once more
            result = run_probe(backend, plan.range, probe, RETRY_TIMEOUT)
        if done is not None:
            done(result)
        return result

    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(chosen))) as pool:
        return list(pool.map(one, chosen))
