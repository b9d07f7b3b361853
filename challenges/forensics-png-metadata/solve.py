#!/usr/bin/env python3
"""Reference solution: walk the PNG chunks, decode the base64 Comment text."""
import base64
import struct
from pathlib import Path

data = (Path(__file__).parent / "dist" / "badge.png").read_bytes()
offset = 8
while offset < len(data):
    (length,) = struct.unpack(">I", data[offset:offset + 4])
    kind = data[offset + 4:offset + 8]
    body = data[offset + 8:offset + 8 + length]
    if kind == b"tEXt" and body.startswith(b"Comment\x00"):
        print(base64.b64decode(body.split(b"\x00", 1)[1]).decode())
    offset += 12 + length
