import factory
from django.contrib.auth.models import Group

from portal.accounts.models import User

DEFAULT_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@annex.test")
    full_name = factory.Faker("name")
    department = "Operations"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            from portal.accounts.roles import roles_sync

            if Group.objects.filter(name__in=extracted).count() != len(set(extracted)):
                roles_sync()
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()
