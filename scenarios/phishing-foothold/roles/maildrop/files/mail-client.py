#!/usr/bin/python3
"""The victim's mail client, run by cron: reads new mail and opens attachments.

Attachments are saved to ~/Downloads; shell scripts and Python files are
"opened" (run, detached) - the careless click the phishing exercise is about.
Then the user's routine: upload the weekly report to the file server with the
credentials stored in ~/.netrc (plain text - the next step of the attack).
"""

import email
import email.policy
import ftplib
import netrc
import subprocess
import time
from pathlib import Path

HOME = Path.home()
MAILDIR = HOME / "Maildir"
DOWNLOADS = HOME / "Downloads"
LOG = HOME / ".mail-client.log"
OPENERS = {".sh": ["/bin/sh"], ".py": ["/usr/bin/python3"]}


def log(text):
    with LOG.open("a") as handle:
        handle.write(time.strftime("%F %T ") + text + "\n")


def open_attachment(path):
    opener = OPENERS.get(path.suffix.lower())
    if opener is None:
        log(f"viewed {path.name}")
        return
    subprocess.Popen(  # detached: a payload keeps running after the client exits
        [*opener, str(path)],
        cwd=DOWNLOADS,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log(f"opened {path.name}")


def read_mail():
    for item in sorted((MAILDIR / "new").iterdir()):
        message = email.message_from_bytes(item.read_bytes(), policy=email.policy.default)
        log(f"read mail from {message.get('From', '?')}: {message.get('Subject', '')}")
        for part in message.iter_attachments():
            name = Path(part.get_filename() or "").name
            if not name:
                continue
            target = DOWNLOADS / name
            target.write_bytes(part.get_payload(decode=True) or b"")
            open_attachment(target)
        item.rename(MAILDIR / "cur" / f"{item.name}:2,S")


def upload_report():
    report = HOME / "Documents" / "weekly-report.txt"
    try:
        hosts = netrc.netrc(str(HOME / ".netrc")).hosts
    except (OSError, netrc.NetrcParseError):
        return
    for host, (login, _, password) in hosts.items():
        try:
            with ftplib.FTP(host, timeout=10) as ftp:  # noqa: S321 - cleartext FTP is the story
                ftp.login(login, password)
                with report.open("rb") as handle:
                    ftp.storbinary(f"STOR {report.name}", handle)
        except (OSError, ftplib.Error) as exc:
            log(f"upload to {host} failed: {exc}")


def main():
    DOWNLOADS.mkdir(exist_ok=True)
    read_mail()
    if time.gmtime().tm_min % 5 == 0 and (HOME / "Documents" / "weekly-report.txt").exists():
        upload_report()


if __name__ == "__main__":
    main()
