"""A stateful emulator of the Ansible Automation Platform REST API (2.4, 2.5, 2.6)."""
