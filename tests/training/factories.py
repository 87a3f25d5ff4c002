import factory
from django.utils import timezone

from tests.factories import UserFactory
from training.models import (
    Assignment,
    AudienceRule,
    Choice,
    Course,
    CoursePage,
    Department,
    EmployeeProfile,
    Question,
)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployeeProfile

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"E-{5000 + n}")
    department = factory.SubFactory(DepartmentFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    description = "What every employee must know."
    is_published = True
    validity_months = 12
    pass_mark_percent = 80


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoursePage

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "## Heading\n\nSome **text**."


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = "Which is right?"
    kind = Question.Kind.SINGLE
    explanation = "Because it is."


def question_with(course, kind=Question.Kind.SINGLE, right=1, wrong=2) -> Question:
    """A question with `right` right and `wrong` wrong answers."""
    question = QuestionFactory(course=course, kind=kind)
    for i in range(right):
        Choice.objects.create(question=question, position=i, text=f"right {i}", is_correct=True)
    for i in range(wrong):
        Choice.objects.create(question=question, position=right + i, text=f"wrong {i}", is_correct=False)
    return question


def course_for_everyone(**fields) -> Course:
    course = CourseFactory(**fields)
    AudienceRule.objects.create(course=course, kind=AudienceRule.Kind.EVERYONE)
    return course


def full_course(**fields) -> Course:
    """A published course for everyone with two pages and two single-choice questions."""
    course = course_for_everyone(**fields)
    PageFactory(course=course, position=1)
    PageFactory(course=course, position=2)
    question_with(course)
    question_with(course)
    return course


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=30))
