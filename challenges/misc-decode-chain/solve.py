#!/usr/bin/env python3
"""Reference solution: base64 → hex → rot13."""
import base64
import codecs
from pathlib import Path

blob = (Path(__file__).parent / "dist" / "blob.txt").read_text().strip()
print(codecs.decode(bytes.fromhex(base64.b64decode(blob).decode()).decode(), "rot13"))
