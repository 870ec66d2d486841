"""crossover: a skill-wise, ancestor-aware merge of two libraries (no model call).

Contract (arity 2), for every skill name of either parent, with A = `given.ancestor`:
- the parents agree (same text, or both lack it): take that;
- only one parent changed it relative to A (edited, deleted, or added where A lacks it): take that parent's
  version — a deletion is a change too, so a skill one parent deliberately removed stays removed;
- both changed it differently: pick one version by `rng`.
Skills that are new relative to A (A lacks the name) are added last, smallest first, each only if the library
still fits `limits.max_library_bytes`; the rest are reported as dropped. Without an ancestor every name on which
the parents differ is treated as changed by both (a uniform crossover), and a name only one parent has counts
as new. Declines when the child equals either parent (nothing was recombined), is empty, or is over the limits
even without the new skills.
"""
from __future__ import annotations

from ...library import Library
from ...models import ModelClient
from ...skills import Skill
from .base import OperatorDeclined, OperatorInput, Proposal
from .common import decline_bad_child


def _version(library: Library | None, name: str) -> Skill | None:
    return library.skills.get(name) if library is not None else None


def _same(a: Skill | None, b: Skill | None) -> bool:
    return a == b  # Skill equality is field equality: the same text, without rendering it twice


class Crossover:
    name = "crossover"
    arity = 2

    def propose(self, given: OperatorInput, client: ModelClient) -> Proposal:
        if len(given.parents) < 2:
            raise OperatorDeclined("crossover needs two parents")
        first, second = given.parents[:2]
        ancestor, rng = given.ancestor, given.rng
        kept: dict[str, Skill] = {}
        new: list[Skill] = []
        from_second, coin = [], []
        for name in sorted(set(first.skills) | set(second.skills)):
            x, y, base = _version(first, name), _version(second, name), _version(ancestor, name)
            if _same(x, y):
                chosen, source = x, "both"
            elif ancestor is not None and _same(x, base):
                chosen, source = y, "second"
            elif ancestor is not None and _same(y, base):
                chosen, source = x, "first"
            elif x is None or y is None:  # no ancestor to tell an addition from a deletion: offer it as new
                chosen, source = x or y, "first" if y is None else "second"
            else:
                source = rng.choice(("first", "second"))
                chosen = x if source == "first" else y
                coin.append(name)
            if chosen is None:
                continue
            if source == "second":
                from_second.append(name)
            # new = added relative to the ancestor (or, without one, held by only one parent)
            is_new = base is None if ancestor is not None else (x is None or y is None)
            if is_new and not _same(x, y):
                new.append(chosen)
            else:
                kept[name] = chosen
        child = Library(kept)
        dropped = []
        for skill in sorted(new, key=lambda s: (s.nbytes, s.name)):
            if child.nbytes + skill.nbytes <= given.limits.max_library_bytes:
                child = child.with_skill(skill)
            else:
                dropped.append(skill.name)
        for parent, label in ((first, "first"), (second, "second")):
            if child.id == parent.id:
                raise OperatorDeclined(f"the crossover child equals the {label} parent: nothing to recombine")
        decline_bad_child(first, child, given.limits)
        note = (f"crossover of {first.short_id} and {second.short_id}"
                f"{' (ancestor ' + ancestor.short_id + ')' if ancestor is not None else ' (no ancestor)'}: "
                f"{len(from_second)} skill(s) from the second parent"
                f"{' (' + ', '.join(from_second) + ')' if from_second else ''}"
                f"{'; coin flips on ' + ', '.join(coin) if coin else ''}"
                f"{'; dropped new ' + ', '.join(dropped) + ' (over the byte budget)' if dropped else ''}.")
        return Proposal(child, note)
