"""`cyberrange share`: publish to and poll an exercise's sharing feed over TAXII 2.1.

For scripted teams: it talks to a running `cyberrange serve` with the team's
API token (``--token`` or ``CYBERRANGE_TOKEN``), through OASIS taxii2-client.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import requests
from taxii2client.v21 import ApiRoot, Collection, as_pages

from cyberrange.context import AppContext
from records.sharing.audience import Caller
from records.sharing.compose import advisory_report, indicator_for
from records.sharing.errors import SharingError
from records.sharing.misp import export_feed
from records.sharing.tlp import Tlp

TLPS = [t.value.lower() for t in Tlp]


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@contextmanager
def _collection(url: str, exercise: str, token: str, name: str) -> Iterator[Collection]:
    """The collection ``name`` of the exercise's API root; its connection closed after."""
    with ApiRoot(f"{url.rstrip('/')}/taxii2/{exercise}/", auth=_Bearer(token)) as root:
        try:
            found = next((c for c in root.collections if name in (c.id, c.alias)), None)
        except requests.HTTPError as exc:
            raise SharingError(_message(exc)) from None
        if found is None:
            raise SharingError(f"no collection {name!r} in {exercise}")
        yield found


def _message(exc: requests.HTTPError) -> str:
    response = exc.response
    try:
        detail = response.json().get("description", "") if response is not None else ""
    except ValueError:
        detail = ""
    status = response.status_code if response is not None else "?"
    return f"the server answered {status}: {detail or exc}"


def _add(collection: Collection, objects: list[dict[str, Any]]) -> None:
    try:
        status = collection.add_objects({"objects": objects})
    except requests.HTTPError as exc:
        raise SharingError(_message(exc)) from None
    for success in status.successes:
        click.echo(f"{success['id']}: {success.get('message', 'added')}")


_server = [
    click.option("--url", envvar="CYBERRANGE_URL", required=True,
                 help="Base URL of `cyberrange serve` (or CYBERRANGE_URL)."),
    click.option("--token", envvar="CYBERRANGE_TOKEN", required=True,
                 help="Your API token (or CYBERRANGE_TOKEN)."),
    click.option("--collection", default="feed", show_default=True,
                 help="Collection alias (feed, tlp-green...) or id."),
]


def _with_server(command: Any) -> Any:
    for option in reversed(_server):
        command = option(command)
    return command


@click.group("share")
def share() -> None:
    """The sharing feed of an exercise over TAXII 2.1 (publish, indicator, poll).

    The ISAC relays by publishing an object it received, and sends advisories.

    `misp` works on the database instead (on the server, for the white cell)."""


@share.command("publish")
@click.argument("exercise")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@_with_server
def publish_cmd(exercise: str, file: Any, url: str, token: str, collection: str) -> None:
    """Publish the STIX objects of FILE (a bundle, an envelope or a list; - for stdin)."""
    try:
        data = json.load(file)
    except ValueError as exc:
        raise SharingError(f"{file.name}: not JSON ({exc})") from None
    objects = data.get("objects") if isinstance(data, dict) else data
    if not isinstance(objects, list):
        raise SharingError(f"{file.name}: expected a bundle, an envelope or a list of objects")
    with _collection(url, exercise, token, collection) as found:
        _add(found, objects)


@share.command("indicator")
@click.argument("exercise")
@click.argument("value")
@click.option("--tlp", type=click.Choice(TLPS), default="amber", show_default=True)
@click.option("--technique", "techniques", multiple=True, help="ATT&CK id, e.g. T1190.")
@click.option("--recipient", "recipients", multiple=True, help="Team (TLP:RED only).")
@_with_server
def indicator_cmd(exercise: str, value: str, tlp: str, techniques: tuple[str, ...],
                  recipients: tuple[str, ...], url: str, token: str, collection: str) -> None:
    """Publish an indicator for VALUE (an IP address or a domain name)."""
    obj = indicator_for(value, Tlp.parse(tlp), techniques=list(techniques),
                        recipients=list(recipients))
    with _collection(url, exercise, token, collection) as found:
        _add(found, [obj])


@share.command("advisory")
@click.argument("exercise")
@click.argument("title")
@click.option("--text", default="", help="What members should know and do.")
@click.option("--ref", "refs", multiple=True, required=True,
              help="STIX id of a feed object the advisory is about (repeatable).")
@click.option("--tlp", type=click.Choice(TLPS), default="amber", show_default=True)
@_with_server
def advisory_cmd(exercise: str, title: str, text: str, refs: tuple[str, ...], tlp: str,
                 url: str, token: str, collection: str) -> None:
    """Publish an advisory (a STIX report labelled advisory): the ISAC only."""
    report = advisory_report(title, text, list(refs), Tlp.parse(tlp))
    with _collection(url, exercise, token, collection) as found:
        _add(found, [report])


@share.command("poll")
@click.argument("exercise")
@click.option("--added-after", help="Only objects added after this time (RFC 3339).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=100, show_default=True)
@_with_server
def poll_cmd(exercise: str, added_after: str | None, page_size: int, url: str, token: str,
             collection: str) -> None:
    """Print every object you may read, one JSON object per line, oldest first."""
    kwargs = {"added_after": added_after} if added_after else {}
    with _collection(url, exercise, token, collection) as found:
        try:
            for page in as_pages(found.get_objects, per_request=page_size, **kwargs):
                for obj in page.get("objects", []):
                    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
        except requests.HTTPError as exc:
            raise SharingError(_message(exc)) from None


@share.command("misp")
@click.argument("exercise")
@click.option("--team", help="Export what this team received (default: the whole feed).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write [default: stdout].")
@click.pass_obj
def misp_cmd(app: AppContext, exercise: str, team: str | None, output: Any) -> None:
    """Export the feed of EXERCISE as a MISP event (JSON), from the database."""
    actor = f"cli:{getpass.getuser()}"
    caller = Caller(actor, team, reads_all=team is None)
    json.dump(export_feed(app.engine, exercise, caller), output, indent=2, sort_keys=True)
    output.write("\n")


def register(group: click.Group) -> None:
    group.add_command(share)
