"""Registry fixtures; their code lives in regtest_support so the tests can import helpers."""

from regtest_support import auth_registry, open_registry, registry_image

__all__ = ["auth_registry", "open_registry", "registry_image"]
