import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.models import AuditEvent
from civicgrid.dashboard.models import OrderTally
from civicgrid.workorders.testing import make_order, make_world

pytestmark = pytest.mark.django_db


def test_check_then_rebuild(capsys):
    w = make_world()
    make_order(w)
    make_order(w)
    call_command("rollups", "--check")
    assert "rollups agree with a recount" in capsys.readouterr().out
    OrderTally.objects.update(count=5)
    with pytest.raises(CommandError, match="1 rollup keys differ"):
        call_command("rollups", "--check")
    assert "stored {'count': 5} recount {'count': 2}" in capsys.readouterr().out
    call_command("rollups", "--rebuild")
    assert "order 1 rows, daily 1 rows, category 1 rows, monthly 0 rows" in capsys.readouterr().out
    assert list(OrderTally.objects.values_list("count", flat=True)) == [2]
    assert AuditEvent.objects.filter(action="dashboard.rollups.rebuild").count() == 1
