"""Non-public addresses are refused before any connection is opened.

The runpod SDK's `rp_ssrf` classifies addresses; its verdicts are checked here as pure
function calls, so no packet leaves the machine. End to end, loopback URLs with
`RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS` removed must fail while the local server sees nothing.
"""

from __future__ import annotations

import pytest
from runpod.serverless.utils import rp_ssrf

from frame_describer.errors import FetchError
from frame_describer.job_input import FrameEntry
from frame_describer.sources import FetchLimits, fetch_frame_bytes
from testkit.frame_server import FrameServer
from testkit.images import data_uri, jpeg

LIMITS = FetchLimits(max_bytes=1_000_000, deadline_s=5.0, retries=2)
IMAGE = jpeg(size=(64, 36))
REFUSED = "refused: address is not public"

NOT_PUBLIC = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "0.0.0.0",  # unspecified
    "10.0.0.1",  # RFC 1918
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",  # link-local: AWS, GCP and Azure instance metadata
    "169.254.0.1",
    "100.64.0.1",  # CGNAT (RFC 6598)
    "100.100.100.200",  # Alibaba Cloud metadata, inside CGNAT
    "100.127.255.254",
    "224.0.0.1",  # multicast
    "255.255.255.255",
    "::1",  # IPv6 loopback
    "::",
    "fc00::1",  # unique local
    "fd00:ec2::254",  # AWS metadata over IPv6, unique local
    "fe80::1",  # link-local
    "::ffff:10.0.0.1",  # IPv4-mapped forms of private addresses
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "not-an-address",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.fixture
def address_check_on(monkeypatch):
    """The production setting: the test switch off, and no proxy that would refuse first."""
    monkeypatch.delenv("RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def reason(url: str) -> str:
    with pytest.raises(FetchError) as failure:
        fetch_frame_bytes(FrameEntry("url", url), LIMITS)
    return str(failure.value)


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_non_public_address_is_classified_unsafe(address):
    assert rp_ssrf.is_safe_address(address) is False


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_classified_safe(address):
    assert rp_ssrf.is_safe_address(address) is True


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1", "localhost"])
def test_a_host_is_refused_after_resolution_when_any_address_is_private(address_check_on, host):
    # Literals and `localhost` resolve without the network.
    with pytest.raises(rp_ssrf.SSRFError, match="non-public address"):
        rp_ssrf.resolve_and_validate(host, 80)


def test_a_loopback_url_is_refused_without_a_single_request(address_check_on, frame_server):
    url = frame_server.add("/frame.jpg", IMAGE)
    assert reason(url) == REFUSED
    assert frame_server.requests == []


def test_a_host_name_that_resolves_to_loopback_is_refused(address_check_on, frame_server):
    frame_server.add("/frame.jpg", IMAGE)
    assert reason(f"http://localhost:{frame_server.port}/frame.jpg") == REFUSED
    assert frame_server.requests == []


def test_an_ipv6_loopback_url_is_refused_without_a_single_request(address_check_on):
    server = FrameServer(host="::1")
    try:
        url = server.add("/frame.jpg", IMAGE)
        assert reason(url) == REFUSED
        assert server.requests == []
    finally:
        server.close()


def test_the_test_switch_lets_loopback_through(frame_server):
    # The other side of the tests above: the same URL is fetched once the switch is on.
    url = frame_server.add("/frame.jpg", IMAGE)
    assert fetch_frame_bytes(FrameEntry("url", url), LIMITS) == IMAGE


def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused(
    address_check_on, frame_server, monkeypatch
):
    # A real public first hop would mean traffic off this machine, so 127.0.0.1 plays the
    # public host: only the classifier's verdict on that one address is changed. The redirect
    # target, 127.0.0.2, keeps the real verdict, and a server listens there to see if it is hit.
    real_verdict = rp_ssrf.is_safe_address
    monkeypatch.setattr(rp_ssrf, "is_safe_address", lambda ip: ip == "127.0.0.1" or real_verdict(ip))
    private = FrameServer(host="127.0.0.2")
    try:
        secret = private.add("/latest/meta-data/", IMAGE)
        start = frame_server.add("/innocent.jpg", status=302, redirect_to=secret)
        assert reason(start) == REFUSED
        assert frame_server.count("/innocent.jpg") == 1  # the first hop was allowed and fetched
        assert private.requests == []
    finally:
        private.close()


def test_loopback_frames_fail_alone_in_a_job_and_the_server_sees_nothing(
    address_check_on, run_job, frame_server
):
    loopback = frame_server.add("/frame.jpg", IMAGE)
    output = run_job(
        {"frame_urls": [loopback, data_uri(IMAGE), f"http://localhost:{frame_server.port}/x.jpg"]}
    )
    assert output["failed_indices"] == [0, 2]
    assert output["errors"] == [REFUSED, REFUSED]
    assert output["descriptions"][1]
    assert frame_server.requests == []
