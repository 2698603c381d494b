"""Masking of personal data for display (脱敏). Full values are shown only through an audited read."""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳**, John Smith -> J*** S****."""
    name = (name or "").strip()
    if not name:
        return ""
    if re.fullmatch(r"[\u3400-\u9fff·]+", name):
        keep = 2 if len(name) >= 4 else 1
        return name[:keep] + "*" * (len(name) - keep)
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last two digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 2:
        return "*" * len(digits)
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_id_number(value: str) -> str:
    """18-digit resident ID: keep the first 6 (place) and last 4 digits."""
    value = (value or "").strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


_BELOW_BUILDING = re.compile(r"(\d+\s*(单元|室|户|层|楼层)|\d+\s*[-－]\s*\d+)")


def mask_address(address: str) -> str:
    """Keep the address down to the building; hide unit, floor and room (单元/层/室)."""
    address = address or ""
    match = _BELOW_BUILDING.search(address)
    if not match:
        return address
    return address[: match.start()].rstrip() + "***"
