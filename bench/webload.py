"""The load generator of bench/web.py: keep-alive HTTP/1.1 clients on one asyncio loop.

On a 2-core machine the clients share the CPU with the server, so they must
cost little: one event loop, plain sockets, a hand-rolled HTTP/1.1 exchange
(this talks only to our own gunicorn, which always sends Content-Length or
chunks). Two ways to drive:

* closed loop: every client sends its next request as soon as it has an answer
  (throughput under saturation; latency is then about clients / throughput);
* open loop at `rate` requests/s: requests leave on a fixed schedule whatever
  the answers do, and each latency counts from the *scheduled* time, so a
  stalled server is not hidden by clients that wait (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import Progress

Request = Callable[[int], tuple[str, str, bytes | None, int]]  # n → method, path, body, units


@dataclass
class Phase:
    """Latencies and unit counts of one phase."""

    latencies: list[float] = field(default_factory=list)
    units: int = 0
    errors: int = 0

    def add(self, seconds: float, units: int, ok: bool) -> None:
        self.latencies.append(seconds)
        self.units += units if ok else 0
        self.errors += 0 if ok else 1


@dataclass
class Load:
    host: str
    port: int
    token: str
    clients: int
    seconds: float
    limit: int  # requests in all
    rate: float | None = None  # None: closed loop


class _Connection:
    def __init__(self, load: Load) -> None:
        self.load = load
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, method: str, path: str, body: bytes | None) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.load.host, self.load.port)
        payload = body or b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.load.host}\r\n"
                f"Authorization: Bearer {self.load.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self.writer.write(head.encode() + payload)
        status, keep = await _read_response(self.reader)
        if not keep:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = (line.partition(":") for line in lines[1:] if line)
    headers = {name.strip().lower(): value.strip() for name, _, value in fields}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def _client(load: Load, make: Request, phase: Phase, numbers: list[int], index: int,
                  began: float) -> None:
    connection = _Connection(load)
    stop = began + load.seconds
    sent = 0
    try:
        while time.perf_counter() < stop and numbers:
            number = numbers.pop()
            method, path, body, units = make(number)
            if load.rate is None:
                start = time.perf_counter()
            else:  # this client's k-th slot of the common schedule
                start = began + (index + sent * load.clients) / load.rate
                sent += 1
                if start >= stop:
                    break
                await asyncio.sleep(max(0.0, start - time.perf_counter()))
            try:
                status = await connection.exchange(method, path, body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                connection.close()
                status = 0
            phase.add(time.perf_counter() - start, units, status == 200)
    finally:
        connection.close()


async def _run(load: Load, make: Request, label: str, console: Console,
               show: bool = True) -> tuple[Phase, float]:
    phase = Phase()
    numbers = list(range(load.limit - 1, -1, -1))  # pop() hands them out in order
    began = time.perf_counter()
    tasks = [asyncio.create_task(_client(load, make, phase, numbers, i, began))
             for i in range(load.clients)]
    if show:
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task(label, total=load.seconds)
            while not all(t.done() for t in tasks):
                progress.update(bar, completed=min(load.seconds, time.perf_counter() - began))
                await asyncio.wait(tasks, timeout=0.2)
    else:
        await asyncio.wait(tasks)
    for task in tasks:
        task.result()  # a bug in the client must not pass as a fast server
    return phase, time.perf_counter() - began


def drive(load: Load, make: Request, label: str, console: Console) -> tuple[Phase, float]:
    """Run one phase; returns what it measured and how long it took."""
    return asyncio.run(_run(load, make, label, console))


def drive_together(phases: list[tuple[Load, Request, str]], console: Console
                   ) -> list[tuple[Phase, float]]:
    """Run phases at the same time (e.g. paced submissions while clients read the
    board), on the same loop; what each measured, in order."""

    async def together() -> list[tuple[Phase, float]]:
        runs = [_run(load, make, label, console, show=index == 0)
                for index, (load, make, label) in enumerate(phases)]
        return list(await asyncio.gather(*runs))

    return asyncio.run(together())
