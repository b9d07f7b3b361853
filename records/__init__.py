"""cyberrange records: findings, incidents, training, audit log, exports."""
