"""The county office's side (县区教育局端): verify, ingest, receipts, review results, roster.

No Qt and nothing of the station's database: the county keeps its own SQLAlchemy metadata
(:mod:`sync.county.db`) on SQLite by default or PostgreSQL by URL.
"""
