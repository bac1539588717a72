"""A keyring backend for the tests: a JSON file named by CCC_XL_TEST_KEYRING stands in for the OS
keyring (Windows Credential Manager, macOS Keychain, Secret Service), which a test machine lacks.
Selected with PYTHON_KEYRING_BACKEND=keyring_for_tests.JsonKeyring."""

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class JsonKeyring(KeyringBackend):
    priority = 1

    def _load(self) -> dict:
        path = Path(os.environ["CCC_XL_TEST_KEYRING"])
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}|{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}|{username}"] = password
        Path(os.environ["CCC_XL_TEST_KEYRING"]).write_text(json.dumps(data))

    def delete_password(self, service, username):
        data = self._load()
        data.pop(f"{service}|{username}", None)
        Path(os.environ["CCC_XL_TEST_KEYRING"]).write_text(json.dumps(data))
