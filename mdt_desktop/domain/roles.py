"""The roles of people in a neighbourhood MDT: a fixed list."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GP = "gp"
    PRACTICE_NURSE = "practice_nurse"
    DISTRICT_NURSE = "district_nurse"
    COMMUNITY_MATRON = "community_matron"
    SOCIAL_WORKER = "social_worker"
    GERIATRICIAN = "geriatrician"
    MENTAL_HEALTH_PRACTITIONER = "mental_health_practitioner"
    PHARMACIST = "pharmacist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    PHYSIOTHERAPIST = "physiotherapist"
    CARE_COORDINATOR = "care_coordinator"
    VOLUNTARY_SECTOR_WORKER = "voluntary_sector_worker"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        if self is Role.GP:
            return "GP"
        return self.value.replace("_", " ").capitalize()


def parse_role(text: str) -> Role:
    wanted = text.strip().lower()
    for role in Role:
        if wanted in (role.value, role.label.lower()):
            return role
    raise ValueError(f"unknown role {text!r}")
