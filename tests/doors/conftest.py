"""What every doors test shares: the organisation of tests/actors.py."""

import pytest


@pytest.fixture(autouse=True)
def _organisation(company, division, unit_a, unit_b, customer_a, purchaser_a, contact_b, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the import page keeps its uploads here
