from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from warnings_demo import demo_data
from warnings_demo.demo import demo_seed
from warnings_demo.demo_story import SENT_BUSINESS_DAYS_AGO


class Command(BaseCommand):
    help = (
        "Fill the register with fictional demo data and demo users, and (for a register of at "
        "least 100 companies) the story of a first campaign sent some weeks ago. Safe to run "
        "again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--companies", type=int, default=720)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo users have known passwords).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: demo users with known passwords would be created. "
                "Pass --allow-production if this really is a demo system."
            )
        counts = demo_seed(companies=options["companies"])
        created = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        self.stdout.write(
            f"Demo data: created {created}."
            if created
            else "Demo data already in place; nothing changed."
        )
        if counts.get("campaigns") and options["verbosity"] >= 1:
            self.stdout.write(
                f"Demo campaign “{demo_data.STORY_CAMPAIGN}”: {counts['letters']} letters sent "
                f"{SENT_BUSINESS_DAYS_AGO} business days ago, with the replies, the bounce and "
                "the ladder steps due that followed: see the dashboard and the work queue."
            )
        if options["verbosity"] >= 1:
            self.stdout.write("Demo log-ins (user / password / role):")
            for username, _first, _last, role, _staff in demo_data.USERS:
                self.stdout.write(
                    f"  {username:<10} {demo_data.demo_password(username):<22} {role}"
                )
