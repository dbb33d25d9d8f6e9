"""One error hierarchy for the analytics core.

Every message says what is wrong and what to change. The GUI shows ``str(error)``
to the user as-is, so messages are written for a portfolio analyst, not a developer.
"""

from __future__ import annotations


class IPSStudioError(Exception):
    """Base class of every error the core raises on purpose."""


class DataError(IPSStudioError):
    """Input data is missing, non-finite, misaligned or too short."""


class PolicyError(IPSStudioError):
    """An IPS profile is malformed or contradicts itself."""


class InfeasibleError(IPSStudioError):
    """No portfolio satisfies the constraints; the message names the conflict and what to relax."""


class SolverError(IPSStudioError):
    """A numerical solver failed or returned a non-optimal point."""


class CancelledError(IPSStudioError):
    """A long job was cancelled through its cancel token."""
