"""Upload to the county (联网上传): the station sends its unacknowledged batches to the
county's intake service (sync/county/service.py) when the network is there.

The batches are the same sealed bytes a USB copy carries, sent in sequence order; each answer
is the county's signed receipt, verified against the installed county key before any record
is marked acknowledged (sync/station_side.py). Nothing here can lose or duplicate a batch: a
batch stays stored, byte for byte, until a verified receipt names it, and the county takes the
same bytes again as "received before" with the same receipt. So a cut connection, a crash or
a service restarting mid-request only means sending that batch again.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff and full
jitter; a refusal (the county's reason code) stops the run and is reported in words, because
sending the same bytes again would be refused again.

TLS: the county's certificate is pinned at setup (``station intake set``): its SHA-256 is
read out over the phone like the county key's fingerprint, the certificate is kept beside
the settings, and a connection is trusted only to exactly that certificate.
"""

from __future__ import annotations

import hashlib
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from station import settings as settings_mod
from station.auth import Context
from station.errors import StationError, UsageError
from station.fileio import atomic_write_bytes
from station.roles import Permission
from sync import request_auth, station_side
from sync.errors import SEQUENCE_GAP, BatchRefused

CERT_FILE = "intake-certificate.pem"
TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=10.0)
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0


# --- where the intake is ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The intake's address and, for https, the pinned certificate (PEM) and its SHA-256."""

    url: str
    pin: str = ""
    certificate: str | None = None
    #: The county the service answered for (filled by :func:`configure`).
    county: str = ""

    @property
    def tls(self) -> bool:
        return is_tls(self.url)


def pin_of(pem: str) -> str:
    """The SHA-256 of a certificate (of its DER bytes), 64 lowercase hex digits."""
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def shown_pin(pin: str) -> str:
    """The pin in groups of four, for reading out over the phone."""
    return " ".join(pin[i : i + 4].upper() for i in range(0, len(pin), 4))


def normal_pin(text: str) -> str:
    """A pin as typed (spaces, colons, either case) in its stored form, or UsageError."""
    pin = "".join(ch for ch in text.lower() if ch not in " :-")
    if len(pin) != 64 or any(ch not in "0123456789abcdef" for ch in pin):
        raise UsageError(
            "证书指纹应为 64 位十六进制数字（可含空格）",
            "the certificate pin is 64 hex digits (spaces allowed)",
        )
    return pin


def normal_url(url: str) -> str:
    """The intake's address in one spelling (scheme and host in lower case, no trailing
    slash), or UsageError: ``HTTPS://Host`` must not pass as plain http."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise UsageError(
            f"接收服务地址无效：{url}（应为 https://主机:端口）",
            f"not an intake address: {url} (https://host:port)",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def is_tls(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() == "https"


def fetch_certificate(url: str, timeout: float = 10.0) -> str:
    """The certificate the server at ``url`` presents (PEM), not yet trusted: to be checked
    by its pin."""
    parts = urlsplit(url)
    try:
        return ssl.get_server_certificate(
            (parts.hostname or "", parts.port or 443), timeout=timeout
        )
    except (OSError, ssl.SSLError) as exc:
        raise StationError(
            f"无法连接县区接收服务 {url}：{exc}（检查地址、网络，或用 U 盘）",
            f"cannot reach the intake at {url}: {exc}",
        ) from None


def configure(ctx: Context, url: str, pin: str | None, certificate: str | None) -> Target:
    """Store the intake's address and pinned certificate in the settings (``station intake
    set``; admin). ``certificate``: the PEM fetched from the server, which must match
    ``pin``, the SHA-256 the county read out; the service must answer as the county whose
    key is installed. Nothing is stored otherwise. An empty ``url`` turns upload off."""
    ctx.require(Permission.MANAGE_KEYS)
    current = settings_mod.load(ctx.data_dir)
    cert_path = ctx.data_dir / CERT_FILE
    if not url:
        current.intake_url, current.intake_pin = "", ""
        settings_mod.save(ctx.data_dir, current)
        cert_path.unlink(missing_ok=True)
        ctx.settings.intake_url, ctx.settings.intake_pin = "", ""
        return Target("")
    url = normal_url(url)
    stored_pin = ""
    if is_tls(url):
        if certificate is None or pin is None:
            raise UsageError(
                "https 地址需要县区证书及其指纹", "an https address needs the certificate's pin"
            )
        got = pin_of(certificate)
        if got != normal_pin(pin):
            raise UsageError(
                f"服务器的证书指纹是 {shown_pin(got)}，与县区告知的不一致：不要保存，"
                "请与县区核对地址和指纹（可能连到了别的服务器）",
                f"the server's certificate is {got}, not the pin given: not saved",
            )
        stored_pin = got
    target = Target(url, stored_pin, certificate if stored_pin else None)
    target = Target(target.url, target.pin, target.certificate, check_county(target, ctx))
    if stored_pin:
        assert certificate is not None
        atomic_write_bytes(cert_path, certificate.encode("ascii"))
    else:
        cert_path.unlink(missing_ok=True)
    current.intake_url, current.intake_pin = url, stored_pin
    settings_mod.save(ctx.data_dir, current)
    ctx.settings.intake_url, ctx.settings.intake_pin = url, stored_pin
    return target


def target_of(ctx: Context, url: str | None = None) -> Target | None:
    """The configured intake (or ``url`` given on the command line, https then pinned to the
    stored certificate); None when upload is not set up."""
    chosen = normal_url(url) if url else ctx.settings.intake_url
    if not chosen:
        return None
    if not is_tls(chosen):
        return Target(chosen)
    cert_path = ctx.data_dir / CERT_FILE
    pin = ctx.settings.intake_pin
    try:
        certificate = cert_path.read_text("ascii")
    except OSError:
        certificate = None
    if not pin or certificate is None or pin_of(certificate) != pin:
        raise UsageError(
            "县区接收服务的证书未核对：请管理员运行 station intake set 地址 --pin 指纹",
            "the intake's certificate is not pinned: run `station intake set URL --pin SHA256`",
        )
    return Target(chosen, pin, certificate)


# --- the connection --------------------------------------------------------------------------


def ssl_context(target: Target) -> ssl.SSLContext | bool:
    """Trust exactly the pinned certificate: it is the only trust anchor, and it may be a
    self-signed one; the host name is not checked (the pin is the identity, and a county
    server is often reached by its address)."""
    if not target.tls:
        return False
    assert target.certificate is not None
    context = ssl.create_default_context(cadata=target.certificate)
    context.check_hostname = False
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def client_for(target: Target, *, timeout: httpx.Timeout = TIMEOUT) -> httpx.Client:
    return httpx.Client(
        base_url=target.url,
        verify=ssl_context(target),
        timeout=timeout,
        trust_env=False,  # a desk's proxy settings must not reroute the county's traffic
        headers={"User-Agent": "registration-station"},
    )


def _peer_pin(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    der = ssl_object.getpeercert(True) if ssl_object is not None else None
    return hashlib.sha256(der).hexdigest() if der else None


# --- sending ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    """One upload run. ``refused``: (sequence, code, detail) that stopped it; ``error``: the
    last connection problem when retries ran out; ``retry_in``: seconds the caller should
    wait before the next run (None when all are acknowledged or a refusal needs a person)."""

    total: int = 0
    acknowledged: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    refused: tuple[int, str, str] | None = None
    error: str | None = None
    retry_in: float | None = None

    @property
    def done(self) -> bool:
        return not self.waiting and self.refused is None

    def words(self) -> tuple[str, str]:
        """What the run came to, in a sentence (Chinese, English)."""
        if self.refused is not None:
            return refusal_words(*self.refused)
        if self.total == 0:
            return "没有待上传的批次", "nothing to upload"
        if self.done:
            return (
                f"全部 {self.total} 个批次已有县区回执",
                f"all {self.total} batch(es) acknowledged by the county",
            )
        sent = len(self.acknowledged)
        why = f"：{self.error}" if self.error else ""
        return (
            f"已上传 {sent} 个，{len(self.waiting)} 个等待重试{why}",
            f"{sent} acknowledged, {len(self.waiting)} waiting to retry{why}",
        )


_REFUSAL_WORDS = {
    "unknown_station": (
        "县区接收服务不认识本报名点：请县区先登记本报名点公钥",
        "the county has not registered this station",
    ),
    "station_disabled": (
        "本报名点已被县区停用：请联系县区",
        "the county has disabled this station",
    ),
    "stale_request": (
        "本机时间与县区相差过大：请校准本机日期和时间后重试",
        "this PC's clock is off: set the date and time, then retry",
    ),
    "bad_request_signature": (
        "县区登记的不是本机的签名密钥：请与县区核对指纹",
        "the county holds another signing key for this station",
    ),
    "unsigned_request": (
        "请求未签名：请升级本程序或联系技术支持",
        "the request was not signed: update the program",
    ),
    "replayed": (
        "县区已收到另一个同号批次：请县区出具报名点状态文件，再运行 station resync",
        "the county holds another batch under this number: resync with the county's state",
    ),
    "too_large": (
        "批次超过县区接收上限：请改用 U 盘交县区",
        "the batch is larger than the intake takes: use a USB stick",
    ),
    "wrong_county": (
        "批次不是给这个县区的：请核对接收服务地址和县区公钥",
        "the batch is for another county: check the address and the county key",
    ),
    "training_mismatch": (
        "培训数据与正式数据不能互传：请核对接收服务地址",
        "training and real data do not mix: check the address",
    ),
    "receipt": (
        "回执的签名无法用县区公钥验证：请核对接收服务地址和县区公钥",
        "the receipt does not verify with the county key: check the address and the key",
    ),
    "pin": (
        "服务器证书与核对过的不一致：已停止上传，请与县区核对",
        "the server's certificate is not the pinned one: stopped",
    ),
}


def refusal_words(sequence: int, code: str, detail: str) -> tuple[str, str]:
    zh, en = _REFUSAL_WORDS.get(
        code,
        (f"县区拒收（{code}）：{detail}", f"refused by the county ({code}): {detail}"),
    )
    return f"第 {sequence} 号批次：{zh}", f"batch #{sequence}: {en}"


def backoff(failures: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``failures`` (1, 2, …): exponential, capped, full jitter
    (so stations cut off together do not come back together)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, failures - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


class _Retry(Exception):
    def __init__(self, why: str, after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.after = after


def upload(
    ctx: Context,
    target: Target | None = None,
    *,
    attempts: int = 5,
    failed_before: int = 0,
    client: httpx.Client | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> Report:
    """Send every unacknowledged batch in sequence order; up to ``attempts`` tries per batch
    on connection errors (waiting with backoff in between, cut short by ``stop``).
    ``failed_before``: runs in a row that could not reach the county (the desk's count), so
    that ``retry_in`` keeps growing from run to run."""
    target = target or target_of(ctx)
    if target is None:
        raise UsageError(
            "未设置县区接收服务地址：请管理员运行 station intake set，或用 U 盘交县区",
            "no intake address: run `station intake set`, or use a USB stick",
        )
    # Sequence numbers only: each batch's bytes are read when it is sent (a station with
    # many large batches waiting does not hold them all in memory).
    pending = station_side.waiting_sequences(ctx)
    report = Report(total=len(pending), waiting=list(pending))
    if not pending:
        return report
    station, key = station_side.request_signer(ctx)
    own = client is None
    client = client or client_for(target)
    try:
        queue = list(pending)
        resent: set[int] = set()
        failures = 0
        while queue:
            sequence = queue[0]
            if progress:
                progress(len(report.acknowledged) + len(report.already), report.total)
            try:
                outcome = _send(ctx, client, target, station, key, sequence)
            except _Retry as retry:
                failures += 1
                report.error = retry.why
                delay = retry.after if retry.after is not None else backoff(failures, rng)
                if failures >= attempts or (stop is not None and stop.is_set()):
                    # The county's own Retry-After first; else keep backing off.
                    report.retry_in = (
                        retry.after
                        if retry.after is not None
                        else backoff(failed_before + failures + 1, rng)
                    )
                    return report
                if stop is not None:
                    if stop.wait(delay):
                        report.retry_in = backoff(failed_before + failures + 1, rng)
                        return report
                else:
                    time.sleep(delay)
                continue
            except _Gap as gap:
                # The county lacks an earlier batch that this station still holds (sent
                # before by USB and lost, say): send that one first, once.
                if gap.missing not in pending or gap.missing in resent:
                    report.refused = (sequence, SEQUENCE_GAP, gap.detail)
                    return report
                resent.add(gap.missing)
                queue.insert(0, gap.missing)
                continue
            except BatchRefused as refused:
                report.refused = (sequence, refused.code, refused.detail)
                return report
            failures = 0
            report.error = None
            queue.pop(0)
            if sequence in report.waiting:
                report.waiting.remove(sequence)
            (report.already if outcome == "already" else report.acknowledged).append(sequence)
        if progress:
            progress(report.total, report.total)
        return report
    finally:
        if own:
            client.close()


class _Gap(Exception):
    def __init__(self, missing: int, detail: str) -> None:
        super().__init__(detail)
        self.missing = missing
        self.detail = detail


def _send(
    ctx: Context,
    client: httpx.Client,
    target: Target,
    station: str,
    key: Any,
    sequence: int,
) -> str:
    """PUT one batch and apply its receipt; its outcome ("stored" or "already")."""
    data = station_side.batch_bytes(ctx, sequence)
    if data is None:
        return "already"  # its receipt came by USB meanwhile
    path = f"/stations/{station}/batches/{sequence}"
    headers = request_auth.sign(key, station, "PUT", path, data)
    headers["Content-Type"] = "application/octet-stream"
    try:
        response = client.put(path, content=data, headers=headers)
    except httpx.TransportError as exc:  # refused, reset, timed out, TLS failed, DNS
        if isinstance(exc.__cause__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY" in str(
            exc
        ):
            raise BatchRefused("pin", str(exc)) from None
        raise _Retry(_transport_words(exc)) from None
    if target.tls:
        seen = _peer_pin(response)
        if seen is not None and seen != target.pin:
            raise BatchRefused("pin", f"the server presented {seen}")
    status = response.status_code
    if status == 200:
        try:
            station_side.ack_receipt_data(ctx, response.content)
        except BatchRefused as exc:
            raise BatchRefused("receipt", f"{exc.code}: {exc.detail}") from None
        return response.headers.get("X-ZK-Outcome", "stored")
    try:
        body = response.json()
        code, detail = str(body.get("code", "")), str(body.get("detail", ""))
    except ValueError:
        body, code, detail = {}, "", response.text[:200]
    if status == 429:
        after = response.headers.get("Retry-After", "")
        raise _Retry("县区接收服务繁忙 / busy", float(after) if after.isdigit() else None)
    if status >= 500 or not code:
        raise _Retry(f"县区接收服务暂时不可用（HTTP {status}）/ unavailable")
    if code == SEQUENCE_GAP and isinstance(body.get("missing"), int):
        raise _Gap(int(body["missing"]), detail)
    if code == request_auth.REPEATED_REQUEST:
        raise _Retry("repeated nonce", 0.0)  # a new nonce on the next try
    raise BatchRefused(code, detail)


def _transport_words(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "县区接收服务无响应（超时）/ timed out"
    if isinstance(exc, httpx.ConnectError):
        return "连不上县区接收服务（网络未通或服务未运行）/ cannot connect"
    return f"连接中断 / connection lost ({type(exc).__name__})"


def reachable(target: Target, timeout: float = 3.0) -> bool:
    """Whether the intake answers /health now (a cheap check before sending anything)."""
    try:
        with client_for(target, timeout=httpx.Timeout(timeout)) as client:
            return client.get("/health").status_code == 200
    except (httpx.HTTPError, OSError):
        return False


def check_county(target: Target, ctx: Context, timeout: float = 10.0) -> str:
    """The intake's county code, which must be the installed county key's (``intake set``)."""
    try:
        with client_for(target, timeout=httpx.Timeout(timeout)) as client:
            response = client.get("/health")
            county = str(response.json().get("county", ""))
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise StationError(
            f"无法连接县区接收服务 {target.url}：{exc}", f"cannot reach {target.url}: {exc}"
        ) from None
    with ctx.store.read() as s:
        expected = station_side.county_key(s).county
    if county != expected:
        raise UsageError(
            f"该接收服务属于县区 {county}，本机安装的县区公钥是 {expected}：地址有误",
            f"that intake is county {county}, the installed key is {expected}",
        )
    return county


def certificate_file(data_dir: Path) -> Path:
    return data_dir / CERT_FILE
