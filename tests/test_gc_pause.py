import gc

import pytest

from odoo.addons.collection_followup.tools.gc_pause import gc_paused


@pytest.fixture
def collector_enabled():
    enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("collector_enabled")
def test_paused_in_the_block_and_back_after():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_back_after_an_error():
    with pytest.raises(ZeroDivisionError), gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_collector_paused_by_someone_else_stays_paused():
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
