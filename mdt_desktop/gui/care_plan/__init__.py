"""The single shared care plan: editor, history and diff, merge, the plans list."""

from .editor import CarePlanEditor, care_plan_tab

__all__ = ["CarePlanEditor", "care_plan_tab"]
