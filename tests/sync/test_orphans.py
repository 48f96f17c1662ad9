"""A laptop never trips over a pulled row whose parent it does not hold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from mdt_desktop.services import care_plans
from mdt_desktop.store import syncing
from mdt_desktop.store.database import Store


def test_a_version_whose_plan_is_not_held_waits_for_it(store: Store) -> None:
    plan_id, version_id = uuid.uuid4(), uuid.uuid4()
    page = [
        {
            "table": "care_plan_versions",
            "id": str(version_id),
            "hlc": 1 << 16,
            "deleted": False,
            "fields": {
                "care_plan_id": str(plan_id),
                "number": 1,
                "author_name": "A",
                "created_at": datetime.now(UTC).isoformat(),
                "content": {"sections": {}},
                "copy_given": False,
            },
        }
    ]
    # Foreign keys are off for a pulled page (a child may come a page before its parent).
    assert syncing.apply_pulled(store, page, "cursor")["rows"] == 1
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM care_plan_versions").scalar() == 1
    assert care_plans.reconcile_plans(store, [plan_id]) == 0
