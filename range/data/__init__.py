"""Pinned reference data (see range.taxonomy); a package so wheels ship it."""
