#!/usr/bin/env bash
# usage: scripts/failover-under-load.sh [BIN_DIR (target/release)] [SECONDS (30)]
# Needs the release binaries: cargo build --release -p pxgate -p pxsim --bins. Ports 18476-18480.
#
# Two simulators, a failover route, sendSms under load; link "a"'s SMSC goes into an outage
# (drops its sessions, refuses binds) for 10 s in the middle. Then: every accepted part accounted for.
set -u
BIN=${1:-target/release}; BIN=$(cd "$BIN" && pwd); SECS=${2:-30}
D=$(mktemp -d /tmp/pxf.XXXX); cd $D
for s in a:18476:18426 b:18477:18427; do
  IFS=: read n p h <<<"$s"
  printf 'smpp_listen = "127.0.0.1:%s"\nhttp_listen = "127.0.0.1:%s"\nmessage_id_start = 1\n[receipts]\ndelay_ms = 200\n' $p $h > sim-$n.toml
  $BIN/smsc-sim --config sim-$n.toml > sim-$n.log 2>&1 &
  echo $! > sim-$n.pid
done
sleep 1
$BIN/pxgate demo --no-alerts --external-smsc --smpp 127.0.0.1:18476 --smsc-http 127.0.0.1:18426 --http 127.0.0.1:18480 --data d > demo.log 2>&1 &
DEMO=$!
for i in $(seq 1 100); do [ -f d/demo.json ] && curl -sf http://127.0.0.1:18480/readyz >/dev/null && break; sleep 0.2; done
kill $DEMO; wait $DEMO 2>/dev/null
cat > gw.toml <<TOML
[http]
listen = "127.0.0.1:18480"
[store]
url = "sqlite://$D/d/pxgate.db"
[framework]
secret_key = "$(cat d/secret.key)"
[smpp]
name = "a"
address = "127.0.0.1:18476"
[[smpp.links]]
name = "b"
address = "127.0.0.1:18477"
[[smpp.routes]]
links = ["a", "b"]
TOML
$BIN/pxgate serve --config gw.toml > gw.log 2>&1 &
GW=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18480/readyz >/dev/null && break; sleep 0.2; done
(sleep 8; curl -s -X PUT -H 'content-type: application/json' -d '{"outage_secs": 10}' http://127.0.0.1:18426/faults > /dev/null; echo "outage at $(date +%T)") &
$BIN/pxload soap-sms --demo d/demo.json --concurrency 32 --duration ${SECS}s --drain-timeout 5s --quiet --json > load.json 2> load.err
sleep 20
python3 - "$D" <<'PY'
import json, sqlite3, sys, urllib.request
d = sys.argv[1]
load = json.load(open(f"{d}/load.json"))
db = sqlite3.connect(f"{d}/d/pxgate.db")
rows = dict(db.execute("SELECT status, COUNT(*) FROM sms_outbox GROUP BY status").fetchall())
stats = {n: json.load(urllib.request.urlopen(f"http://127.0.0.1:{p}/stats")) for n, p in (("a", 18426), ("b", 18427))}
ok = {n: s["pdus_sent"].get("submit_sm_resp", {}).get("ESME_ROK", 0) for n, s in stats.items()}
print(json.dumps({"accepted": load.get("ok", load.get("accepted")), "throughput": load.get("throughput"),
                  "outbox_by_status": rows, "submits_ok": ok, "receipts_sent": {n: s["receipts_sent"] for n, s in stats.items()},
                  "receipts_held": {n: s["receipts_held"] for n, s in stats.items()}}))
PY
cat load.json | head -c 400; echo
kill $GW; wait $GW 2>/dev/null
kill $(cat sim-a.pid) $(cat sim-b.pid)
echo "dir $D"
