import pytest
from django import forms

from civicgrid.proposals.forms import parse_criteria


@pytest.mark.parametrize("text, expected", [
    ("必要性 4\n可行性：3\n受益面:2", [("必要性", 4), ("可行性", 3), ("受益面", 2)]),
    ("必要性×4\n可行性x3\n受益面 x 2", [("必要性", 4), ("可行性", 3), ("受益面", 2)]),
    ("Box 3", [("Box", 3)]),
    ("Box x 3", [("Box", 3)]),
    ("Area 51 2", [("Area 51", 2)]),
    ("  \n\n", None),
])
def test_parse_criteria_reads_each_line_name_and_weight(text, expected):
    assert parse_criteria(text) == expected


@pytest.mark.parametrize("text", ["必要性", "必要性4", "必要性 四", "必要性 1000"])
def test_parse_criteria_refuses_a_line_without_a_separated_whole_number(text):
    with pytest.raises(forms.ValidationError) as exc:
        parse_criteria(text)
    assert exc.value.messages == ["请每行写一项评审标准：名称和整数权重，例如“必要性 4”。"]
