"""Data pipeline: geocode curated records and import the City of Bochum's open data.

Everything here writes files atomically, so the running server's watcher only ever sees a
complete old file or a complete new one (see :mod:`explorer.pipeline.atomic`).
"""
