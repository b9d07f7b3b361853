"""verify's batch probe program: its argv, its answers, and the program itself on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from range.errors import CyberrangeError
from range.probe_batch import BATCH_CODE, WIDTH, batch_argv, batch_rounds, parse_answers
from range.reach import Probe
from range.verify import PROBE_CODE, by_source


def _probe(address: str, port: int, proto: str = "tcp", source: str = "r-c1-web") -> Probe:
    return Probe(source, "r-c1-db", address, port, proto, True, "service")


def test_argv_is_the_fixed_program_then_timeout_width_and_one_triple_per_probe() -> None:
    probes = [_probe("10.1.2.20", 5432), _probe("10.2.1.10", 53, "udp")]
    argv = batch_argv(probes, 2.0)
    assert argv[:3] == ["python3", "-c", BATCH_CODE]
    assert argv[3:] == ["2.0", str(WIDTH), "10.1.2.20", "5432", "tcp", "10.2.1.10", "53", "udp"]


def test_targets_never_become_code() -> None:
    hostile = _probe("1.2.3.4; import os; os.system('id')", 80)
    argv = batch_argv([hostile], 2.0, width=8)
    assert argv[2] == BATCH_CODE and "os.system" not in BATCH_CODE
    assert argv[4:] == ["8", hostile.address, "80", "tcp"]


def test_one_batch_is_one_source_container() -> None:
    with pytest.raises(CyberrangeError, match="one container"):
        batch_argv([_probe("10.1.1.1", 80), _probe("10.1.1.2", 80, source="r-c2-web")], 2.0)


def test_width_below_one_is_refused() -> None:
    with pytest.raises(CyberrangeError, match="at least 1"):
        batch_argv([_probe("10.1.1.1", 80)], 2.0, width=0)


@pytest.mark.parametrize(("count", "rounds"), [(0, 1), (1, 1), (64, 1), (65, 2), (129, 3)])
def test_rounds_are_one_timeout_per_width_of_probes(count: int, rounds: int) -> None:
    assert batch_rounds(count) == rounds


def test_answers_by_index_in_any_order_missing_ones_none() -> None:
    out = "2 filtered\n0 open\n3 unreachable\n"
    assert parse_answers(out, 4) == ["open", None, "filtered", "unreachable"]


def test_lines_that_are_no_answer_are_ignored_and_the_first_answer_kept() -> None:
    out = "Traceback (most recent call last):\n7 open\n-1 closed\nx open\n0 closed\n0 open\n\n"
    assert parse_answers(out, 2) == ["closed", None]


def test_probes_grouped_by_source_biggest_group_first_in_probe_order() -> None:
    probes = [
        _probe("10.1.1.1", 80, source="a"),
        _probe("10.1.1.2", 80, source="b"),
        _probe("10.1.1.3", 80, source="b"),
        _probe("10.1.1.4", 80, source="a"),
        _probe("10.1.1.5", 80, source="b"),
        _probe("10.1.1.6", 80, source="c"),
    ]
    assert by_source(probes) == [[1, 2, 4], [0, 3], [5]]


# The program itself, run by this interpreter on loopback (no engine needed).


@pytest.fixture
def listening() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def _free_port(kind: socket.SocketKind) -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _run(argv: list[str]) -> str:
    argv = [sys.executable, *argv[1:]]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout


def test_program_answers_like_the_single_probe_on_loopback(listening: int) -> None:
    probes = [
        _probe("127.0.0.1", listening),
        _probe("127.0.0.1", _free_port(socket.SOCK_STREAM)),
        _probe("127.0.0.1", _free_port(socket.SOCK_DGRAM), "udp"),
    ]
    batched = parse_answers(_run(batch_argv(probes, 1.0)), len(probes))
    single = [
        _run(["python3", "-c", PROBE_CODE, p.address, str(p.port), p.protocol, "1.0"]).strip()
        for p in probes
    ]
    assert batched == single == ["open", "closed", "closed"]


def test_program_answers_every_probe_beyond_its_width(listening: int) -> None:
    closed = _free_port(socket.SOCK_STREAM)
    probes = [_probe("127.0.0.1", listening if i % 2 else closed) for i in range(25)]
    answers = parse_answers(_run(batch_argv(probes, 1.0, width=3)), len(probes))
    assert answers == ["open" if i % 2 else "closed" for i in range(25)]
