"""The dashboard and alert rules in deploy/observability fit what the services expose, and the
rules are what Prometheus accepts and fire when they should (promtool, built by `make setup`
from Prometheus' Go module; these tests fail, never skip, without it)."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from mediation_devstack.tools import ToolMissing, require_helm, require_promtool
from mediation_runtime.metrics import ServiceMetrics
from notifications.adapters.metrics import NotificationMetrics
from prometheus_client import CollectorRegistry

from tests.deploy.test_helm import SERVICES, app_deployments, env_of, render

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
ALERTS = OBSERVABILITY / "prometheus" / "alerts.yml"
ALERT_TESTS = OBSERVABILITY / "prometheus" / "alerts.test.yml"
SCRAPE = OBSERVABILITY / "prometheus" / "scrape.yml"
DASHBOARD = OBSERVABILITY / "grafana" / "mediation-services.json"
OUR_METRIC = re.compile(r"\b(?:mediation|faststream)_[a-z_]+\b")
# What issue 18 asks the rules to catch, by the alert that does.
REQUIRED_ALERTS = {
    "MediationDeadLetters",  # dead letters appearing
    "MediationOutboxStale",  # outbox older than a minute
    "MediationConsumerLagGrowing",  # consumer lag growing
    "MediationNotificationFailures",  # notification failures
    "MediationServiceNotReady",  # a service not ready
}


@pytest.fixture(scope="module")
def promtool() -> Path:
    try:
        return require_promtool()
    except ToolMissing as missing:
        pytest.fail(str(missing))


@pytest.fixture(scope="module")
def helm() -> Path:
    try:
        return require_helm()
    except ToolMissing as missing:
        pytest.fail(str(missing))


def exposed_names() -> set[str]:
    """Every sample name a service can expose: ours, notifications' and FastStream's, as
    the registries declare them (a series appears once it has a value)."""
    registry = CollectorRegistry()
    metrics = ServiceMetrics("intake", registry)
    metrics.faststream_middleware()  # registers FastStream's metrics in the same registry
    NotificationMetrics(registry)
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    names = set()
    for family in registry.collect():
        for suffix in suffixes.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def metrics_in(expression: str) -> set[str]:
    return set(OUR_METRIC.findall(expression))


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_dashboard_is_grafana_json_whose_every_panel_queries_what_the_services_expose() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "mediation-services"
    assert dashboard["panels"]
    exposed = exposed_names()
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert {"datasource", "service"} <= variables
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], f"{panel['title']} queries nothing"
        for target in panel["targets"]:
            used = metrics_in(target["expr"])
            assert used, f"{panel['title']}: {target['expr']} names none of our metrics"
            assert used <= exposed, f"{panel['title']} queries {used - exposed}, not exposed"


def test_the_alerts_cover_what_operators_need_and_query_exposed_metrics() -> None:
    alerts = rules()
    assert {rule["alert"] for rule in alerts} >= REQUIRED_ALERTS
    exposed = exposed_names() | {"up"}
    for rule in alerts:
        used = metrics_in(rule["expr"])
        assert used <= exposed, f"{rule['alert']} queries {used - exposed}, not exposed"
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]


def test_promtool_accepts_the_rules(promtool: Path) -> None:
    result = subprocess.run(
        [str(promtool), "check", "rules", str(ALERTS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout + result.stderr


def test_each_alert_fires_on_its_series_and_not_on_healthy_ones(promtool: Path) -> None:
    """alerts.test.yml: made-up series for each alert (and healthy ones beside them), with
    the alerts, labels and texts expected at given times."""
    result = subprocess.run(
        [str(promtool), "test", "rules", ALERT_TESTS.name],
        cwd=ALERT_TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [cases] = yaml.safe_load(ALERT_TESTS.read_text())["tests"]
    tested = {test["alertname"] for test in cases["alert_rule_test"]}
    assert tested == {rule["alert"] for rule in rules()}, "every alert has its test"


def test_promtool_accepts_the_scrape_configuration(promtool: Path) -> None:
    result = subprocess.run(
        [str(promtool), "check", "config", "--syntax-only", str(SCRAPE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_chart_has_prometheus_scrape_the_services_and_can_send_traces(helm: Path) -> None:
    docs = render(
        helm,
        "--set",
        "metrics.podMonitor.enabled=true",
        "--set",
        "tracing.otlpEndpoint=http://otel-collector.observability:4318",
    )
    deployments = app_deployments(docs)
    for service in SERVICES:
        template = deployments[service]["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        [container] = template["spec"]["containers"]
        [health] = [port for port in container["ports"] if port["name"] == "health"]
        assert annotations["prometheus.io/port"] == str(health["containerPort"])
        endpoint = env_of(container)["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"]
        assert endpoint == "http://otel-collector.observability:4318"
    [monitor] = [doc for doc in docs if doc["kind"] == "PodMonitor"]
    assert monitor["spec"]["podMetricsEndpoints"] == [
        {"port": "health", "path": "/metrics", "interval": "30s"}
    ]
    components = monitor["spec"]["selector"]["matchExpressions"][1]["values"]
    assert set(components) == set(SERVICES)


def test_by_default_the_chart_sends_no_traces_and_renders_no_pod_monitor(helm: Path) -> None:
    bundled = render(helm)
    assert not [doc for doc in bundled if doc["kind"] == "PodMonitor"]
    for service, deployment in app_deployments(bundled).items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env_of(container), service
