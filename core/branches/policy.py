"""What-if branches: named copies of the policy (IPS profile + analysis settings) in a project.

A project edits one policy at a time, its *working copy* (``Project.profile`` and
``Project.settings``, what the IPS and Allocation tabs show and the report describes). A
:class:`BranchSet` names every policy of the project, :data:`MAIN` (the committee's policy)
first, and says which one the working copy belongs to (``active``). The stored copy of the
active branch may be older than the working copy; :func:`branches_of` always reads the working
copy in its place.

Every operation is a pure function ``Project -> Project`` (the window wraps each in one undo
step): :func:`create_branch`, :func:`rename_branch`, :func:`delete_branch`,
:func:`switch_branch` and :func:`promote_branch` (the branch's policy becomes the main policy).
A bad request raises :class:`BranchError` naming what to change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import IPSStudioError
from core.pipeline import AnalysisSettings
from core.policy.profile import IPSProfile

if TYPE_CHECKING:
    from core.project import Project

MAIN = "Main"
"""The name of the committee's main policy; it cannot be renamed or deleted."""
MAX_NAME = 40


class BranchError(IPSStudioError):
    """A branch operation cannot be done (the message says why and what to do instead)."""


@dataclass(frozen=True)
class PolicyBranch:
    """One named policy: the IPS profile and the analysis settings (estimators, VaR level,
    portfolio value) it is analysed with."""

    name: str
    profile: IPSProfile
    settings: AnalysisSettings


@dataclass(frozen=True)
class BranchSet:
    """Every policy of a project, in the order shown (``MAIN`` first), and the active one.

    An empty ``policies`` means the project has only its main policy, which is the working copy.
    """

    policies: tuple[PolicyBranch, ...] = ()
    active: str = MAIN

    def __post_init__(self) -> None:
        names = [b.name for b in self.policies]
        folded = [n.casefold() for n in names]
        if len(set(folded)) != len(folded):
            raise BranchError("Two branches share a name: give every branch its own name.")
        if self.policies and (names[0] != MAIN):
            raise BranchError(f"The first branch must be the main policy, '{MAIN}'.")
        if self.policies and self.active not in names:
            raise BranchError(f"The active branch '{self.active}' is not one of {names}.")
        if not self.policies and self.active != MAIN:
            raise BranchError(f"Without branches the active policy is '{MAIN}'.")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.policies) or (MAIN,)


def check_name(name: str, taken: tuple[str, ...] = ()) -> str:
    """``name`` stripped, or :class:`BranchError` when it is empty, too long or taken."""
    clean = name.strip() if isinstance(name, str) else ""
    if not clean:
        raise BranchError("A branch needs a name: type one, e.g. 'More equity'.")
    if len(clean) > MAX_NAME:
        raise BranchError(f"Branch names are at most {MAX_NAME} characters: shorten '{clean}'.")
    if clean.casefold() in {t.casefold() for t in taken}:
        raise BranchError(f"A branch named '{clean}' exists already: choose another name.")
    return clean


def working_branch(project: Project) -> PolicyBranch:
    """The working copy as a branch (named after the active branch)."""
    return PolicyBranch(project.branches.active, project.profile, project.settings)


def branches_of(project: Project) -> tuple[PolicyBranch, ...]:
    """Every policy of ``project``, ``MAIN`` first, the active one as its working copy."""
    work = working_branch(project)
    stored = project.branches.policies
    if not stored:
        return (work,)
    return tuple(work if b.name == work.name else b for b in stored)


def synced(project: Project) -> Project:
    """``project`` with the active branch's stored copy replaced by the working copy (what a
    saved and reopened project holds)."""
    if not project.branches.policies:
        return project
    return _with(project, branches_of(project), project.branches.active)


def branch(project: Project, name: str) -> PolicyBranch:
    """The policy named ``name`` (the working copy when it is the active one)."""
    for b in branches_of(project):
        if b.name == name:
            return b
    raise BranchError(f"There is no branch named '{name}': choose one of {_listed(project)}.")


def _listed(project: Project) -> str:
    return ", ".join(f"'{n}'" for n in project.branches.names)


def _with(project: Project, policies: tuple[PolicyBranch, ...], active: str) -> Project:
    return dataclasses.replace(project, branches=BranchSet(policies, active))


def create_branch(project: Project, name: str, *, source: str | None = None) -> Project:
    """``project`` with a new branch ``name``, a copy of ``source`` (default: the working copy).

    The working copy stays where it is; :func:`switch_branch` then edits the new branch.
    """
    policies = branches_of(project)
    clean = check_name(name, tuple(b.name for b in policies))
    origin = branch(project, source) if source is not None else working_branch(project)
    copy = PolicyBranch(clean, origin.profile, origin.settings)
    return _with(project, (*policies, copy), project.branches.active)


def rename_branch(project: Project, old: str, new: str) -> Project:
    """``project`` with branch ``old`` called ``new`` (the main policy keeps its name)."""
    if old == MAIN:
        raise BranchError(f"The main policy is always called '{MAIN}': rename a branch instead.")
    policies = branches_of(project)
    branch(project, old)
    clean = check_name(new, tuple(b.name for b in policies if b.name != old))
    renamed = tuple(dataclasses.replace(b, name=clean) if b.name == old else b for b in policies)
    active = clean if project.branches.active == old else project.branches.active
    return _with(project, renamed, active)


def delete_branch(project: Project, name: str) -> Project:
    """``project`` without branch ``name`` (not the main policy, not the one being edited)."""
    if name == MAIN:
        raise BranchError(f"The main policy '{MAIN}' cannot be deleted.")
    branch(project, name)
    if name == project.branches.active:
        raise BranchError(f"'{name}' is being edited: switch to another branch before deleting it.")
    kept = tuple(b for b in branches_of(project) if b.name != name)
    if len(kept) == 1:
        return _with(project, (), MAIN)
    return _with(project, kept, project.branches.active)


def switch_branch(project: Project, name: str) -> Project:
    """``project`` editing branch ``name``: the working copy is stored under the active
    branch's name and ``name``'s policy becomes the working copy."""
    target = branch(project, name)
    policies = branches_of(project)
    if len(policies) == 1:
        return project
    return dataclasses.replace(
        project,
        profile=target.profile,
        settings=target.settings,
        branches=BranchSet(policies, target.name),
    )


def promote_branch(project: Project, name: str) -> Project:
    """``project`` whose main policy is a copy of branch ``name`` (the branch stays).

    When the main policy is being edited, the working copy becomes the promoted policy.
    """
    if name == MAIN:
        raise BranchError(f"'{MAIN}' is the main policy already: promote a branch.")
    source = branch(project, name)
    policies = tuple(
        PolicyBranch(MAIN, source.profile, source.settings) if b.name == MAIN else b
        for b in branches_of(project)
    )
    changed = _with(project, policies, project.branches.active)
    if project.branches.active == MAIN:
        changed = dataclasses.replace(changed, profile=source.profile, settings=source.settings)
    return changed


# -- file form ---------------------------------------------------------------------------------
def branches_to_dict(project: Project) -> dict[str, Any]:
    """``{"active": name, "policies": [{"name", "profile", "settings"}, ...]}`` (working copy
    written in the active branch's place)."""
    from core.policy.profile_io import profile_to_dict
    from core.project import settings_to_dict

    stored = branches_of(project) if project.branches.policies else ()
    return {
        "active": project.branches.active,
        "policies": [
            {
                "name": b.name,
                "profile": profile_to_dict(b.profile),
                "settings": settings_to_dict(b.settings),
            }
            for b in stored
        ],
    }


def branches_from_dict(raw: Any, where: str) -> BranchSet:
    """The :class:`BranchSet` of a project file's ``branches`` section (checked)."""
    from core.jsonio import json_kind
    from core.policy.profile_io import profile_from_dict
    from core.project import ProjectFileError, parse_settings

    if not isinstance(raw, Mapping):
        raise ProjectFileError(f"{where}: 'branches' must be a JSON object, not {json_kind(raw)}.")
    items = raw.get("policies", [])
    if not isinstance(items, list):
        raise ProjectFileError(
            f"{where}: 'branches.policies' must be a list of policies, not {json_kind(items)}."
        )
    policies = []
    for k, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise ProjectFileError(
                f"{where}: 'branches.policies' entry {k} needs a name (text), a profile and "
                "settings."
            )
        name = item["name"]
        profile = profile_from_dict(item.get("profile") or {}, source=f"branch '{name}' profile")
        settings = parse_settings(item.get("settings") or {}, f"{where}: branch '{name}'")
        policies.append(PolicyBranch(name, profile, settings))
    active = raw.get("active", MAIN)
    try:
        return BranchSet(tuple(policies), active if isinstance(active, str) else MAIN)
    except BranchError as exc:
        raise ProjectFileError(f"{where}: branches: {exc}") from None
