"""The sealed enrolment file: what `central add-site` hands a site, and how the site opens it.

Why sealed with a one-time enrolment code (AES-256-GCM under a scrypt key), not signed:
- The file travels on a USB stick or by e-mail and holds the site's database password and the CA
  the site will trust. Anyone who can change the file in transit could point the site at their own
  server and CA, and anyone who finds the stick could log in as the site.
- A signature by the centre's key only helps if the site already trusts that key: a township PC
  has nothing installed beforehand, and a public key carried in the same file proves nothing. The
  centre's key would also have to live on the district PC that runs `add-site`.
- A short code the district reads out by telephone (a second channel the courier does not
  control) gives both properties at once: the password is encrypted (a lost stick is no leak),
  and the clear fields (site code and name, central URL, role, CA certificate) are the GCM
  associated data, so changing any byte makes opening fail. 19 random base-32 characters (95
  bits) plus a check character that catches a typo before the slow key derivation; scrypt makes
  each guess cost ~16 MiB and tens of milliseconds, so guessing the code from a stolen file is
  out of reach.

Pure: no Qt, nothing from `app`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from db.check_char import luhn_check_char

FORMAT = 2
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out by telephone
CODE_RANDOM_CHARS = 19
CODE_ENV = "ONEWINDOW_ENROLMENT_CODE"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
CLEAR_FIELDS = ("site", "site_name", "site_id", "role", "central_url", "ca_path", "ca_certificate")


class EnrolmentError(ValueError):
    """An enrolment that cannot be used; the message is plain Chinese for the field engineer."""


@dataclass(frozen=True)
class EnrolmentData:
    site: str
    site_name: str
    site_id: str
    role: str
    central_url: str  # no password; sslmode=verify-full unless the centre is a demo/test one
    ca_path: str
    ca_certificate: str  # PEM, "" when the centre has no TLS (demo/test only)
    password: str

    @property
    def insecure(self) -> bool:
        return not self.ca_certificate


# --- the code -----------------------------------------------------------------------------------


def _check_char(body: str) -> str:
    return luhn_check_char(body, CODE_ALPHABET)


def new_code() -> str:
    """A fresh enrolment code, shown in groups of five: `7KQ4M-XR2PB-9HC3T-WNF6E`."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_CHARS))
    raw = body + _check_char(body)
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def normalise_code(code: str) -> str:
    """The code as typed (any case, with or without spaces and dashes) → its 20 characters,
    or EnrolmentError when it cannot be one (wrong length, a letter not used, a typo)."""
    raw = "".join(ch for ch in code.upper() if ch not in " -\t")
    if len(raw) != CODE_RANDOM_CHARS + 1:
        raise EnrolmentError(
            f"登记码应为 {CODE_RANDOM_CHARS + 1} 位（不计横线），现为 {len(raw)} 位，请核对区中心电话告知的登记码"
        )
    bad = sorted({ch for ch in raw if ch not in CODE_ALPHABET})
    if bad:
        raise EnrolmentError(f"登记码中没有字符 {'、'.join(bad)}（登记码不用 0、1、O、I），请核对")
    if _check_char(raw[:-1]) != raw[-1]:
        raise EnrolmentError("登记码校验位不符：有字符输错，请逐位核对区中心电话告知的登记码")
    return raw


def _key(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        normalise_code(code).encode("ascii"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=32,
        maxmem=64 << 20,
    )


def _aad(clear: dict[str, str]) -> bytes:
    return json.dumps({"format": FORMAT, **clear}, sort_keys=True, ensure_ascii=False).encode("utf-8")


# --- writing (the centre) ----------------------------------------------------------------------------


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def render(data: EnrolmentData, code: str) -> str:
    """The file's text: clear fields, and the password sealed under the code with them as AAD."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    clear = {name: str(getattr(data, name)) for name in CLEAR_FIELDS}
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_key(code, salt)).encrypt(nonce, data.password.encode("utf-8"), _aad(clear))
    lines = [
        f"# OneWindow enrolment of site {data.site} at the district centre.",
        "# Sealed: it opens only with the enrolment code the district gives by telephone, and any",
        "# change to it is refused. On the site PC: `main.py setup` (or `main.py sync enrol FILE`).",
        "[enrolment]",
        f"format = {FORMAT}",
        *(f"{name} = {_toml_str(clear[name])}" for name in CLEAR_FIELDS),
        "",
        "[seal]",
        'cipher = "AES-256-GCM"',
        f'kdf = "scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"',
        f'salt = "{_b64(salt)}"',
        f'nonce = "{_b64(nonce)}"',
        f'password = "{_b64(sealed)}"',
    ]
    if data.insecure:
        lines.append("# No TLS: the site must set [database] allow_insecure_central = true (demo/test only).")
    return "\n".join(lines) + "\n"


def write(path: Path, data: EnrolmentData, code: str) -> None:
    """Write a new file only its owner can read; an existing file is never overwritten."""
    text = render(data, code).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EnrolmentError(f"{path} already exists: remove it or choose another --out") from None
    except OSError as exc:
        raise EnrolmentError(f"cannot write the enrolment to {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(text)


# --- opening (the site) ------------------------------------------------------------------------------


def read_clear(path: Path) -> dict[str, str]:
    """The clear fields, unverified (to show which site a file is for before the code is typed)."""
    doc = _load(path)
    return {name: str(doc["enrolment"].get(name, "")) for name in CLEAR_FIELDS}


def _load(path: Path) -> dict[str, dict[str, object]]:
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnrolmentError(f"找不到登记文件 {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EnrolmentError(f"无法读取登记文件 {path}（{type(exc).__name__}）") from None
    except tomllib.TOMLDecodeError:
        raise EnrolmentError(f"{path} 不是区中心生成的登记文件（格式错误，可能已损坏或被改动）") from None
    enrol = doc.get("enrolment")
    if not isinstance(enrol, dict):
        raise EnrolmentError(f"{path} 不是区中心生成的登记文件（缺少 [enrolment] 部分）")
    if "seal" not in doc:
        raise EnrolmentError(
            f"{path} 是未密封的旧式登记文件，无法确认未被改动：请区中心用新版本重新执行 "
            "`main.py central add-site` 生成密封的登记文件，并电话告知登记码"
        )
    return doc  # type: ignore[return-value]


def open_file(path: Path, code: str) -> EnrolmentData:
    """Check the seal with the code and return the enrolment; EnrolmentError says plainly why not."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    doc = _load(path)
    enrol, seal = doc["enrolment"], doc["seal"]
    if not isinstance(seal, dict):
        raise EnrolmentError(f"{path} 的密封部分已损坏：请向区中心重新索取登记文件")
    if enrol.get("format") != FORMAT:
        raise EnrolmentError(
            f"{path} 的格式版本 {enrol.get('format')!r} 本程序不认识：请升级程序或向区中心重新索取"
        )
    clear: dict[str, str] = {}
    for name in CLEAR_FIELDS:
        value = enrol.get(name)
        if not isinstance(value, str):
            raise EnrolmentError(f"{path} 缺少字段 {name} 或类型不对：文件已被改动或损坏，已拒绝")
        clear[name] = value
    if set(enrol) - {*CLEAR_FIELDS, "format"}:
        extra = "、".join(sorted(set(enrol) - {*CLEAR_FIELDS, "format"}))
        raise EnrolmentError(f"{path} 含有登记文件不该有的字段（{extra}）：文件已被改动，已拒绝")
    key_code = normalise_code(code)  # a typo is named as a typo, before the slow key derivation
    try:
        salt = base64.b64decode(str(seal["salt"]), validate=True)
        nonce = base64.b64decode(str(seal["nonce"]), validate=True)
        sealed = base64.b64decode(str(seal["password"]), validate=True)
        if seal.get("cipher") != "AES-256-GCM" or len(nonce) != 12 or len(salt) < 16:
            raise ValueError("seal parameters")
    except (KeyError, ValueError):
        raise EnrolmentError(f"{path} 的密封部分已损坏：文件已被改动或损坏，已拒绝") from None
    try:
        password = AESGCM(_key(key_code, salt)).decrypt(nonce, sealed, _aad(clear)).decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        raise EnrolmentError(
            "登记文件密封校验失败：文件内容在传递中被改动过，或登记码与此文件不符。已拒绝使用此文件——"
            "请向区中心电话核对登记码，必要时请区中心重新生成登记文件"
        ) from None
    return EnrolmentData(password=password, **clear)
