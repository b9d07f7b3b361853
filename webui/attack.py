"""ATT&CK (Enterprise) techniques offered by the incident report form.

Every technique the bundled scenarios use, plus common ones; a scenario's own
techniques are added at runtime (see :func:`techniques_for`).
"""

from __future__ import annotations

from range.scenario.models import Scenario

COMMON_TECHNIQUES: tuple[tuple[str, str], ...] = (
    ("T1003", "OS Credential Dumping"),
    ("T1005", "Data from Local System"),
    ("T1021", "Remote Services"),
    ("T1021.004", "Remote Services: SSH"),
    ("T1046", "Network Service Discovery"),
    ("T1048", "Exfiltration Over Alternative Protocol"),
    ("T1053", "Scheduled Task/Job"),
    ("T1059", "Command and Scripting Interpreter"),
    ("T1059.004", "Command and Scripting Interpreter: Unix Shell"),
    ("T1068", "Exploitation for Privilege Escalation"),
    ("T1071", "Application Layer Protocol"),
    ("T1078", "Valid Accounts"),
    ("T1083", "File and Directory Discovery"),
    ("T1098", "Account Manipulation"),
    ("T1105", "Ingress Tool Transfer"),
    ("T1110", "Brute Force"),
    ("T1110.001", "Brute Force: Password Guessing"),
    ("T1110.003", "Brute Force: Password Spraying"),
    ("T1133", "External Remote Services"),
    ("T1136", "Create Account"),
    ("T1190", "Exploit Public-Facing Application"),
    ("T1203", "Exploitation for Client Execution"),
    ("T1486", "Data Encrypted for Impact"),
    ("T1498", "Network Denial of Service"),
    ("T1505.003", "Server Software Component: Web Shell"),
    ("T1543", "Create or Modify System Process"),
    ("T1548", "Abuse Elevation Control Mechanism"),
    ("T1552", "Unsecured Credentials"),
    ("T1565", "Data Manipulation"),
    ("T1566", "Phishing"),
    ("T1570", "Lateral Movement Tool Transfer"),
    ("T1595", "Active Scanning"),
)


def techniques_for(scenario: Scenario | None) -> list[tuple[str, str]]:
    """Common techniques plus any the scenario names, sorted by id."""
    known = dict(COMMON_TECHNIQUES)
    if scenario is not None:
        for host in scenario.hosts.values():
            for vuln in host.vulnerabilities:
                if vuln.attack and vuln.attack not in known:
                    known[vuln.attack] = vuln.title
        for inject in scenario.injects:
            run = inject.run
            if run is not None and run.attack and run.attack not in known:
                known[run.attack] = run.description or run.attack
    return sorted(known.items())
