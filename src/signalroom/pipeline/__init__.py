"""The ingest pipeline: normalize → dedupe → match topics → enrich → store → publish."""
