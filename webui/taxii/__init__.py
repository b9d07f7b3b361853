"""A TAXII 2.1 server for the exercises' sharing feeds, inside ``cyberrange serve``.

Layout (TAXII 2.1, OASIS): ``/taxii2/`` is the discovery resource; every
exercise is an API root ``/taxii2/<exercise>/`` with its collections
(per audience, :mod:`webui.taxii.collections`), get/add objects, one object,
its versions, the manifest, and the status of each add. Accounts and API
tokens are the web UI's: ``Authorization: Bearer <token>`` or HTTP Basic with
the account's username and password. Writes need one of those two (never a
session cookie, so no cross-site form can publish as someone).

Why not OASIS medallion: its backend interface (``medallion.backends.base``)
is called with the API root, collection and filters only — never with the
caller — so TLP enforcement per reader cannot be expressed in it; its Flask
app also brings its own user store (flask-httpauth) and module-level
configuration, where this app keeps one account table and per-app
``app.extensions``. The feed lives in :mod:`records.sharing`; this package only
translates TAXII requests and answers.
"""

from __future__ import annotations

from webui.taxii.views import bp

__all__ = ["bp"]
