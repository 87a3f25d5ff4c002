"""Backup and restore on PostgreSQL: the demo data backed up, restored into a new cluster, and proven there."""

import json
import time

import pytest

from tests.integration.scratch import ScratchCluster, installation_env, manage

# Tables whose rows a restore must bring back one for one (the restore adds its own audit event).
COUNTED = ("accounts_user", "controls_control", "controls_evidence", "controls_customer", "exports_annexversion",
           "incidents_incident", "training_course", "notifications_notification", "core_metricsnapshot")


@pytest.fixture
def clusters():
    started = []

    def new(name: str) -> ScratchCluster:
        cluster = ScratchCluster().start()
        started.append(cluster)
        return cluster

    yield new
    for cluster in started:
        cluster.stop()


def test_the_demo_data_backed_up_and_restored_into_a_new_cluster_verifies(tmp_path, clusters):
    source_cluster = clusters("source")
    source = installation_env(database_url=source_cluster.createdb("annex"), var_dir=tmp_path / "source-var",
                              ANNEX_DEMO_MODE="true")
    manage(source, "migrate", "--noinput")
    manage(source, "seed_demo", "--quiet-accounts")
    counts = {table: source_cluster.sql("annex", f"SELECT count(*) FROM {table}") for table in COUNTED}
    events = int(source_cluster.sql("annex", "SELECT count(*) FROM audit_auditevent"))

    started = time.monotonic()
    made = manage(source, "backup", "--output", str(tmp_path / "backups"), "--keys-output", str(tmp_path / "keys"))
    backup_seconds = time.monotonic() - started
    [data_set] = (tmp_path / "backups").iterdir()
    [key_set] = (tmp_path / "keys").iterdir()
    assert "Backup written" in made.stdout
    manifest = json.loads((data_set / "manifest.json").read_text())
    assert set(manifest["parts"]) == {"database.pgdump", "files.tar"} and manifest["parts"]["files.tar"]["files"] > 0
    assert sorted(p.name for p in key_set.iterdir()) == ["keyring.json", "manifest.json"]
    assert not (data_set / "keyring.json").exists()

    target_cluster = clusters("target")
    target = installation_env(database_url=target_cluster.createdb("annex"), var_dir=tmp_path / "target-var")
    started = time.monotonic()
    restored = manage(target, "restore", "--input", str(data_set), "--keys-input", str(key_set))
    restore_seconds = time.monotonic() - started

    assert "Everything verifies." in restored.stdout, restored.stdout
    assert f"Audit trail: {events + 1} events verified." in restored.stdout  # and the restore's own
    assert "controls.evidence" in restored.stdout and "exports.annexversion" in restored.stdout
    assert "Published documents verified: 0." not in restored.stdout
    assert manage(target, "verify_audit_trail").returncode == 0
    again = manage(target, "restore", "--input", str(data_set), "--keys-input", str(key_set), check=False)
    assert again.returncode != 0 and "has tables already" in again.stderr  # and nothing was touched
    for table, count in counts.items():
        assert target_cluster.sql("annex", f"SELECT count(*) FROM {table}") == count, table
    # The append-only trigger came back with the schema.
    refused = target_cluster._pg("psql", "-h", str(target_cluster.dir), "-U", "postgres", "-d", "annex", "-tAc",
                                 "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1", check=False)
    assert refused.returncode != 0 and "append-only" in refused.stderr
    print(f"\nbackup figure: demo data backed up in {backup_seconds:.1f} s, restored and verified in "
          f"{restore_seconds:.1f} s ({manifest['parts']['database.pgdump']['size'] // 1024} KiB dump, "
          f"{manifest['parts']['files.tar']['files']} stored files)")

