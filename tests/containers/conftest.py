"""The container tests: the image `make containers` builds, and the clustered deployment of
deploy/compose started from it. They need Docker and docker-compose, and fail, never skip,
without them (.ci/run installs both and starts dockerd).

Images are built once per test session: the debootstrap base is kept by tag across runs
(about two minutes the first time), the mediation image is rebuilt from the working tree
(about a minute) under a tag of this session, removed at the end.
"""

from collections.abc import Iterator

import pytest

from tests.containers import docker
from tests.containers.cluster import Cluster


@pytest.fixture(scope="session")
def base_image() -> str:
    docker.require_docker()
    return docker.base_image()


@pytest.fixture(scope="session")
def mediation_image(base_image: str) -> Iterator[str]:
    tag = docker.mediation_image(base_image)
    yield tag
    docker.run(["docker", "image", "rm", "--force", tag], check=False)


@pytest.fixture(scope="session")
def cluster(
    base_image: str, mediation_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    images = {
        "mediation": mediation_image,
        "nats": docker.server_image("nats", base_image),
        "mongo": docker.server_image("ferretdb", base_image),
    }
    started = Cluster(tmp_path_factory.mktemp("cluster"), images)
    try:
        yield started
    finally:
        started.down()
