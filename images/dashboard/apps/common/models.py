"""Dashboard reference data and configuration (not synced from AAP)."""

from __future__ import annotations

from django.db import models


class Currency(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=64)
    symbol = models.CharField(max_length=8)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class Settings(models.Model):
    """Singleton row of dashboard-wide cost settings."""

    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, default="USD")
    manual_cost_per_minute = models.DecimalField(max_digits=12, decimal_places=2, default=1)
    automated_cost_per_minute = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    updated = models.DateTimeField(auto_now=True)


class FilterSet(models.Model):
    """A saved report filter."""

    name = models.CharField(max_length=255, unique=True)
    filters = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
