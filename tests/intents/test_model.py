"""The F3548 operational-intent state machine, pair by pair."""

from __future__ import annotations

import itertools

import pytest

from skyaccord.errors import InvalidTransition
from skyaccord.intents.model import ACTIVE_STATES, KEYED_STATES, State, check_transition

A, X, N, C, E = (
    State.ACCEPTED,
    State.ACTIVATED,
    State.NONCONFORMING,
    State.CONTINGENT,
    State.ENDED,
)
# ASTM F3548-21 operational intent states: a new intent is Accepted (or Activated at once);
# Accepted → Activated | Ended; Activated → Nonconforming | Contingent | Ended;
# Nonconforming → Activated | Contingent | Ended; Contingent → Ended; Ended is final.
# A modification may keep the state (a new version in the same state), except Ended.
ALLOWED = {
    (None, A), (None, X),
    (A, A), (A, X), (A, E),
    (X, X), (X, N), (X, C), (X, E),
    (N, N), (N, X), (N, C), (N, E),
    (C, C), (C, E),
}  # fmt: skip


@pytest.mark.parametrize(("current", "new"), list(itertools.product([None, *State], list(State))))
def test_transition_table(current: State | None, new: State) -> None:
    if (current, new) in ALLOWED:
        check_transition(current, new)
    else:
        with pytest.raises(InvalidTransition) as info:
            check_transition(current, new)
        assert info.value.details["field"] == "state"
        assert info.value.details["requested"] == new.value
        assert info.value.http_status == 409


def test_state_groups() -> None:
    assert frozenset({A, X, N, C}) == ACTIVE_STATES
    assert frozenset({A, X}) == KEYED_STATES
    assert [s.value for s in State] == [
        "Accepted",
        "Activated",
        "Nonconforming",
        "Contingent",
        "Ended",
    ]
