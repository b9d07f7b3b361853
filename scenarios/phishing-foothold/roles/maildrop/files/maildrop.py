"""A minimal SMTP receiver: every message accepted is delivered to one Maildir.

The office's mail drop for the exercise (standard library only). It binds the
port as root, then runs as the mailbox owner. Commands: HELO/EHLO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT. No relaying, no authentication, 10 MB per message.
"""

from __future__ import annotations

import argparse
import os
import pwd
import socket
import socketserver
import time
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024


class Session(socketserver.StreamRequestHandler):
    maildir = "/nonexistent"
    hostname = "mail"
    timeout = 120

    def reply(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())

    def handle(self) -> None:
        self.reply(f"220 {self.hostname} ESMTP maildrop")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb, _, argument = line.decode("latin-1").strip().partition(" ")
            verb = verb.upper()
            if verb in ("HELO", "EHLO"):
                self.reply(
                    f"250-{self.hostname}\r\n250 SIZE {MAX_BYTES}"
                    if verb == "EHLO"
                    else f"250 {self.hostname}"
                )
            elif verb == "MAIL":
                # "FROM:<a@b> SIZE=123": keep the address, drop the parameters
                sender, recipients = argument.partition(":")[2].strip().split(" ")[0], []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(argument.partition(":")[2].strip().split(" ")[0])
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 need RCPT first")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                body = self.read_data()
                if body is None:
                    self.reply("552 message too large")
                    return
                self.deliver(sender, recipients, body)
                self.reply("250 OK delivered")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")

    def read_data(self) -> bytes | None:
        lines, size = [], 0
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b".\r\n", b".\n"):
                return b"".join(lines)
            size += len(line)
            if size > MAX_BYTES:
                return None
            lines.append(line[1:] if line.startswith(b"..") else line)

    def deliver(self, sender: str, recipients: list[str], body: bytes) -> None:
        stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        header = (
            f"Return-Path: {sender}\r\nReceived: from {self.client_address[0]} "
            f"by {self.hostname}; {stamp}\r\nX-Original-To: {', '.join(recipients)}\r\n"
        )
        name = f"{time.time():.6f}.{os.getpid()}.{socket.gethostname()}"
        temporary = Path(self.maildir, "tmp", name)
        temporary.write_bytes(header.encode("latin-1") + body)
        temporary.rename(Path(self.maildir, "new", name))
        print(
            f"delivered from={sender} to={','.join(recipients)} "
            f"client={self.client_address[0]} bytes={len(body)}",
            flush=True,
        )


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--user", required=True)
    parser.add_argument("--hostname", default=socket.gethostname())
    args = parser.parse_args()
    account = pwd.getpwnam(args.user)
    Session.maildir = str(Path(account.pw_dir, "Maildir"))
    Session.hostname = args.hostname
    server = Server(("0.0.0.0", args.port), Session)  # noqa: S104 - the range's mail drop
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    print(f"maildrop: port {args.port}, mailbox {Session.maildir}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
