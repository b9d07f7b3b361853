"""The sharing feed of an exercise: STIX 2.1 objects with TLP 2.0 markings.

Teams publish indicators, observed data, sightings and short reports; the ISAC
relays them and publishes advisories. Who receives an object is decided once,
when it is published (:mod:`records.sharing.audience`), and stored with it, so
every read — the TAXII server, the CLI, exports — filters the same way.
See docs/sharing.md.
"""
