"""Reference data every dashboard starts with: five currencies and one settings row."""

from django.db import migrations

CURRENCIES = [
    ("USD", "US Dollar", "$"),
    ("EUR", "Euro", "€"),
    ("GBP", "British Pound", "£"),
    ("JPY", "Japanese Yen", "¥"),
    ("CHF", "Swiss Franc", "CHF"),
]


def create(apps, schema_editor):
    Currency = apps.get_model("common", "Currency")
    Settings = apps.get_model("common", "Settings")
    for code, name, symbol in CURRENCIES:
        Currency.objects.update_or_create(code=code, defaults={"name": name, "symbol": symbol})
    if not Settings.objects.exists():
        Settings.objects.create(currency_id="USD")


def remove(apps, schema_editor):
    apps.get_model("common", "Settings").objects.all().delete()
    apps.get_model("common", "Currency").objects.filter(
        code__in=[c[0] for c in CURRENCIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
