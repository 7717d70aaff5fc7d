"""The artists' AI-training preference register, private links, published reservations and the
AI crawler list. Existing works are tied to an artist entry by name; the crawler list starts with
the well-known training crawlers; each role gets its permissions (codenames written out, as in
0002_roles)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CRAWLERS = [
    ("GPTBot", "OpenAI"),
    ("ClaudeBot", "Anthropic"),
    ("anthropic-ai", "Anthropic"),
    ("CCBot", "Common Crawl"),
    ("Google-Extended", "Google"),
    ("Applebot-Extended", "Apple"),
    ("PerplexityBot", "Perplexity"),
    ("Bytespider", "ByteDance"),
    ("meta-externalagent", "Meta"),
    ("cohere-ai", "Cohere"),
    ("Amazonbot", "Amazon"),
    ("AI2Bot", "Allen Institute for AI"),
    ("Diffbot", "Diffbot"),
    ("omgili", "Webz.io"),
]

VIEW = ["view_artist", "view_preferencestatement", "view_preferencelink"]
VIEW += ["view_reservationpublication", "view_aicrawler"]
ROLES = {
    "Legal": [
        *VIEW,
        "change_artist",
        "add_preferencestatement",
        "add_preferencelink",
        "change_preferencelink",
        "add_aicrawler",
        "change_aicrawler",
    ],
    "Paralegal": [*VIEW, "change_artist", "add_preferencelink", "change_preferencelink"],
    "Manager": VIEW,
    "Admin": [*VIEW, "change_artist", "add_aicrawler", "change_aicrawler"],
}


def forwards(apps, schema_editor):
    Artist = apps.get_model("warnings_app", "Artist")
    Work = apps.get_model("warnings_app", "Work")
    for name in Work.objects.exclude(artist="").values_list("artist", flat=True).distinct():
        clean = " ".join(name.split())
        artist = Artist.objects.filter(name__iexact=clean).first()
        artist = artist or Artist.objects.create(name=clean)
        Work.objects.filter(artist=name).update(artist_profile=artist)
    AICrawler = apps.get_model("warnings_app", "AICrawler")
    for user_agent, operator in CRAWLERS:
        AICrawler.objects.get_or_create(user_agent=user_agent, defaults={"operator": operator})
    app_config = apps.get_app_config("warnings_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        found = Permission.objects.filter(
            codename__in=codenames, content_type__app_label="warnings_app"
        )
        if found.count() != len(set(codenames)):
            raise RuntimeError(f"role {role}: unknown permissions in {codenames}")
        group.permissions.add(*found)


def backwards(apps, schema_editor):
    Work = apps.get_model("warnings_app", "Work")
    Work.objects.update(artist_profile=None)


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0015_privileged_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AICrawler",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "user_agent",
                    models.CharField(help_text="e.g. GPTBot", max_length=100, unique=True),
                ),
                (
                    "operator",
                    models.CharField(help_text="Who runs it, e.g. OpenAI", max_length=200),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True, help_text="Named in the published robots.txt"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "AI crawler",
                "ordering": ["user_agent"],
            },
        ),
        migrations.CreateModel(
            name="Artist",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                (
                    "email",
                    models.EmailField(
                        blank=True, help_text="Where the artist's private links go", max_length=254
                    ),
                ),
                ("manager_name", models.CharField(blank=True, max_length=200)),
                ("manager_email", models.EmailField(blank=True, max_length=254)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="work",
            name="artist_profile",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="works",
                to="warnings_app.artist",
            ),
        ),
        migrations.CreateModel(
            name="PreferenceLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("recipient_name", models.CharField(blank=True, max_length=200)),
                ("recipient_email", models.EmailField(max_length=254)),
                ("token_sha256", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "artist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="links",
                        to="warnings_app.artist",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="PreferenceStatement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "preference",
                    models.CharField(
                        choices=[
                            ("reserved", "Reserved (no AI training)"),
                            ("licensable", "Licensable on terms"),
                            ("undecided", "Undecided"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "licensing_contact",
                    models.CharField(
                        blank=True,
                        help_text="Who to ask for a licence (e-mail or address)",
                        max_length=300,
                    ),
                ),
                ("effective_from", models.DateField()),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("staff", "Recorded from the artist's instruction"),
                            ("artist_link", "Confirmed by the artist through a private link"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "confirmed_by",
                    models.CharField(
                        blank=True,
                        help_text="Who confirmed through the link (name, e-mail)",
                        max_length=300,
                    ),
                ),
                ("note", models.TextField(blank=True, max_length=2000)),
                ("instruction_file", models.FileField(upload_to="instructions/%Y/%m/")),
                ("instruction_filename", models.CharField(max_length=255)),
                ("instruction_content_type", models.CharField(max_length=100)),
                ("instruction_size", models.PositiveBigIntegerField()),
                ("instruction_sha256", models.CharField(max_length=64)),
                ("record_sha256", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "artist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statements",
                        to="warnings_app.artist",
                    ),
                ),
                (
                    "link",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statements",
                        to="warnings_app.preferencelink",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["artist", "-effective_from", "-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="ReservationPublication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(unique=True)),
                ("published_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "effective_on",
                    models.DateField(help_text="The register's state on this day was published"),
                ),
                ("tdmrep_json", models.TextField()),
                ("tdmrep_sha256", models.CharField(max_length=64)),
                ("robots_txt", models.TextField()),
                ("robots_sha256", models.CharField(max_length=64)),
                ("summary", models.JSONField(blank=True, default=dict)),
                (
                    "published_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-version"],
                "get_latest_by": "version",
            },
        ),
        migrations.CreateModel(
            name="WorkPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "preference",
                    models.CharField(
                        choices=[
                            ("reserved", "Reserved (no AI training)"),
                            ("licensable", "Licensable on terms"),
                            ("undecided", "Undecided"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "statement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="work_choices",
                        to="warnings_app.preferencestatement",
                    ),
                ),
                (
                    "work",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="warnings_app.work",
                    ),
                ),
            ],
            options={
                "ordering": ["statement", "work"],
            },
        ),
        migrations.AddConstraint(
            model_name="preferencelink",
            constraint=models.CheckConstraint(
                condition=models.Q(("token_sha256__regex", "^[0-9a-f]{64}$")),
                name="preferencelink_token_hex",
            ),
        ),
        migrations.AddIndex(
            model_name="preferencestatement",
            index=models.Index(
                fields=["artist", "effective_from"], name="warnings_ap_artist__2d79ab_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="preferencestatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("instruction_sha256__regex", "^[0-9a-f]{64}$")),
                name="preferencestatement_instruction_hex",
            ),
        ),
        migrations.AddConstraint(
            model_name="preferencestatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("record_sha256__regex", "^[0-9a-f]{64}$")),
                name="preferencestatement_record_hex",
            ),
        ),
        migrations.AddConstraint(
            model_name="preferencestatement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("source", "artist_link"), _negated=True),
                    ("link__isnull", False),
                    _connector="OR",
                ),
                name="preferencestatement_link_source",
            ),
        ),
        migrations.AddConstraint(
            model_name="reservationpublication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("tdmrep_sha256__regex", "^[0-9a-f]{64}$"),
                    ("robots_sha256__regex", "^[0-9a-f]{64}$"),
                ),
                name="reservationpublication_hex",
            ),
        ),
        migrations.AddConstraint(
            model_name="workpreference",
            constraint=models.UniqueConstraint(
                fields=("statement", "work"), name="workpreference_once"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
