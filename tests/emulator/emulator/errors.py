"""The one exception every service raises to answer with an error.

Each service renders it in its own shape (SLS `{"errorCode","errorMessage"}`,
RPC `{"RequestId","HostId","Code","Message","Recommend"}`, IMDS plain text).
"""


class ApiError(Exception):
    """An error answer: HTTP status, service error code, human message, and
    optional extra response headers (e.g. Retry-After)."""

    def __init__(self, status, code, message, headers=None):
        super().__init__("%d %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
