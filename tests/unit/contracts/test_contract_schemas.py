"""The committed JSON Schemas and event catalog are exactly what the models generate.

When this fails, run ``uv run python -m mediation_contracts.schemas`` and commit the result;
review the diff first: within v1 a field may only be added.
"""

import json
import shutil
from pathlib import Path
from typing import Any, cast

import pytest
from mediation_contracts import schemas
from mediation_contracts.events import ALL_EVENTS, CaseAssessed
from mediation_contracts.streams import DLQ_HEADERS, DLQ_OMITTED_HEADER
from mediation_runtime.delivery import DeliveryPolicy

GENERATED = schemas.generate()
REGENERATE = "run `uv run python -m mediation_contracts.schemas` and commit the result"


@pytest.mark.parametrize("path", sorted(GENERATED), ids=str)
def test_committed_file_matches_the_models(path: Path) -> None:
    committed = schemas.ROOT / path
    assert committed.is_file(), f"{path} is missing: {REGENERATE}"
    assert committed.read_text(encoding="utf-8") == GENERATED[path], f"{path} drifted: {REGENERATE}"


def test_no_schema_for_an_event_type_that_no_longer_exists() -> None:
    committed = {p.name for p in (schemas.ROOT / schemas.SCHEMA_DIR).glob("*.json")}
    expected = {f"{cls.type_name()}.json" for cls in ALL_EVENTS}
    assert committed - expected == set(), f"stale schema files: {REGENERATE}"


def test_schema_names_its_type_subject_and_metadata() -> None:
    schema = json.loads(GENERATED[schemas.SCHEMA_DIR / "dk.mediation.case.assessed.v1.json"])
    assert schema["$id"].endswith("dk.mediation.case.assessed.v1")
    assert schema["title"] == "CaseAssessed"
    assert schema["description"] == CaseAssessed.__doc__
    assert schema["properties"]["type"]["const"] == "dk.mediation.case.assessed.v1"
    assert schema["x-nats-subject"] == "mediation.v1.{tenant}.case.assessed"
    assert (schema["x-aggregate"], schema["x-event"]) == ("case", "assessed")
    assert schema["x-sensitivity"] == "internal"
    assert schema["x-producers"] == ["mediator client"]
    assert (
        schema["x-consumers"]
        == list(CaseAssessed.consumers)
        == ["intake", "scheduling", "insights"]
    )


def test_catalog_lists_every_event_type_and_the_dead_letter_stream() -> None:
    catalog = GENERATED[schemas.CATALOG]
    for cls in ALL_EVENTS:
        assert f"`{cls.type_name()}`" in catalog
    assert "`mediation.dlq.<service>`" in catalog
    assert "`MEDIATION_DLQ`" in catalog


def test_catalog_tells_an_outside_system_what_to_put_in_correlationid() -> None:
    catalog = GENERATED[schemas.CATALOG]
    section = catalog.split("## Conversations: `correlationid` and `causationid`")[1]
    section = section.split("## ")[0]
    assert "follow-up event" in section
    assert "`correlationid` of any event it received about the case" in section
    assert "`causationid`" in section


def test_catalog_names_every_header_a_dead_letter_carries() -> None:
    """What an operator's or integrator's tool reads from a dead letter is documented."""
    catalog = GENERATED[schemas.CATALOG]
    for header in (
        "Mediation-Dead-Letter-Reason",
        "Mediation-Original-Subject",
        "Mediation-Original-Sequence",
        "Mediation-Deliveries",
        "Mediation-Service",
        "Nats-Msg-Id",
    ):
        assert f"| `{header}` |" in catalog, header


# --- the --check mode CI relies on ---------------------------------------------------------


@pytest.fixture
def copy_of_generated(tmp_path: Path) -> Path:
    schemas.write(tmp_path)
    return tmp_path


def test_check_passes_on_freshly_generated_files(copy_of_generated: Path) -> None:
    assert schemas.drift(copy_of_generated) == []
    assert schemas.main(["--check"], root=copy_of_generated) == 0


def test_check_names_changed_missing_and_stale_files(
    copy_of_generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = copy_of_generated / schemas.SCHEMA_DIR
    changed = schemas.SCHEMA_DIR / "dk.mediation.case.closed.v1.json"
    missing = schemas.SCHEMA_DIR / "dk.mediation.party.withdrew.v1.json"
    stale = schemas.SCHEMA_DIR / "dk.mediation.case.reopened.v1.json"
    (copy_of_generated / changed).write_text("{}\n", encoding="utf-8")
    (copy_of_generated / missing).unlink()
    shutil.copy(schema_dir / "dk.mediation.case.assessed.v1.json", copy_of_generated / stale)

    assert schemas.drift(copy_of_generated) == sorted([changed, missing, stale])
    assert schemas.main(["--check"], root=copy_of_generated) == 1
    reported = capsys.readouterr().err
    assert all(str(path) in reported for path in (changed, missing, stale))


def test_writing_repairs_drift_and_removes_stale_schemas(copy_of_generated: Path) -> None:
    stale = copy_of_generated / schemas.SCHEMA_DIR / "dk.mediation.case.reopened.v1.json"
    stale.write_text("{}\n", encoding="utf-8")
    (copy_of_generated / schemas.CATALOG).write_text("# hand-edited\n", encoding="utf-8")

    assert schemas.main([], root=copy_of_generated) == 0

    assert not stale.exists()
    assert schemas.drift(copy_of_generated) == []


async def test_a_dead_letter_carries_exactly_the_documented_headers() -> None:
    published: list[dict[str, str]] = []

    class Publisher:
        async def publish(self, body: bytes, *, headers: dict[str, str], stream: str) -> None:
            published.append(headers)

    policy = DeliveryPolicy("intake", (0.1,), cast(Any, Publisher()))
    await policy.dead_letter(
        body=b"{}", subject="mediation.v1.kk.x.y", sequence=7, deliveries=2, reason="r"
    )

    # Every documented header; the omitted-original one only when the body was too large.
    assert set(published[0]) == {name for name, _ in DLQ_HEADERS} - {DLQ_OMITTED_HEADER}
