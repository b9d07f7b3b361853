#!/usr/bin/env python3
"""Reference solution: undo the client-side check (base64 of the reversed password)."""
import base64
import re
from pathlib import Path

script = (Path(__file__).parent / "site" / "login.js").read_text()
found = re.search(r'var k = "([^"]+)"', script)
print(base64.b64decode(found.group(1)).decode()[::-1] if found else "no constant found")
