"""Suite-wide test settings.

Hypothesis: property tests draw new examples on every local run (that is how they find bugs),
but under CI (``CI`` set, as ``.ci/run`` is run) the draws are derandomized, so that the same
commit passes or fails the same way twice in a row. A failure found locally prints the
``@reproduce_failure`` blob; add the case as an explicit example or a regression test.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
