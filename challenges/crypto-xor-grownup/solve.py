#!/usr/bin/env python3
"""Reference solution: the known start of the message gives the 4-byte key."""
import re
from pathlib import Path

data = (Path(__file__).parent / "dist" / "message.bin").read_bytes()
key = bytes(c ^ p for c, p in zip(data[:4], b"Inci", strict=True))
plain = bytes(b ^ key[i % 4] for i, b in enumerate(data)).decode()
found = re.search(r"flag\{[^}]+\}", plain)
print(found.group(0) if found else "no flag found")
