"""`verify`: run the plan's probes from inside the containers and compare.

The probes of one source container run in one exec of a fixed Python program
(``range.probe_batch``), all at once; a probe whose answer differs from the
plan is then run once more alone (``run_probe``: ``PROBE_CODE`` with
``python3 -c``) with a longer timeout. Addresses, ports and protocols travel
as argv items, never as code.
A TCP probe that is refused still proves the packet got through (the path is
open, only nothing listens); a timeout or an unreachable answer means blocked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from range.backends.base import Backend, ExecResult
from range.plan import Plan
from range.probe_batch import WIDTH, batch_argv, batch_rounds, parse_answers
from range.reach import Probe, probe_set
from range.verify_host import engine_here, host_addresses, host_listener, host_probes

PROBE_TIMEOUT = 2.0  # seconds a connect may take before the port counts as blocked
RETRY_TIMEOUT = 6.0  # a mismatch is probed once more, slower, before it is reported
EXEC_TIMEOUT = 60.0  # docker exec itself can be slow on a busy engine host
# Batch execs at once. Each holds its slot for about one probe timeout (2 s)
# while the container waits on its sockets, and costs the engine host some
# 0.1-0.2 s of CPU (docker CLI, daemon, runc, a Python start): 16 keeps a
# 2-core machine busy without queueing execs inside the daemon.
EXEC_WORKERS = 16

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
    answer = result.stdout.strip() if result.exit_code == 0 and not result.timed_out else ""
    return judge(probe, answer or _failure(result))


def verify_plan(
    backend: Backend,
    plan: Plan,
    probes: Sequence[Probe] | None = None,
    done: Callable[[ProbeResult], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> list[ProbeResult]:
    """Run every probe (one batch exec per source container); results in the probes' order.

    Without ``probes``: the plan's probe set and, when the engine runs on this
    machine, the probes to a listener on the host (verify_host), which must all
    be blocked. ``started`` gets the number of probes before the first runs;
    ``done`` each final result (after its retry), in the order they are known.
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
    """One batch exec per source container, then each mismatch once more alone.

    Batches run EXEC_WORKERS at once, the biggest first so that the shared
    hosts' long batches do not finish last; retries queue in the same pool,
    so the engine never has more than EXEC_WORKERS execs of ours at once.
    ``done`` is called from this thread, as each probe's final answer is known.
    """
    if started is not None:
        started(len(chosen))
    results: list[ProbeResult | None] = [None] * len(chosen)

    def finish(index: int, result: ProbeResult) -> None:
        results[index] = result
        if done is not None:
            done(result)

    if not chosen:
        return []
    groups = by_source(chosen)
    # Not capped at len(groups): the retries of a lone broken source run in parallel too.
    with ThreadPoolExecutor(max_workers=EXEC_WORKERS) as pool:
        batches = {
            pool.submit(run_batch, backend, plan.range, [chosen[i] for i in group]): group
            for group in groups
        }
        retries: dict[Future[ProbeResult], int] = {}
        for future in as_completed(batches):
            for index, result in zip(batches[future], future.result(), strict=True):
                if result.ok:
                    finish(index, result)
                else:  # a busy engine host can be slow to answer: ask once more, alone
                    retry = pool.submit(
                        run_probe, backend, plan.range, chosen[index], RETRY_TIMEOUT
                    )
                    retries[retry] = index
        for retry in as_completed(retries):
            finish(retries[retry], retry.result())
    return [r for r in results if r is not None]


def by_source(chosen: Sequence[Probe]) -> list[list[int]]:
    """Probe indexes grouped by source container, the biggest group first."""
    groups: dict[str, list[int]] = {}
    for index, probe in enumerate(chosen):
        groups.setdefault(probe.source, []).append(index)
    return sorted(groups.values(), key=len, reverse=True)


def run_batch(
    backend: Backend,
    range_name: str,
    probes: Sequence[Probe],
    timeout: float = PROBE_TIMEOUT,
    width: int = WIDTH,
) -> list[ProbeResult]:
    """Every probe of one source container in one exec (``range.probe_batch``); in order.

    At most ``width`` connects are in flight at once inside the container.
    """
    if not probes:
        return []
    argv = batch_argv(probes, timeout, width)
    limit = EXEC_TIMEOUT + timeout * batch_rounds(len(probes), width)
    result = backend.exec(range_name, probes[0].source, argv, timeout=limit)
    answers = parse_answers(result.stdout, len(probes))
    missing = _failure(result)  # for probes the program gave no answer for
    return [judge(p, a if a is not None else missing) for p, a in zip(probes, answers, strict=True)]


def _failure(result: ExecResult) -> str:
    """The answer of a probe its exec did not answer: why the exec failed."""
    if result.timed_out:
        return "error: probe did not finish"
    if result.exit_code != 0:
        return f"error: {(result.stderr.strip() or 'exit ' + str(result.exit_code))[:120]}"
    return "error: no answer"
