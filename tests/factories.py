import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from warnings_app import models as m
from warnings_app.domain.normalise import company_name_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Company

    legal_name = factory.Sequence(lambda n: f"Testco {n} Ltd")
    name_key = factory.LazyAttribute(lambda o: company_name_key(o.legal_name))
    domain = factory.Sequence(lambda n: f"testco-{n}.example")
    country = "DE"
    segment = m.Company.Segment.GENERATIVE_MUSIC


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Contact

    company = factory.SubFactory(CompanyFactory)
    role = m.Contact.Role.LEGAL_NOTICES
    name = "Legal Department"
    email = factory.LazyAttribute(lambda o: f"legal@{o.company.domain}")


class PrincipalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Principal

    name = factory.Sequence(lambda n: f"Label {n}")
    kind = m.Principal.Kind.LABEL


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.LetterTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    kind = m.LetterTemplate.Kind.INITIAL_NOTICE


class TemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.TemplateVersion

    template = factory.SubFactory(LetterTemplateFactory)
    number = 1
    subject = "Reservation of rights"
    body = "Dear {{ recipient.legal_name }}, ..."
    status = m.TemplateVersion.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


def make_notice(**kwargs):
    """A draft notice through the real service, with defaults for what a test does not care
    about."""
    from warnings_app import services

    kwargs.setdefault("company", CompanyFactory())
    kwargs.setdefault("template_version", TemplateVersionFactory())
    kwargs.setdefault("by", None)
    kwargs.setdefault("principals", [PrincipalFactory()])
    return services.notice_create(**kwargs)


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Work

    title = factory.Sequence(lambda n: f"Song Number {n}")
    artist = "The Testers"
    principal = factory.SubFactory(PrincipalFactory)
    isrc = factory.Sequence(lambda n: f"ZZTST26{n:05d}")


class LicenceFactory(factory.django.DjangoModelFactory):
    """A signed licence in force today for training, the whole catalogue, worldwide. Pass
    use_<use>=True for more uses, starts_on/ends_on to move it."""

    class Meta:
        model = m.Licence

    reference = factory.Sequence(lambda n: f"LIC-TEST-{n:05d}")
    company = factory.SubFactory(CompanyFactory)
    use_training = True
    scope = m.Licence.Scope.ALL
    territories = factory.LazyFunction(lambda: ["*"])
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))
    starts_on = factory.LazyAttribute(lambda o: o.signed_on)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timezone.timedelta(days=365))
    fee_model = m.Licence.FeeModel.FLAT
    fee_amount = 10000
    fee_currency = "EUR"
    fee_period = m.Licence.FeePeriod.YEAR
    agreement_filename = "agreement.pdf"
    agreement_sha256 = "0" * 64
