"""A throw-away CA and a server certificate for every emulated host name,
made with the openssl command line tool at start-up."""

import os
import ssl
import subprocess

from .hosts import REGIONS


def subject_alt_names(regions=REGIONS):
    """The SANs of the server certificate.  A wildcard matches one label
    only: `*.log.aliyuncs.com` covers the region endpoints, each region needs
    its own `*.` entries for project hosts, and the regional KMS and STS
    hosts are named one by one."""
    names = ["localhost", "*.aliyuncs.com", "*.log.aliyuncs.com"]
    for region in regions:
        for label in ("", "-intranet", "-share"):
            names.append("*.%s%s.log.aliyuncs.com" % (region, label))
        names.append("kms.%s.aliyuncs.com" % region)
        names.append("sts.%s.aliyuncs.com" % region)
    return ["DNS:" + n for n in names] + ["IP:127.0.0.1"]


def _openssl(*args, cwd):
    """Runs openssl quietly; raises RuntimeError with its output on error."""
    done = subprocess.run(("openssl",) + args, cwd=cwd, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError("openssl %s failed: %s"
                           % (args[0], done.stderr.strip()))


def make_certificates(folder):
    """Writes ca.pem, server.pem and server-key.pem into `folder`; returns
    (ca path, certificate path, key path).  EC P-256 keys keep this fast."""
    with open(os.path.join(folder, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n"
                "subjectAltName=" + ",".join(subject_alt_names()) + "\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca-key.pem", "-out", "ca.pem",
             "-days", "30", "-subj", "/CN=slsh emulator test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash", cwd=folder)
    _openssl("req", "-new", *ec, "-keyout", "server-key.pem",
             "-out", "server.csr", "-subj", "/CN=*.aliyuncs.com", cwd=folder)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
             "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "30",
             "-extfile", "server.ext", "-out", "server.pem", cwd=folder)
    return tuple(os.path.join(folder, n)
                 for n in ("ca.pem", "server.pem", "server-key.pem"))


def server_context(cert, key):
    """The TLS context of the HTTPS listener."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
