"""How a station reaches its district safely (docs/SYNC.md, *Transport*).

The token a station sends is its whole identity: it never travels in clear beyond this
computer. A district address is ``https://…`` — the station trusting the system's
certificate authorities, a district CA file (``district_ca``: the PEM text, kept in the
station's ``local_state``), or one certificate pinned by its SHA-256 fingerprint
(``district_fingerprint``, which ``district-server enroll --cert`` prints: districts
rarely have public certificates). Plain ``http://`` goes only to this computer
(loopback), or — when the station's setting ``sync_plain_http`` allows it, shown with a
warning on the Sync page — to an address on the local network (a private or link-local
address, or a name that resolves only to such addresses).
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import ssl
from typing import Any

import httpx

FINGERPRINT_HEX = 64  # SHA-256


class TransportRefused(ValueError):
    """An address or a setting the station cannot sync with safely; (en, zh)."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _local_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_link_local or (
        address.is_private and not address.is_global)


def is_lan_host(host: str) -> bool:
    """An address on the local network: a private, link-local or loopback address, or a
    name that resolves only to such addresses (a name that does not resolve is not)."""
    try:
        return _local_address(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(found) and all(_local_address(ipaddress.ip_address(a.split("%")[0]))
                                   for a in found)
    except ValueError:
        return False


def check_address(url: str, plain_lan: bool) -> None:
    """Refuse (``TransportRefused``) an address the station's token must not go to."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https" or is_loopback_host(parsed.host):
        return
    if plain_lan and is_lan_host(parsed.host):
        return
    if plain_lan:
        raise TransportRefused(
            f"{url} is not on the local network: plain http:// goes only to an address of "
            "the local network (this setting), anywhere else the address must start with "
            "https://",
            f"{url} 不在本地局域网内：明文 http:// 只能用于局域网地址（本设置），其他地址必须"
            "以 https:// 开头")
    raise TransportRefused(
        f"{url} would carry this station's token in clear: the district's address must "
        "start with https:// (plain http:// only to this computer, or to the local network "
        "when the station allows it)",
        f"{url} 会以明文传送本站点的凭据：区总工会服务器地址必须以 https:// 开头（明文 "
        "http:// 只能用于本机；如确需在局域网内使用，须在本站点设置中允许）")


def clean_fingerprint(text: str) -> str:
    """A SHA-256 certificate fingerprint as typed (colons, spaces, case do not matter), in
    the form ``enroll`` prints (AB:CD:…); ``TransportRefused`` when it is not one."""
    digits = "".join(ch for ch in text if ch not in ": \t\r\n-").upper()
    if len(digits) != FINGERPRINT_HEX or any(ch not in "0123456789ABCDEF" for ch in digits):
        raise TransportRefused(
            "a certificate fingerprint is 64 hexadecimal digits (SHA-256), as "
            f"`district-server enroll --cert` prints it; what was given has {len(digits)}",
            "证书指纹为 64 位十六进制数字（SHA-256），即 district-server enroll --cert "
            f"打印的“fingerprint”；输入的是 {len(digits)} 位")
    return ":".join(digits[i:i + 2] for i in range(0, FINGERPRINT_HEX, 2))


def fingerprint_of_der(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, FINGERPRINT_HEX, 2))


def fingerprint_of_pem(pem: str) -> str:
    """The SHA-256 fingerprint of the first certificate of a PEM text (what a station
    pins: the certificate the district's https address shows, its own or its proxy's)."""
    begin = pem.find("-----BEGIN CERTIFICATE-----")
    end = pem.find("-----END CERTIFICATE-----", begin)
    if begin < 0 or end < 0:
        raise ValueError("no certificate (-----BEGIN CERTIFICATE-----) in the file")
    return fingerprint_of_der(
        ssl.PEM_cert_to_DER_cert(pem[begin:end + len("-----END CERTIFICATE-----")]))


def clean_ca(pem: str) -> str:
    """A district CA file's text, checked to hold certificates Python can load."""
    try:
        ssl.create_default_context().load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise TransportRefused(
            f"the district CA file holds no certificate this computer can use ({exc})",
            "区总工会证书（CA）文件中没有可用的证书") from None
    return pem


class PinnedContext(ssl.SSLContext):
    """TLS that trusts exactly one certificate, by its SHA-256 fingerprint: the handshake
    is checked before anything (the token above all) is sent."""

    pin: str = ""

    def wrap_socket(self, sock, *args: Any, **kwargs: Any):  # type: ignore[override]
        wrapped = super().wrap_socket(sock, *args, **kwargs)
        der = wrapped.getpeercert(binary_form=True)
        if der is None or fingerprint_of_der(der) != self.pin:
            wrapped.close()
            raise ssl.SSLCertVerificationError(
                f"the district's certificate is not the pinned one (its fingerprint is "
                f"{fingerprint_of_der(der) if der else 'unknown'})")
        return wrapped


def verify_for(state: dict[str, str]) -> ssl.SSLContext | bool:
    """What the station's HTTPS trusts, from its settings: a pinned certificate, the
    district's CA (besides the system's), or the system's authorities."""
    pin = state.get("district_fingerprint")
    if pin:
        ctx = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # (the fingerprint is the check)
        ctx.pin = pin
        return ctx
    ca = state.get("district_ca")
    if ca:
        ctx = ssl.create_default_context()
        ctx.load_verify_locations(cadata=ca)
        return ctx
    return True


def certificate_problem(exc: BaseException) -> ssl.SSLError | None:
    """The TLS failure behind a connection error, if that is what it was."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None
