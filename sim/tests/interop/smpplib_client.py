"""Third-party ESME for the interop test: python smpplib binds a transceiver to smsc-sim,
submits one GSM 7-bit and one UCS-2 (Korean) message with registered_delivery, and waits for
both submit_sm_resp and both delivery receipts. Prints one JSON line; exit 0 on success."""
import json
import sys

import smpplib.client
import smpplib.consts

host, port = sys.argv[1], int(sys.argv[2])
state = {"ids": [], "receipts": []}


def on_sent(pdu):
    state["ids"].append(pdu.message_id.decode() if isinstance(pdu.message_id, bytes) else pdu.message_id)


def on_received(pdu):
    rid = getattr(pdu, "receipted_message_id", None)
    if isinstance(rid, bytes):
        rid = rid.decode()
    text = pdu.short_message.decode("ascii", "replace") if pdu.short_message else ""
    state["receipts"].append({"id": rid, "text": text})


client = smpplib.client.Client(host, port, timeout=10, allow_unknown_opt_params=True)
client.set_message_sent_handler(on_sent)
client.set_message_received_handler(on_received)
client.connect()
client.bind_transceiver(system_id="pxgate", password="secret")
common = dict(
    source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
    source_addr="INTEROP",
    dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
    destination_addr="821077777777",
    registered_delivery=1,
)
client.send_message(short_message=b"Hello from smpplib", data_coding=0, **common)
client.send_message(short_message="안녕하세요 smpplib".encode("utf-16-be"), data_coding=8, **common)
while len(state["ids"]) < 2 or len(state["receipts"]) < 2:
    client.read_once()
client.unbind()
client.disconnect()
print(json.dumps(state))
ok = sorted(state["ids"]) == sorted(r["id"] for r in state["receipts"])
ok = ok and all("stat:DELIVRD" in r["text"] for r in state["receipts"])
sys.exit(0 if ok else 1)
