"""Make PostgreSQL hold one database and its role as asked (JSON on stdin).

Runs as root; every psql call runs as the postgres user over the local socket,
with argument lists (no shell). Prints JSON {"changed": bool, "actions": [...]}.
"""

import json
import re
import subprocess
import sys
import time

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
spec = json.load(sys.stdin)
for key in ("name", "user"):
    if not NAME.match(spec[key]):
        sys.exit(f"invalid {key} {spec[key]!r}: use lowercase letters, digits and _")
actions = []


def psql(sql, database="postgres", check=True):
    argv = [
        "setpriv",
        "--reuid=postgres",
        "--regid=postgres",
        "--init-groups",
        "psql",
        "-X",
        "-q",
        "-tA",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        database,
        "-f",
        "-",
    ]
    result = subprocess.run(argv, input=sql, capture_output=True, text=True, cwd="/")
    if check and result.returncode != 0:
        sys.exit(f"psql failed: {result.stderr.strip()}")
    return result


def literal(text):
    return "'" + text.replace("'", "''") + "'"


deadline = time.monotonic() + 60
while psql("SELECT 1", check=False).returncode != 0:  # the server may still be starting
    if time.monotonic() > deadline:
        sys.exit("PostgreSQL did not accept connections within 60 s")
    time.sleep(1)

user, name, password = spec["user"], spec["name"], spec["password"]
# SQL text below: identifiers are checked against NAME, values go through literal().
row = psql(f"SELECT rolsuper FROM pg_roles WHERE rolname = {literal(user)}").stdout.strip()  # noqa: S608
if not row:
    psql(f"CREATE ROLE {user} LOGIN PASSWORD {literal(password)}")
    actions.append(f"created role {user}")
else:
    probe = subprocess.run(
        ["psql", "-X", "-h", "127.0.0.1", "-U", user, "-d", "postgres", "-c", "SELECT 1"],
        env={"PGPASSWORD": password, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        cwd="/",
    )
    if probe.returncode != 0:
        psql(f"ALTER ROLE {user} LOGIN PASSWORD {literal(password)}")
        actions.append(f"set password of {user}")
is_super = psql(f"SELECT rolsuper FROM pg_roles WHERE rolname = {literal(user)}").stdout.strip()  # noqa: S608
if (is_super == "t") != spec["superuser"]:
    psql(f"ALTER ROLE {user} {'SUPERUSER' if spec['superuser'] else 'NOSUPERUSER'}")
    actions.append(f"{user} superuser={spec['superuser']}")
if not psql(f"SELECT 1 FROM pg_database WHERE datname = {literal(name)}").stdout.strip():  # noqa: S608
    psql(f"CREATE DATABASE {name} OWNER {user}")
    actions.append(f"created database {name}")
seed_table = spec.get("seed_table")
if seed_table and spec.get("seed_sql"):
    found = psql(f"SELECT to_regclass({literal('public.' + seed_table)})", database=name)
    if not found.stdout.strip():
        psql(f"SET ROLE {user};\n" + spec["seed_sql"], database=name)
        actions.append(f"seeded {name}")
print(json.dumps({"changed": bool(actions), "actions": actions}))
