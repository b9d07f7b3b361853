"""cyberrange: the command line, composition root of range, scoring, records and webui."""
