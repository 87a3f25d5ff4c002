"""The API fuzzed against its own OpenAPI schema by schemathesis (`--checks all`), on PostgreSQL.

Every generated request, valid and invalid, must get a documented status with a body that matches the schema;
no request may cause a server error. The run is bounded in time (SCHEMATHESIS_MAX_SECONDS, 120 by default) and
its case count is recorded in the JUnit report (`schemathesis_cases`), which `make test` prints.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from controls.api.services import api_token_issue
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.factories import UserFactory

MAX_SECONDS = int(os.environ.get("SCHEMATHESIS_MAX_SECONDS", "120"))


@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_to_its_openapi_schema(live_server, tmp_path, record_property):
    dpo = UserFactory(roles=[Role.DPO])
    token = api_token_issue(user=dpo)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], email="owner@annex.test")
    for n in range(3):
        ControlFactory(owner=owner, reference=f"TOM-FUZ-{n:02d}")
    CustomerFactory()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    schema = api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(json.dumps(schema.json()))
    junit = tmp_path / "schemathesis.xml"

    result = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "run", str(schema_file), "--url", live_server.url,
         "--checks", "all", "--header", f"Authorization: Token {token}", "--max-time", str(MAX_SECONDS),
         "--max-examples", "100", "--request-timeout", "20", "--seed", "17", "--no-color", "--workers", "1",
         "--generation-database", "none",
         # The read API over controls and evidence; the incident intake (a write that files cases) is not in this run.
         "--include-path-regex", "^/api/(controls|evidence)/", "--report", "junit", "--report-junit-path", str(junit)],
        capture_output=True, text=True, timeout=MAX_SECONDS + 240,
    )
    output = result.stdout + result.stderr
    cases = re.search(r"(\d+) generated", output)
    record_property("schemathesis_cases", int(cases.group(1)) if cases else 0)
    assert result.returncode == 0, output[-6000:]
    assert cases and int(cases.group(1)) > 50, output[-3000:]
