from __future__ import annotations

import datetime
import ipaddress
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from camaudit.wire import tls

HIK = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"  # Recog
DAHUA_CA = "CN=Dahua Device NVR CA,O=Zhejiang Dahua Technology Co.,Ltd.,L=Hangzhou,ST=Zhejiang,C=CN"


def _name(*pairs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


@pytest.fixture(scope="module")
def cert() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    # Subject in OpenSSL order (C first), as device firmware writes it.
    subject = _name((NameOID.COUNTRY_NAME, "CN"), (NameOID.STATE_OR_PROVINCE_NAME, "ZheJiang"),
                    (NameOID.LOCALITY_NAME, "HangZhou"), (NameOID.ORGANIZATION_NAME, "HIKVISION"),
                    (NameOID.ORGANIZATIONAL_UNIT_NAME, "DVRNVR"),
                    (NameOID.COMMON_NAME, "www.hikvision.com"))
    issuer = _name((NameOID.COMMON_NAME, "Dahua Device NVR CA"),
                   (NameOID.ORGANIZATION_NAME, "Zhejiang Dahua Technology Co.,Ltd."),
                   (NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
                   (NameOID.LOCALITY_NAME, "Hangzhou"), (NameOID.COUNTRY_NAME, "CN"))
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    san = x509.SubjectAlternativeName([x509.DNSName("cam.local"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.5"))])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(1000).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).add_extension(san, critical=False)
            .sign(key, hashes.SHA256()))


def test_der_and_pem_give_same_observations(cert: x509.Certificate) -> None:
    der = cert.public_bytes(serialization.Encoding.DER)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    obs = tls.cert_observations(der, "tcp/443 tls")
    assert [(o.key, o.value) for o in obs] == [
        ("tls.subject", HIK), ("tls.issuer", DAHUA_CA), ("tls.san", "cam.local"),
        ("tls.san", "127.0.0.5")]
    assert [(o.key, o.value) for o in tls.cert_observations(b"\n" + pem + b"\n", "s")] == \
        [(o.key, o.value) for o in obs]


@pytest.mark.parametrize("spelling", [
    HIK,
    "/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com",
    "C = CN, ST = ZheJiang, L = HangZhou, O = HIKVISION, OU = DVRNVR, CN = www.hikvision.com",
    "C=CN; ST=ZheJiang; L=HangZhou; O=HIKVISION; OU=DVRNVR; CN=www.hikvision.com",
    "subject=commonName=www.hikvision.com, organizationalUnitName=DVRNVR, organizationName="
    "HIKVISION, localityName=HangZhou, stateOrProvinceName=ZheJiang, countryName=CN",
])
def test_normalize_dn_spellings(spelling: str) -> None:
    assert tls.normalize_dn(spelling) == HIK


def test_normalize_dn_dahua_comma_in_value() -> None:
    # facts §4.2: Plum-Island #204 (", " separated) and rroller/dahua#647 ("; " separated)
    assert tls.normalize_dn("CN=Dahua Device NVR CA, O=Zhejiang Dahua Technology Co.,Ltd., "
                            "ST=Zhejiang, L=Hangzhou, C=CN") == DAHUA_CA
    assert tls.normalize_dn("CN=NVR; C=CN; ST=Zhejiang; L=Hangzhou; O=ZheJiang Dahua Technology "
                            "CO.,LTD.; OU=NVR") == (
        "CN=NVR,OU=NVR,O=ZheJiang Dahua Technology CO.,LTD.,L=Hangzhou,ST=Zhejiang,C=CN")
    assert tls.normalize_dn("CN=192.168.20.92; C=CN") == "CN=192.168.20.92,C=CN"


def test_normalize_dn_escapes_and_others() -> None:
    assert tls.normalize_dn(r"emailAddress=a@b,CN=x\,y,O=Q\2C Inc") == \
        "CN=x,y,O=Q, Inc,emailAddress=a@b"
    assert tls.normalize_dn("not a dn") == ""


def test_bad_certificates() -> None:
    rng = random.Random(5)
    for data in [b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                 b"0\x82\x01\x00garbage"] + [rng.randbytes(rng.randrange(0, 300))
                                              for _ in range(200)]:
        cert = tls.parse_cert(data)
        assert not cert.valid and cert.problem
        assert tls.cert_observations(data, "s") == []


def test_truncated_der_never_raises(cert: x509.Certificate) -> None:
    der = cert.public_bytes(serialization.Encoding.DER)
    for i in range(len(der)):
        assert tls.cert_observations(der[:i], "s") == []
