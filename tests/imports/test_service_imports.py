import datetime
from decimal import Decimal

import pytest

from services.imports import MeasurementImporter, ServiceImporter, SubscriptionImporter
from services.models import Measurement, Service, ServiceLevelTarget, Subscription
from tests.services.factories import ServiceFactory, ServiceLevelTargetFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def run(importer, by, text, **kwargs):
    return importer(by=by).run(content=text.encode(), filename="f.csv", commit=True, **kwargs)


SERVICES = (
    "code,name,category,lifecycle,owner,description,target,metric,unit_of_measure,target_value,direction\n"
    "erp,ERP,Apps,live,it_manager,,Availability,availability,%,99.5,higher\n"
    "erp,ERP,Apps,live,it_manager,,Resolution,resolution_time,hours,8,lower\n"
    "iam,Identity,Infra,pipeline,,,,,,,\n"
)


def test_services_with_their_targets_import_once(it_manager):
    report = run(ServiceImporter, it_manager, SERVICES)
    assert report.committed, report.errors
    assert Service.objects.get(code="erp").targets.count() == 2
    assert Service.objects.get(code="iam").lifecycle == "pipeline"
    again = run(ServiceImporter, it_manager, SERVICES)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert ServiceLevelTarget.objects.count() == 2


def test_service_lines_that_cannot_be(it_manager):
    text = (
        "code,name,lifecycle,target,metric,target_value,direction\n"
        "a,A,dead,,,,\n"
        "b,B,live,Avail,availability,140,higher\n"
        "c,C,live,Speed,other,fast,sideways\n"
    )
    report = run(ServiceImporter, it_manager, text)
    assert not report.committed
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert "lifecycle: one of pipeline, live, retired, not 'dead'." == messages[2]
    assert "an availability is a percentage from 0 to 100" in messages[3]
    assert "target_value: a number, not 'fast'." in messages[4]
    assert "direction: higher (at least) or lower (at most)." in messages[4]
    assert not Service.objects.exists()


def test_subscriptions_and_measurements(rm, unit_a, unit_b):
    service = ServiceFactory(code="erp")
    ServiceLevelTargetFactory(service=service, name="Availability", target_value=Decimal("99.5"))
    report = run(
        SubscriptionImporter,
        rm,
        "unit,service,status,started_on,quantity\nfin-ap,erp,active,2026-01-01,25\nsales-ops,erp,active,,1\n"
        "fin-ap,nope,active,,1\n",
    )
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert messages == {
        3: "unit: Sales Operations is not in your portfolio.",
        4: "service: no service with code 'nope'.",
    }
    report = run(
        SubscriptionImporter, rm, "unit,service,status,started_on,quantity\nfin-ap,erp,active,2026-01-01,25\n"
    )
    assert report.committed
    assert Subscription.objects.get().quantity == 25

    measurements = "unit,service,target,period,value\nfin-ap,erp,Availability,2026-09,99.7\nfin-ap,erp,availability,2026-10,98\n"
    assert run(MeasurementImporter, rm, measurements).committed
    assert dict(Measurement.objects.values_list("period_start", "is_met")) == {
        datetime.date(2026, 9, 1): True,
        datetime.date(2026, 10, 1): False,
    }
    assert run(MeasurementImporter, rm, measurements).counts["unchanged"] == 2
    corrected = measurements.replace(",98\n", ",99.9\n")
    assert run(MeasurementImporter, rm, corrected).counts["update"] == 1
    assert Measurement.objects.get(period_start=datetime.date(2026, 10, 1)).is_met is True


def test_measurement_lines_that_cannot_be(rm, unit_a):
    subscription = SubscriptionFactory(unit=unit_a)
    ServiceLevelTargetFactory(service=subscription.service, name="Availability")
    code = subscription.service.code
    text = (
        "unit,service,target,period,value\n"
        f"fin-ap,{code},Availability,2099-01,99\n"
        f"fin-ap,{code},Speed,2026-01,99\n"
        f"fin-ap,{code},Availability,January,99\n"
        f"fin-ap,{code},Availability,2026-02,lots\n"
        "fin-ap,other,Availability,2026-02,99\n"
    )
    report = run(MeasurementImporter, rm, text)
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert messages[2] == "period: a month that has not begun."
    assert messages[3] == f"target: '{code}' has no target 'Speed'."
    assert messages[4] == "period: a month as YYYY-MM, not 'January'."
    assert messages[5] == "value: a number, not 'lots'."
    assert "'fin-ap' does not use service 'other'." in messages[6]
    assert not Measurement.objects.exists()
