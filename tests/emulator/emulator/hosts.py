"""Routing by Host header: the service, region and project of a request."""

import re

# Alibaba Cloud regions the emulator (and its TLS certificate) knows.
REGIONS = (
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen",
    "cn-zhangjiakou", "cn-qingdao", "cn-huhehaote", "cn-wulanchabu",
    "cn-chengdu", "cn-hongkong", "cn-guangzhou", "ap-southeast-1",
    "ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "eu-central-1",
    "eu-west-1", "us-west-1", "us-east-1", "me-east-1", "me-central-1",
)

IMDS_HOST = "100.100.100.200"

_SLS_SUFFIX = ".log.aliyuncs.com"
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")


class Route:
    """Where a request goes: service is one of sls, ram, kms, sts,
    resourcemanager, imds or None (unknown host); region and project where the host names them."""

    def __init__(self, service, region=None, project=None, host=""):
        self.service = service
        self.region = region
        self.project = project
        self.host = host


def _strip_port(host):
    """Drops a :port suffix; the real endpoints are reached on 80/443."""
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def _sls_region(label):
    """The region of an SLS endpoint label (`cn-hangzhou`,
    `cn-hangzhou-intranet`, `cn-hangzhou-share`), or None."""
    for suffix in ("-intranet", "-share"):
        if label.endswith(suffix):
            label = label[: -len(suffix)]
            break
    return label if _REGION.match(label) else None


def route(host, known_regions):
    """Maps a Host header to a Route.  `known_regions` is the set of regions
    the emulator answers for (built-in list plus those in the state); a host
    in any other region is unknown, as it would not resolve in DNS."""
    h = _strip_port((host or "").strip().lower())
    if h == IMDS_HOST:
        return Route("imds", host=h)
    if h in ("ram.aliyuncs.com",):
        return Route("ram", host=h)
    if h == "sts.aliyuncs.com":
        return Route("sts", host=h)
    if h == "resourcemanager.aliyuncs.com":
        return Route("resourcemanager", host=h)
    parts = h.split(".")
    if len(parts) == 4 and parts[2:] == ["aliyuncs", "com"] \
            and parts[1] in known_regions:
        if parts[0] == "sts":
            return Route("sts", region=parts[1], host=h)
        if parts[0] == "kms":
            return Route("kms", region=parts[1], host=h)
    if h.endswith(_SLS_SUFFIX):
        labels = h[: -len(_SLS_SUFFIX)].split(".")
        region = _sls_region(labels[-1])
        if region not in known_regions:
            return Route(None, host=h)
        if len(labels) == 1:
            return Route("sls", region=region, host=h)
        if len(labels) == 2 and _LABEL.match(labels[0]):
            return Route("sls", region=region, project=labels[0], host=h)
    return Route(None, host=h)
