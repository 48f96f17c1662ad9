"""Using the store again inside an open transaction on the same thread is refused.

The thread's one connection would end the open transaction when the inner use closed
it, silently dropping what the transaction had written so far.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mdt_desktop.store.database import NestedTransactionError, Store
from mdt_desktop.store.schema import Staff


@pytest.mark.parametrize("inner", ["meta", "session", "transaction", "audit", "set_meta"])
def test_nested_use_is_refused_and_nothing_half_written(store: Store, inner: str) -> None:
    with pytest.raises(NestedTransactionError), store.transaction() as s:
        s.add(Staff(name="First", role="gp"))
        s.flush()
        if inner == "meta":
            store.meta()
        elif inner == "session":
            store.session()
        elif inner == "transaction":
            with store.transaction():
                pass
        elif inner == "audit":
            store.audit("view", "patient")
        else:
            store.set_meta("x", "y")
        s.add(Staff(name="Second", role="gp"))
    with store.session() as s:
        assert s.scalars(select(Staff.name).where(Staff.name.in_(["First", "Second"]))).all() == []


def test_after_a_transaction_the_store_is_usable_again(store: Store) -> None:
    with store.transaction() as s:
        s.add(Staff(name="Kept", role="gp"))
    assert store.meta()["store_id"]
    with store.session() as s:
        assert s.scalars(select(Staff.name).where(Staff.name == "Kept")).one() == "Kept"
