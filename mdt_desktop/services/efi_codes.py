"""Which eFI code list a store scores with: the shipped one, or a site's own licensed list
loaded with `mdt efi load-codes` (checked, kept in the store, recorded in the audit log)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mdt_desktop.domain import efi
from mdt_desktop.store.database import Store

LIST_KEY = "efi.code_list"


def code_list(store: Store) -> tuple[str, tuple[efi.Deficit, ...]]:
    """The name of the list in use and its deficits."""
    raw = store.meta().get(LIST_KEY)
    if not raw:
        return efi.shipped_list_name(), efi.load_deficits()
    data = json.loads(raw)
    return str(data.get("name") or "a loaded list"), efi.parse_code_list(data, "the loaded list")


def load_codes(store: Store, path: Path) -> dict[str, object]:
    """Check a code list (our JSON, or a folder of published efi-*.snomed.txt sets) and use it
    for this store from now on; CodeListError says why one is refused."""
    if path.is_dir():
        data = efi.read_published_sets(path)
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise efi.CodeListError(f"{path.name}: not a readable JSON code list ({exc})") from None
        data.setdefault("name", path.stem)
    deficits = efi.parse_code_list(data, path.name)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    codes = len({c for d in deficits for c in d.codes})
    store.set_meta(LIST_KEY, text)
    store.audit(
        "import",
        "efi_code_list",
        digest,
        detail=f"{data['name']}: {codes} distinct SNOMED CT codes over {len(deficits)} deficits, "
        f"from {path.name}",
    )
    return {"name": data["name"], "codes": codes, "deficits": len(deficits), "sha256": digest}
