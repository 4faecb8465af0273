"""Every content rule's user-visible outcome, over a real SMPP connection: `smsc serve` started
as a user would with a policy config, driven by python-smpplib (not ours), checked through the
HTTP API and `smsc cdr export` as a QA engineer would."""

import csv
import datetime
import io
import subprocess
import sys
import time
import zoneinfo

import pytest
import smpplib.client
import smpplib.exceptions

from smsc.policy.statuses import CONTENT_ERR, PolicyStatus

from ..conftest import call, start_smsc

MOBILE = "8613800130000"  # China Mobile, test number 0000: delivered at once
UNICOM = "8613000130000"  # China Unicom, same suffix
US = "12025550123"  # International carrier; New York time
GB = "447400120000"  # International carrier; London time
SENDER = "10690001"
MARKETER = "1069099"  # the marketing account's registered sender: no signature needed from it


def outside_now(zone: str) -> str:
    """A one-hour window that opens three hours from now in the zone, so now is outside it."""
    local = datetime.datetime.now(zoneinfo.ZoneInfo(zone))
    opens = (local.hour + 3) % 24
    return f"{opens:02d}:00-{(opens + 1) % 24:02d}:00"


CONFIG = """
[[accounts]]
system_id = "txn"
password = "password"
message_class = "transactional"

[[accounts]]
system_id = "mkt"
password = "password"
message_class = "marketing"
registered_senders = ["1069099"]

[[accounts]]
system_id = "prepaid"
password = "password"
billing = {{ price_per_segment = 0.05, balance = 0.10 }}

[[policy.keywords]]
name = "gambling"
file = "gambling.txt"

[[policy.keywords]]
name = "invoices"
file = "invoices.txt"
action = "rejectd"

[[policy.keywords]]
name = "loans"
file = "loans.txt"
action = "undeliv"
carriers = ["China Mobile"]

[[policy.keywords]]
name = "lottery"
file = "lottery.txt"
action = "drop"

[[policy.blacklists]]
name = "complaints"
file = "complaints.txt"

[policy.countries.CN]
opt_out_suffixes = ["退订回T"]
signature_required = true
quiet_hours = ""
sender_alphanumeric = false

[policy.countries.US]
opt_out_suffixes = ["Reply STOP"]
quiet_hours = "{us_window}"

[policy.countries.GB]
opt_out_suffixes = ["Reply STOP"]
quiet_hours = "{gb_window}"
quiet_hours_action = "reject"
max_length = 40
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("policy")
    (folder / "gambling.txt").write_text("# refused at submit\n赌博\nviagra\n", encoding="utf-8")
    (folder / "invoices.txt").write_text("代开发票\n", encoding="utf-8")
    (folder / "loans.txt").write_text("无抵押贷款\n", encoding="utf-8")
    (folder / "lottery.txt").write_text("六合彩\n", encoding="utf-8")
    (folder / "complaints.txt").write_text("+8613900130000\n", encoding="utf-8")
    config = folder / "smsc.toml"
    config.write_text(CONFIG.format(us_window=outside_now("America/New_York"), gb_window=outside_now("Europe/London")))
    process, served = start_smsc(folder, "--config", str(config))
    yield served, folder
    process.terminate()
    process.wait(timeout=10)


class Esme:
    """A python-smpplib transceiver that remembers message_ids and keeps what it receives
    (receipts and MOs arrive between answers)."""

    def __init__(self, address, system_id: str):
        self.client = smpplib.client.Client(*address, timeout=5, allow_unknown_opt_params=True)
        self.client.connect()
        self.client.bind_transceiver(system_id=system_id, password="password")
        self.ids, self.received, self._seen = [], [], 0
        self.client.set_message_sent_handler(lambda pdu: self.ids.append(pdu.message_id.decode()))
        self.client.set_message_received_handler(lambda pdu: self.received.append(pdu))

    def send(self, destination: str, text: str, source: str = SENDER, source_ton: int = 1, **fields) -> str:
        """Submit and read the answer; the message_id, or PDUError carrying the status."""
        coding = 0x08 if any(ord(char) > 0x7F for char in text) else 0x00
        body = text.encode("utf-16-be" if coding else "ascii")
        defaults = dict(source_addr_ton=source_ton, source_addr=source, dest_addr_ton=1, destination_addr=destination,
                        data_coding=coding, registered_delivery=True, short_message=body)  # fmt: skip
        before = len(self.ids)
        self.client.send_message(**(defaults | fields))
        while len(self.ids) == before:  # a refusal raises PDUError here
            self.client.read_once()
        return self.ids[-1]

    def refused(self, destination: str, text: str, **fields) -> int:
        with pytest.raises(smpplib.exceptions.PDUError) as refusal:
            self.send(destination, text, **fields)
        return refusal.value.args[1]

    def receipts(self, count: int, seconds: float = 5.0) -> list[bytes]:
        """The texts of the next `count` receipts (fewer if time runs out)."""
        deadline = time.monotonic() + seconds
        while len(self._receipts()) - self._seen < count and time.monotonic() < deadline:
            try:
                self.client.read_once()
            except TimeoutError:
                break
        new = self._receipts()[self._seen:self._seen + count]
        self._seen += len(new)
        return new

    def _receipts(self) -> list[bytes]:
        return [pdu.short_message for pdu in self.received if pdu.esm_class & 0x04]

    def close(self):
        self.client.unbind()
        self.client.disconnect()


@pytest.fixture
def esme(served):
    opened = []

    def bind(system_id: str = "txn") -> Esme:
        opened.append(Esme(served[0].smpp, system_id))
        return opened[-1]

    yield bind
    for one in opened:
        one.close()


def trace(api: str, message_id: str) -> list[tuple[str, str]]:
    status, body = call(api, "GET", f"/api/messages/{message_id}")
    assert status == 200, body
    return [(event["hop"], event["detail"]) for event in body["messages"][0]["trace"]]


def last_refusal(api: str) -> dict:
    return call(api, "GET", "/api/policy")[1]["recent_refusals"][0]


class TestKeywords:
    def test_reject_list_refuses_at_submit_through_evasions(self, served, esme):
        """Spaced, full-width and traditional spellings are all refused with 0x400, and the API
        says which keyword matched what."""
        sender = esme()
        for text in ["今晚 賭 博 送彩金", "今晚赌.博", "ＶＩＡＧＲＡ cheap", "V1agra cheap"]:
            assert sender.refused(MOBILE, text) == PolicyStatus.CONTENT_BLOCKED, text
        refusal = last_refusal(served[0].api)
        assert (refusal["rule"], refusal["status_name"]) == ("keyword", "CONTENT_BLOCKED")
        assert '"viagra" (list gambling) matched "V1agra"' in refusal["reason"]

    def test_vendor_status_also_on_the_smpp_pdu_path(self, served, esme):
        """A submit_sm with message_payload goes through smpp.pdu; its answer still carries 0x400."""
        payload = "今晚赌博".encode("utf-16-be")
        assert esme().refused(MOBILE, "", message_payload=payload, data_coding=0x08) == PolicyStatus.CONTENT_BLOCKED

    def test_rejectd_list_gives_a_rejectd_receipt_with_the_content_err(self, served, esme):
        sender = esme()
        message_id = sender.send(MOBILE, "本公司代 开 发 票")
        (receipt,) = sender.receipts(1)
        assert b"stat:REJECTD" in receipt and f"err:{CONTENT_ERR:03d}".encode() in receipt
        hops = dict(trace(served[0].api, message_id))
        assert "代开发票" in hops["policy"] and "China Mobile's content filter" in hops["rejected"]

    def test_carrier_list_applies_to_that_carrier_only(self, served, esme):
        """The loans list is China Mobile's: UNDELIV there, delivered through China Unicom."""
        sender = esme()
        sender.send(MOBILE, "无抵押贷款,当天放款")
        sender.send(UNICOM, "无抵押贷款,当天放款")
        receipts = sender.receipts(2)
        assert sorted(receipt.split(b" stat:")[1][:7] for receipt in receipts) == [b"DELIVRD", b"UNDELIV"]

    def test_drop_list_accepts_and_never_delivers(self, served, esme):
        """Silently dropped: accepted, no receipt; only the trace tells why."""
        sender = esme()
        message_id = sender.send(MOBILE, "六合彩开奖", validity_period="000000000002000R")
        sender.receipts(10, seconds=3.5)
        assert not any(f"id:{message_id} ".encode() in receipt for receipt in sender._receipts())
        hops = trace(served[0].api, message_id)
        assert [hop for hop, _ in hops][-3:] == ["dropped", "expired", "no receipt"]
        assert "六合彩" in dict(hops)["dropped"]


class TestNumbersAndSenders:
    def test_invalid_number_is_0x0b_with_a_reason(self, served, esme):
        assert esme().refused("86138001", "hello") == 0x0B
        assert "not a valid number for CN" in last_refusal(served[0].api)["reason"]

    def test_blacklisted_number(self, served, esme):
        assert esme().refused("8613900130000", "hello") == PolicyStatus.BLACKLISTED

    def test_alphanumeric_sender_to_china_is_0x0a_but_fine_to_gb(self, served, esme):
        sender = esme()
        assert sender.refused(MOBILE, "hello", source="JD", source_ton=5) == 0x0A
        assert sender.send(GB, "hello", source="JD", source_ton=5)

    def test_country_length_cap_is_0x01(self, served, esme):
        assert esme().refused(GB, "x" * 41) == 0x01
        assert "40" in last_refusal(served[0].api)["reason"]


class TestMarketing:
    def test_signature_and_opt_out_text_required(self, served, esme):
        marketer = esme("mkt")
        assert marketer.refused(MOBILE, "双十一全场五折 退订回T", source=SENDER) == PolicyStatus.NO_SIGNATURE
        assert marketer.refused(MOBILE, "【京东】双十一全场五折", source=SENDER) == PolicyStatus.NO_OPT_OUT_TEXT
        assert marketer.send(MOBILE, "【京东】双十一全场五折 退订回T", source=SENDER)
        # the registered sender stands for the signature, not for the opt-out text
        assert marketer.send(MOBILE, "双十一全场五折 退订回T", source=MARKETER)

    def test_opt_out_by_mo_then_back_in(self, served, esme):
        """A handset replies T: the sender's marketing to it is refused (0x403), transactional
        traffic still flows; START lets marketing through again."""
        api, number = served[0].api, "8613800131000"
        marketer, other = esme("mkt"), esme("txn")
        assert call(api, "POST", "/api/mo", {"from": number, "to": MARKETER, "text": "t"})[0] == 202
        # other tests' marketing from this sender may have opted out a handset at random (2%)
        assert number in call(api, "GET", f"/api/opt-outs?sender={MARKETER}")[1]["numbers"]
        assert marketer.refused(number, "双十一全场五折 退订回T", source=MARKETER) == PolicyStatus.OPTED_OUT
        assert other.send(number, "您的验证码是 482913", source=MARKETER)
        assert call(api, "POST", "/api/mo", {"from": number, "to": MARKETER, "text": "START"})[0] == 202
        assert marketer.send(number, "双十一全场五折 退订回T", source=MARKETER)

    def test_quiet_hours_hold_marketing(self, served, esme):
        """Outside New York's window (set three hours ahead): accepted, held, not delivered."""
        marketer = esme("mkt")
        message_id = marketer.send(US, "Black Friday: 50% off. Reply STOP", source=MARKETER)
        marketer.receipts(10, seconds=1.5)  # whatever comes meanwhile: none of it for this message
        assert not any(f"id:{message_id} ".encode() in receipt for receipt in marketer._receipts())
        details = [detail for hop, detail in trace(served[0].api, message_id) if hop == "held"]
        assert len(details) == 1 and details[0].startswith("quiet hours: America/New_York takes marketing")

    def test_quiet_hours_reject(self, served, esme):
        assert esme("mkt").refused(GB, "Sale now on. Reply STOP", source=MARKETER) == PolicyStatus.QUIET_HOURS


class TestBilling:
    def test_charged_on_delivery_refunded_on_failure_refused_when_exhausted(self, served, esme):
        """0.05 a segment from 0.10: an unknown subscriber (0001) costs nothing, two delivered
        messages spend it all, the next submit is 0x406; the CDRs say the same."""
        api, folder = served[0].api, served[1]
        payer = esme("prepaid")
        payer.send("8613800130001", "hello", service_type="OTP")  # OTP: the shortest transit
        assert b"stat:UNDELIV" in payer.receipts(1, seconds=20)[0]
        payer.send(MOBILE, "hello")
        payer.send(MOBILE, "hello again")
        assert all(b"stat:DELIVRD" in receipt for receipt in payer.receipts(2))
        assert payer.refused(MOBILE, "one too many") == PolicyStatus.BALANCE_EXHAUSTED
        deadline = time.monotonic() + 3
        while call(api, "GET", "/api/billing")[1]["accounts"]["prepaid"]["spent"] != 0.1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert call(api, "GET", "/api/billing")[1]["accounts"]["prepaid"] == {
            "balance": 0.1, "spent": 0.1, "held": 0.0, "available": 0.0, "price": 0.05, "pending": 0}  # fmt: skip
        records = call(api, "GET", "/api/cdrs?account=prepaid")[1]["cdrs"]
        assert [(r["state"], r["amount"]) for r in records] == [("UNDELIVERABLE", 0.0), ("DELIVERED", 0.05), ("DELIVERED", 0.05)]
        export = subprocess.run([sys.executable, "-m", "smsc.cli", "cdr", "export", "--data", str(folder / "data"),
                                 "--account", "prepaid"], capture_output=True, text=True, timeout=20)  # fmt: skip
        assert export.returncode == 0, export.stderr
        rows = list(csv.DictReader(io.StringIO(export.stdout)))
        assert [(row["state"], row["segments"], row["amount"]) for row in rows] == [
            ("UNDELIVERABLE", "1", "0.000000"), ("DELIVERED", "1", "0.050000"), ("DELIVERED", "1", "0.050000")]  # fmt: skip
        assert "3 call detail records written" in export.stderr


class TestReload:
    def test_reload_picks_up_a_new_keyword_and_refuses_a_bad_file_whole(self, served, esme):
        api, folder = served[0].api, served[1]
        sender = esme()
        assert sender.send(MOBILE, "invest in tulips")
        lottery = folder / "lottery.txt"
        lottery.write_text("六合彩\ntulips\n", encoding="utf-8")
        status, summary = call(api, "POST", "/api/policy/reload")
        assert status == 200 and {"name": "lottery", "keywords": 2} in [
            {"name": entry["name"], "keywords": entry["keywords"]} for entry in summary["keyword_lists"]]  # fmt: skip
        (folder / "invoices.txt").write_bytes(b"ok\n\xff\xfe\n")
        try:
            status, answer = call(api, "POST", "/api/policy/reload")
            assert status == 400 and "invoices.txt:2" in answer["error"]
        finally:
            (folder / "invoices.txt").write_text("代开发票\n", encoding="utf-8")
        message_id = sender.send(MOBILE, "invest in tulips", validity_period="000000000010000R")
        assert "tulips" in dict(trace(api, message_id))["policy"]
