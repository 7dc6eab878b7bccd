import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from customers.models import BusinessObjective, BusinessUnit, Contact


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            from customers.roles import ensure_groups

            groups = ensure_groups()  # a transactional test before may have flushed them
            for name in extracted:
                self.groups.add(groups[name])
        if create:
            self.save()


class StaffFactory(UserFactory):
    is_staff = True


class BusinessUnitFactory(DjangoModelFactory):
    class Meta:
        model = BusinessUnit

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = BusinessUnit.Kind.DEPARTMENT
    relationship_manager = factory.SubFactory(StaffFactory)


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    unit = factory.SubFactory(BusinessUnitFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@business.example.org")
    role = Contact.Role.STAKEHOLDER


class BusinessObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = BusinessObjective

    unit = factory.SubFactory(BusinessUnitFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
