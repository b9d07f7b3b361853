"""Set NAME's password from stdin, only when it differs: prints changed/unchanged.

The controller has no passlib, so the hash is made here by the host's own
chpasswd; the host's crypt(3) tells whether the current hash already matches.
"""

import subprocess
import sys
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

name = sys.argv[1]
password = sys.stdin.read().rstrip("\n")
current = ""
with Path("/etc/shadow").open(encoding="utf-8") as shadow:
    for line in shadow:
        fields = line.split(":")
        if fields[0] == name:
            current = fields[1]
if current.startswith("$") and crypt.crypt(password, current) == current:
    print("unchanged")
    sys.exit(0)
subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
print("changed")
