#!/usr/bin/env python3
"""Container health check without curl: ``healthcheck URL`` exits 0 when ``GET URL``
answers 200 within three seconds, 1 otherwise (compose and Kubernetes run it).

    healthcheck http://127.0.0.1:8080/readyz
"""

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080/readyz"


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - a local URL
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
