"""The committee's decision record: an append-only, hash-chained log and its fingerprints."""
