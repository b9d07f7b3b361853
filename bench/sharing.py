"""Benchmark: the sharing feed through TAXII 2.1 under `cyberrange serve` (gunicorn).

Seeds a temporary data directory (an exercise with an ISAC and an organisation,
accounts with API tokens), starts `cyberrange serve` on a free 127.0.0.1 port,
then measures:

* objects per second accepted through TAXII *add objects* (target 1,000/s):
  --clients concurrent keep-alive clients post envelopes of --batch indicators,
  alternating TLP markings (GREEN, AMBER, AMBER+STRICT, RED to the ISAC and blue-2); each
  object goes through the OASIS validator, the marking and recipient checks,
  its readers are computed and stored, and the indicators are scored;
* one poll of 10,000 objects by a team, paged (1,000 a page, by `next`)
  (target < 1 s), the time of every page request included.

    .venv/bin/python bench/sharing.py [--objects 10000] [--batch 100] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web import HOST, free_port, server_cpu_seconds, start_server  # type: ignore[import-not-found]  # noqa: E402

from range.config import Settings  # noqa: E402
from records.sharing.tlp import Tlp  # noqa: E402

EXERCISE = "sharebench"
TAXII = "application/taxii+json;version=2.1"
FEED = f"/taxii2/{EXERCISE}/collections/feed/objects/"
MARKINGS = (Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)


def seed(settings: Settings) -> dict[str, str]:
    import yaml

    from cyberrange.tables import import_all_tables
    from range.db import open_engine
    from range.scenario.models import Scenario
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, transition
    from webui.accounts import create_user, issue_token
    from webui.membership import join

    import_all_tables()
    engine = open_engine(settings)
    raw = yaml.safe_load((ROOT / "scenarios/dmz-breach/scenario.yaml").read_text())
    raw["teams"] = [{"name": "red", "role": "red"}, {"name": "blue", "role": "blue", "copies": 3},
                    {"name": "isac", "role": "isac"}, {"name": "white", "role": "white"}]
    raw["sharing"] = {"organisations": [{"name": "energy", "members": ["blue-1", "blue-2"],
                                         "clients": ["blue-3"]}]}
    created = create_exercise(engine, EXERCISE, EXERCISE, Scenario.model_validate(raw), "bench")
    transition(engine, EXERCISE, "start", "bench")
    assert created.id is not None
    Clock(engine, created.id).poll()
    tokens = {}
    for name, team in (("blue1", "blue-1"), ("blue2", "blue-2"), ("blue3", "blue-3")):
        tokens[team] = issue_token(engine, create_user(engine, name, "bench password", "blue",
                                                       team=team), "bench")
        join(engine, name, EXERCISE, team)  # a participant acts only where it is a member
    engine.dispose()
    return tokens


def indicator(n: int) -> dict[str, object]:
    tlp = MARKINGS[n % len(MARKINGS)]
    stamp = "2026-01-01T00:00:00.000Z"
    obj: dict[str, object] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": stamp, "modified": stamp, "valid_from": stamp, "name": f"bench {n}",
        "description": "bench", "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']",
        "pattern_type": "stix", "object_marking_refs": [tlp.marking_id],
    }
    if tlp is Tlp.RED:
        obj["x_cyberrange_recipients"] = ["isac", "blue-2"]
    return obj


def post_all(port: int, token: str, envelopes: list[list[dict[str, object]]]) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII, "Content-Type": TAXII}
    for objects in envelopes:
        conn.request("POST", FEED, json.dumps({"objects": objects}), headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 202:
            raise RuntimeError(f"add objects answered {response.status}: {body[:300]!r}")
    conn.close()


def add_phase(port: int, token: str, total: int, batch: int, clients: int) -> float:
    envelopes = [[indicator(n) for n in range(start, min(total, start + batch))]
                 for start in range(0, total, batch)]
    shares = [envelopes[i::clients] for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(lambda share: post_all(port, token, share), shares))  # raises errors
    return total / (time.perf_counter() - started)


def poll(port: int, token: str) -> tuple[int, int, float]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    count, pages, after = 0, 0, ""
    started = time.perf_counter()
    while True:
        query = f"?limit=1000&next={after}" if after else "?limit=1000"
        conn.request("GET", FEED + query, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"get objects answered {response.status}: {body[:300]!r}")
        envelope = json.loads(body)
        count, pages = count + len(envelope.get("objects", [])), pages + 1
        if not envelope.get("more"):
            break
        after = envelope["next"]
    elapsed = time.perf_counter() - started
    conn.close()
    return count, pages, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cr-sharebench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", root=ROOT)
        tokens = seed(settings)
        port = free_port()
        server = start_server(settings.data_dir, port, args.workers, args.threads)
        try:
            cpu = server_cpu_seconds(server.pid)
            rate = add_phase(port, tokens["blue-1"], args.objects, args.batch, args.clients)
            cpu = server_cpu_seconds(server.pid) - cpu
            print(f"add objects: {args.objects} objects in envelopes of {args.batch}, "
                  f"{args.clients} clients: {rate:,.0f} objects/s accepted "
                  f"(target 1,000/s); server CPU {cpu:.1f} s")
            # blue-2: in blue-1's organisation and named by its TLP:RED: it receives all.
            count, pages, elapsed = poll(port, tokens["blue-2"])
            print(f"poll: {count} objects in {pages} pages of 1,000: {elapsed:.2f} s "
                  f"(target < 1 s for 10,000)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
