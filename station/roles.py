"""Operator roles and what each may do.

* operator (采集员): collects, edits unlocked records, moves them along the lifecycle;
* supervisor (报名点负责人/审核员): everything an operator does, plus unlocking signed records,
  importing a photo from a file, reviewing the day and taking personal data away (a roster
  workbook of every candidate, full ID numbers on screen), which is audited with where;
* admin (管理员): everything a supervisor does, plus managing operators and station keys.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label_zh(self) -> str:
        return {"operator": "采集员", "supervisor": "审核员", "admin": "管理员"}[self.value]


class Permission(StrEnum):
    COLLECT = "collect"
    EXPORT = "export"
    UNLOCK = "unlock"
    IMPORT_PHOTO = "import_photo"
    MANAGE_OPERATORS = "manage_operators"
    MANAGE_KEYS = "manage_keys"
    # Personal data leaving the station other than in batches sealed for the county.
    TAKE_PERSONAL_DATA = "take_personal_data"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.COLLECT, Permission.EXPORT}),
    Role.SUPERVISOR: frozenset(
        {
            Permission.COLLECT,
            Permission.EXPORT,
            Permission.UNLOCK,
            Permission.IMPORT_PHOTO,
            Permission.TAKE_PERSONAL_DATA,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]
