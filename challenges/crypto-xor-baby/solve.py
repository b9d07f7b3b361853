#!/usr/bin/env python3
"""Reference solution: the first byte against the known 'f' gives the key."""
from pathlib import Path

data = bytes.fromhex((Path(__file__).parent / "dist" / "ciphertext.hex").read_text().strip())
key = data[0] ^ ord("f")
print(bytes(b ^ key for b in data).decode())
