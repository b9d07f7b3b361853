"""Each range image runs unprivileged with limits and does its job."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from imgtest_support import RANGE_IMAGES, Container, inspect_labels, run_once, wait_for

from range.images import HASH_LABEL, BuildResult

pytestmark = pytest.mark.docker

Start = Callable[[str], Container]
TAGS = {f"cyberrange/{name}" for name in RANGE_IMAGES}


def test_every_image_is_labeled(built_images: list[BuildResult]) -> None:
    assert {r.image for r in built_images} == TAGS
    for result in built_images:
        labels = inspect_labels(result.image)
        assert labels[HASH_LABEL] == result.content_hash
        assert labels["org.opencontainers.image.title"] == result.image


def test_python_works_in_base(built_images: list[BuildResult]) -> None:
    result = run_once("cyberrange/base", ["python3", "-c", "import json; print(json.dumps(6*7))"])
    assert (result.returncode, result.stdout.strip()) == (0, "42")


@pytest.mark.parametrize(
    ("image", "argv"),
    [
        ("cyberrange/attacker", ["which", "nmap", "hydra", "sshpass", "psql", "lftp", "dig",
                                 "curl", "ssh", "nc"]),
        ("cyberrange/attacker", ["nmap", "--version"]),
        ("cyberrange/attacker", ["python3", "-c", "import requests"]),
        ("cyberrange/router", ["which", "nft", "iptables", "tcpdump", "conntrack", "ip"]),
        ("cyberrange/checker", ["python3", "-c", "import requests"]),
        ("cyberrange/checker", ["which", "curl", "nc", "ssh"]),
        ("cyberrange/web", ["which", "psql"]),
    ],
)
def test_tools_are_installed(built_images: list[BuildResult], image: str, argv: list[str]) -> None:
    result = run_once(image, argv)
    assert result.returncode == 0, f"{argv} in {image}: {result.stdout}{result.stderr}"


def test_target_runs_sshd_under_tini_and_cr_init(container: Start) -> None:
    box = container("cyberrange/target")
    wait_for(lambda: box.port_open(22), what="sshd on port 22")
    assert box.banner(22).startswith("SSH-2.0-OpenSSH")
    assert box.exec("cat", "/proc/1/cmdline").stdout.split("\0")[0] == "/usr/bin/tini"
    assert box.exec("cr-service", "status", "cron").returncode == 0
    config = box.exec("sshd", "-T").stdout
    assert "passwordauthentication yes" in config
    assert "permitrootlogin no" in config


def test_host_keys_differ_between_containers(container: Start) -> None:
    one, two = container("cyberrange/target"), container("cyberrange/target")
    for box in (one, two):
        wait_for(lambda box=box: box.port_open(22), what="sshd")
    key = "/etc/ssh/ssh_host_ed25519_key.pub"
    assert one.exec("cat", key).stdout != two.exec("cat", key).stdout


def service_pid(box: Container, name: str) -> str:
    return box.exec("cat", f"/run/cr/{name}.pid").stdout.strip()


def test_cr_service_restarts_crashes_and_on_request(container: Start) -> None:
    box = container("cyberrange/target")
    wait_for(lambda: service_pid(box, "sshd") != "", what="sshd pid")
    first = service_pid(box, "sshd")
    assert box.exec("cr-service", "restart", "sshd").returncode == 0
    second = service_pid(box, "sshd")
    assert second not in ("", first)
    assert box.exec("kill", "-KILL", second).returncode == 0
    wait_for(lambda: service_pid(box, "sshd") not in ("", second), what="sshd after a crash")
    assert "sshd exited with status -9" in box.logs("sshd")
    assert box.exec("cr-service", "stop", "sshd").returncode == 0
    assert box.exec("cr-service", "status", "sshd").returncode == 3
    assert not box.port_open(22)
    assert box.exec("cr-service", "start", "sshd").returncode == 0
    wait_for(lambda: box.port_open(22), what="sshd after start")


def test_service_added_later_can_be_started(container: Start) -> None:
    box = container("cyberrange/target")
    script = "#!/bin/sh\nexec python3 -m http.server 8000 --bind 127.0.0.1\n"
    box.exec("tee", "/etc/cr/services/extra", stdin=script, check=True)
    box.exec("chmod", "755", "/etc/cr/services/extra", check=True)
    assert box.exec("cr-service", "status", "extra").returncode == 3
    assert box.exec("cr-service", "start", "extra").returncode == 0
    wait_for(lambda: box.port_open(8000), what="added service on port 8000")
    bad = box.exec("cr-service", "start", "../etc/passwd")
    assert bad.returncode == 1 and "invalid service name" in bad.stderr


def test_db_accepts_tcp_with_passwords(container: Start) -> None:
    box = container("cyberrange/db")
    wait_for(lambda: box.port_open(5432), what="postgres on 5432")
    sql = "CREATE ROLE imgtest LOGIN PASSWORD 'pw-imgtest'"
    assert box.exec("psql", "-v", "ON_ERROR_STOP=1", "-c", sql, user="postgres").returncode == 0
    login = box.exec("env", "PGPASSWORD=pw-imgtest", "psql", "-h", "127.0.0.1", "-U", "imgtest",
                     "-d", "postgres", "-tAc", "SELECT 40 + 2")
    assert login.stdout.strip() == "42", login.stderr
    wrong = box.exec("env", "PGPASSWORD=wrong", "psql", "-h", "127.0.0.1", "-U", "imgtest",
                     "-d", "postgres", "-tAc", "SELECT 1")
    assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
    rules = box.exec("psql", "-tAc", "SELECT address, auth_method FROM pg_hba_file_rules "
                     "WHERE address = '10.0.0.0'", user="postgres").stdout
    assert rules.strip() == "10.0.0.0|scram-sha-256"
    listen = box.exec("psql", "-tAc", "SHOW listen_addresses", user="postgres").stdout
    assert listen.strip() == "*"


def test_fileserver_serves_ftp_to_local_users(container: Start) -> None:
    box = container("cyberrange/fileserver")
    wait_for(lambda: box.port_open(21), what="vsftpd on 21")
    assert box.banner(21).startswith("220")
    box.exec("useradd", "-m", "ftpuser", check=True)
    box.exec("chpasswd", stdin="ftpuser:ftp-pw-1\n", check=True)
    box.exec("tee", "/home/ftpuser/hello.txt", stdin="hello ftp\n", check=True)
    fetch = box.python(
        "import ftplib, io\n"
        "f = ftplib.FTP('127.0.0.1', timeout=5); f.login('ftpuser', 'ftp-pw-1')\n"
        "buf = io.BytesIO(); f.retrbinary('RETR hello.txt', buf.write)\n"
        "print(buf.getvalue().decode(), end='')\n"
    )
    assert fetch.stdout == "hello ftp\n", fetch.stderr
