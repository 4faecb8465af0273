"""The dashboard in a real browser against a running `smsc serve`: it loads with no console
errors, a message submitted over SMPP (smpplib, an independent client) appears and its trace
opens, a tower taken down from the page shows down with the traffic to it held, and the
trainer's controls (pause and step, an MO, a wire fault) act on the SMSC."""

import re
import time

import pytest
import smpplib.client
from playwright.sync_api import expect

from tests.smsc.conftest import call

TOWERS = 12  # in the default network: CM-1..4, CU-1..3, CT-1..3, INTL-1..2


@pytest.fixture(autouse=True)
def smsc_as_found(served):
    """The tests share one SMSC: whatever a test changed (a pause, a tower down, a fault) is
    put back after it, even when it failed halfway."""
    yield
    call(served.api, "POST", "/api/clock", {"paused": False})
    for tower in call(served.api, "GET", "/api/stats")[1]["towers"]:
        if not tower["up"]:
            call(served.api, "POST", f"/api/towers/{tower['id']}", {"up": True})
    call(served.api, "POST", "/api/faults", {"account": "smppclient1", "faults": {}})


@pytest.fixture
def client(served):
    """A transceiver bound with smpplib; the message_ids it was given, in order."""
    client = smpplib.client.Client(*served.smpp, timeout=5, allow_unknown_opt_params=True)
    client.ids = []
    client.set_message_sent_handler(lambda pdu: client.ids.append(pdu.message_id.decode()))
    client.connect()
    client.bind_transceiver(system_id="smppclient1", password="password")
    yield client
    client.unbind()
    client.disconnect()


def submit(client, destination: str, text: str = "Your parcel is on its way") -> str:
    """A submit_sm with a receipt asked for; its message_id once the SMSC answered. The tests
    send to test numbers ending 0000 (delivered at once, README's table), so that no handset
    the model puts away for a while makes them wait."""
    before = len(client.ids)
    client.send_message(source_addr_ton=1, source_addr_npi=1, source_addr="10690001", dest_addr_ton=1, dest_addr_npi=1,
                        destination_addr=destination, short_message=text.encode(), registered_delivery=True)  # fmt: skip
    deadline = time.monotonic() + 5
    while len(client.ids) == before and time.monotonic() < deadline:
        client.read_once()
    assert len(client.ids) > before, "no submit_sm_resp"
    return client.ids[-1]


def open_dashboard(page):
    page.goto("/")
    expect(page.get_by_test_id("link")).to_have_text("live")
    expect(page.locator("#network g.tower")).to_have_count(TOWERS)


def tower_of(api: str, message_id: str) -> str:
    """The tower a message was routed to, from its trace ('to China Mobile, tower CM-3')."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, body = call(api, "GET", f"/api/messages/{message_id}")
        for event in body["messages"][0]["trace"] if status == 200 else ():
            found = re.search(r"tower (\S+)$", event["detail"])
            if event["hop"] == "routed" and found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"message {message_id} was never routed")


def wait_for_message(api: str, message_id: str, done, what: str, seconds: float = 15) -> dict:
    """The message as the API shows it once done(message) (trace events and state changes
    reach the store in batches, a few tens of milliseconds after the page shows them)."""
    deadline = time.monotonic() + seconds
    while True:
        message = call(api, "GET", f"/api/messages/{message_id}")[1]["messages"][0]
        if done(message):
            return message
        assert time.monotonic() < deadline, f"message {message_id} not {what} after {seconds} s: {message}"
        time.sleep(0.05)


def wait_for_state(api: str, message_id: str, state: str) -> dict:
    return wait_for_message(api, message_id, lambda message: message["state"]["name"] == state, state)


class TestDashboard:
    def test_loads_live_with_every_tower_and_no_console_errors(self, page, screenshot):
        """The page, its scripts and the live feed load; the picture has every tower and the
        ESME account; charts and counters are drawn (the page fixture fails on any error)."""
        open_dashboard(page)
        expect(page.locator("#network text", has_text="ESME smppclient1")).to_have_count(1)
        expect(page.locator(".chart")).to_have_count(4)
        expect(page.get_by_test_id("towers").locator("tr")).to_have_count(TOWERS)
        page.wait_for_function("window.dashboard.ticks >= 2 && window.dashboard.samples >= 1")
        screenshot(page, "dashboard-idle")

    def test_a_submitted_message_appears_and_its_trace_opens(self, page, served, client, screenshot):
        """A message smpplib submits is drawn and listed; clicking it shows its hops from
        'received' to the receipt, and its submit_sm decoded with the spec's field names."""
        open_dashboard(page)
        message_id = submit(client, "8613800130000", "Trace me through the network")
        row = page.get_by_test_id("recent").locator(f"li[data-message='{message_id}']")
        expect(row).to_be_visible()
        expect(row.locator(".state")).to_have_text("DELIVERED", timeout=15_000)
        wait_for_state(served.api, message_id, "DELIVERED")  # the page hears of it as it is written; the store a moment later
        row.click()
        trace = page.get_by_test_id("trace")
        hops = trace.get_by_test_id("hops")
        for hop in ("received", "stored", "routed", "queued at tower", "attempt 1", "delivered", "receipt queued"):
            expect(hops.locator("td", has_text=re.compile(f"^{hop}$"))).to_have_count(1)
        submit_sm = trace.locator("details[data-pdu='submit_sm']")
        submit_sm.locator("summary").click()
        expect(submit_sm.locator("tr", has_text="destination_addr")).to_contain_text("8613800130000")
        expect(submit_sm.locator("tr", has_text="short_message")).to_contain_text("Trace me through the network")
        expect(trace.locator("details[data-pdu='deliver_sm']")).to_have_count(1)
        screenshot(page, "dashboard-trace")

    def test_lookup_by_phone_number_lists_its_messages(self, page, served, client):
        open_dashboard(page)
        message_id = submit(client, "8613900139077", "Find me by number")
        page.get_by_test_id("lookup").fill("8613900139077")
        page.get_by_test_id("lookup").press("Enter")
        found = page.locator("#found li", has_text=message_id)
        expect(found).to_have_count(1)
        found.click()
        expect(page.get_by_test_id("trace").locator("h3")).to_contain_text("8613900139077")

    def test_a_tower_taken_down_shows_down_and_holds_its_traffic(self, page, served, client, screenshot):
        """'Take down' on the page: the tower turns grey in the picture and DOWN in the table;
        a message to it is held (state ENROUTE at the API, 'held' in its trace) until 'Bring
        up', then it is delivered."""
        open_dashboard(page)
        number = "8613700130000"
        tower = tower_of(served.api, submit(client, number))
        drawn = page.locator(f"#network g.tower[data-tower='{tower}']")
        row = page.get_by_test_id("towers").locator(f"tr[data-tower='{tower}']")
        row.get_by_role("button", name="Take down").click()
        expect(drawn).to_have_class(re.compile(r"\bdown\b"))
        expect(row).to_contain_text("DOWN")
        held_id = submit(client, number, "Waiting for the tower")
        expect(drawn.locator("text.held")).to_have_text(re.compile(r"DOWN · [1-9]\d* held"))
        message = wait_for_state(served.api, held_id, "ENROUTE")  # the store has it within 50 ms of the page
        assert [event["detail"] for event in message["trace"] if event["hop"] == "held"] == [f"tower {tower} is down"]
        screenshot(page, "dashboard-tower-down")
        row.get_by_role("button", name="Bring up").click()
        expect(drawn).not_to_have_class(re.compile(r"\bdown\b"))
        wait_for_state(served.api, held_id, "DELIVERED")

    def test_pause_holds_the_network_and_step_moves_it(self, page, served, client):
        """Pause: the header says PAUSED and a message stays where it is; Step runs the
        network's next steps; Resume goes on and the message is delivered."""
        open_dashboard(page)
        page.get_by_test_id("pause").click()
        expect(page.get_by_test_id("clock")).to_contain_text("PAUSED")
        expect(page.get_by_test_id("step")).to_be_enabled()
        message_id = submit(client, "8613600130000", "Paused in flight")
        time.sleep(1.5)  # long past its delivery, were the clock running
        before = wait_for_state(served.api, message_id, "ENROUTE")
        assert before["trace"][-1]["hop"] == "routed"  # and there it stays
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("said")).to_contain_text(re.compile(r"stepped: [1-9]"))
        wait_for_message(served.api, message_id, lambda after: len(after["trace"]) > len(before["trace"]), "moved on by a hop")
        page.get_by_test_id("pause").click()  # now reads Resume
        expect(page.get_by_test_id("clock")).not_to_contain_text("PAUSED")
        wait_for_state(served.api, message_id, "DELIVERED")

    def test_phone_to_phone_from_the_controls(self, page, served):
        """'Phone to phone': the message is drawn from the sender's handset, listed, delivered,
        and its trace starts at the sender's tower."""
        open_dashboard(page)
        page.locator("summary", has_text="Phone to phone").click()
        page.locator("#p2p input[name=to]").fill("8613900130000")
        page.locator("#p2p button").click()
        said = page.get_by_test_id("said")
        expect(said).to_contain_text("8613800138000 → 8613900130000 taken by the SMSC as message")
        message_id = re.search(r"as message (\S+)$", said.inner_text()).group(1)
        expect(page.locator(f"#network g.msg[data-message='{message_id}']")).to_have_count(1)  # drawn on its way
        row = page.get_by_test_id("recent").locator(f"li[data-message='{message_id}']")
        expect(row.locator(".state")).to_have_text("DELIVERED", timeout=15_000)
        wait_for_state(served.api, message_id, "DELIVERED")
        row.click()
        expect(page.get_by_test_id("hops").locator("tr").first).to_contain_text(re.compile(r"from handset 8613800138000 via tower \S+"))

    def test_an_mo_and_a_wire_fault_from_the_controls(self, page, served):
        open_dashboard(page)
        page.locator("summary", has_text="Inject an MO").click()
        page.locator("#mo input[name=text]").fill("STOP")
        page.locator("#mo button").click()
        expect(page.get_by_test_id("said")).to_contain_text("stored for smppclient1")
        page.locator("summary", has_text="Wire faults").click()
        page.locator("#faults select[name=fault]").select_option("slow responses (2 s)")
        page.locator("#faults button").click()
        expect(page.locator("#faults-now")).to_contain_text("response_delay=2")
        assert call(served.api, "GET", "/api/faults")[1]["accounts"]["smppclient1"] == {"response_delay": 2.0}
        page.locator("#faults select[name=fault]").select_option("healthy (every fault off)")
        page.locator("#faults button").click()
        expect(page.locator("#faults-now")).to_contain_text("every link healthy")

    @pytest.mark.allow_page_errors
    def test_a_refused_action_is_said_in_red(self, page, page_errors):
        """A capacity the API refuses: the page says the API's reason, in red (the browser
        logs the 400 itself, which is why this test allows page errors)."""
        open_dashboard(page)
        row = page.get_by_test_id("towers").locator("tr[data-tower='CM-1']")
        row.locator("input").fill("-5")
        row.get_by_role("button", name="Set").click()
        said = page.get_by_test_id("said")
        expect(said).to_contain_text("capacity must be a number of messages a second greater than 0")
        expect(said).to_have_class(re.compile(r"\bbad\b"))
        assert all("400" in error for error in page_errors)
