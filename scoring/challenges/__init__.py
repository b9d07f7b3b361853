"""Challenges: jeopardy-style tasks in ctfcli's ``challenge.yml`` format, scored
from the same ledger as the exercise they belong to.

* :mod:`~scoring.challenges.spec` — the ``challenge.yml`` model (ctfcli's keys).
* :mod:`~scoring.challenges.loader` — YAML → model, every problem at ``file:line:col``.
* :mod:`~scoring.challenges.export` — the stored text back to a ctfcli directory.
* :mod:`~scoring.challenges.tables` / :mod:`~scoring.challenges.store` — challenges
  imported into an exercise.
* :mod:`~scoring.challenges.values` — static value and CTFd's dynamic decay.
* :mod:`~scoring.challenges.play` — an answer, a hint unlock: the facts they write.
* :mod:`~scoring.challenges.board` — the challenge board and its explanation.
* :mod:`~scoring.challenges.feeds` — CTFtime JSON feed and CTFd-compatible CSV.
"""
