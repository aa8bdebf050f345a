"""Other parts of the product follow changes to cases without casework depending on them.

workflows registers `case_changed_hooks` at start-up to keep each case's process in step with
its legal state, whichever interface (pages, API, talk logging, demo data) made the change.
Hooks run inside the transaction of the change, so a failing hook rolls the change back.
"""

from __future__ import annotations

from collections.abc import Callable

case_changed_hooks: list[Callable[..., None]] = []


def case_changed(*, case, actor, action: str) -> None:
    """`action`: "register", a transition name of procedure.md, or "approve:<approval step>"."""
    for hook in case_changed_hooks:
        hook(case=case, actor=actor, action=action)
