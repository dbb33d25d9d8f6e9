"""Out-of-sample evidence: walk-forward tests of the candidate construction rules."""
