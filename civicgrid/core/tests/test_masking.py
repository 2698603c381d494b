import pytest

from civicgrid.core.masking import mask_address, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    "raw,masked",
    [("张三", "张*"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("John Smith", "J*** S****"), ("", "")],
)
def test_mask_name(raw, masked):
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    "raw,masked",
    [("13812345678", "138****5678"), ("+86 138-1234-5678", "138****5678"), ("12345", "***45"), ("", "")],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_id_number_keeps_place_and_last_four():
    assert mask_id_number("370203198001011234") == "370203********1234"
    assert mask_id_number("123") == "***"


@pytest.mark.parametrize(
    "raw,masked",
    [
        ("青岛市市北区恩县路12号2单元301室", "青岛市市北区恩县路12号***"),
        ("青岛市市北区恩县路12号3-2-301", "青岛市市北区恩县路12号***"),
        ("青岛市市北区恩县路12号", "青岛市市北区恩县路12号"),
    ],
)
def test_mask_address_stops_at_the_building(raw, masked):
    assert mask_address(raw) == masked
