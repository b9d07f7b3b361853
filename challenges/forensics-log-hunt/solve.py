#!/usr/bin/env python3
"""Reference solution: the address with failures that was then accepted."""
import re
from collections import Counter
from pathlib import Path

lines = (Path(__file__).parent / "dist" / "auth.log").read_text().splitlines()
failed = Counter(m.group(1) for line in lines
                 if (m := re.search(r"Failed password .* from (\S+)", line)))
accepted = {m.group(1) for line in lines if (m := re.search(r"Accepted \w+ .* from (\S+)", line))}
print(f"flag{{{next(ip for ip, _ in failed.most_common() if ip in accepted)}}}")
