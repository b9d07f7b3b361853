"""cyberrange game: clock, flags, checkers, submissions, ledger, scoreboard."""
