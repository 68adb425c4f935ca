//! The lines `pxgate demo` prints once it runs: what to try next, as commands to copy.

use std::path::Path;

use super::Running;

/// Where the demo runs, and the payment lines.
#[allow(clippy::print_stdout)]
pub(super) fn print_try_this(r: &Running, data: &Path) {
    let base = &r.base;
    let shop = r
        .apps
        .iter()
        .find(|a| a.id == "shop")
        .map_or("", |a| a.secret.as_str());
    let smsc = if r.simulated {
        "SMSC simulator"
    } else {
        "external SMSC"
    };
    println!(
        "pxgate demo is running at {base}; {smsc} at {} (SMPP {})",
        r.smsc_http, r.smpp
    );
    println!(
        "endpoints, credentials and the demo accounts: {}",
        data.join("demo.json").display()
    );
    println!();
    println!("Try:");
    println!("  # charge 4,300 won to 010-1234-0001 as the \"shop\" application (Parlay X chargeAmount)");
    println!(
        "  curl -s -u shop:{shop} -H 'Content-Type: text/xml' --data-binary @{} {base}/AmountChargingService/services/AmountCharging",
        data.join("charge.xml").display()
    );
    println!("  # the same over OneAPI REST (JSON); the API's reference: {base}/oneapi/v1/docs");
    println!(
        "  curl -s -u shop:{shop} -H 'Content-Type: application/json' -d '{{\"amountTransaction\":{{\"endUserId\":\"tel:+821012340001\",\"paymentAmount\":{{\"chargingInformation\":{{\"amount\":1200,\"currency\":\"KRW\",\"description\":\"Bagel\"}}}},\"referenceCode\":\"demo-rest-0001\",\"transactionOperationStatus\":\"Charged\"}}}}' {base}/oneapi/v1/payment/tel%3A%2B821012340001/transactions/amount"
    );
    print_sms(r, data, shop);
    print_campaign(r);
    print_operator(r, data);
}

/// An application's campaign: "news" has the Campaigns grant.
#[allow(clippy::print_stdout)]
fn print_campaign(r: &Running) {
    let base = &r.base;
    let news = r
        .apps
        .iter()
        .find(|a| a.id == "news")
        .map_or("", |a| a.secret.as_str());
    println!(
        "  # the \"news\" application schedules its own campaign (the Campaigns grant), then follows it"
    );
    println!(
        "  curl -s -u news:{news} -H 'Content-Type: application/json' -d '{{\"smsCampaign\":{{\"name\":\"Morning headlines\",\"senderName\":\"NEWS\",\"message\":\"Today: pxgate opens its campaigns to applications\",\"address\":[\"tel:+821012340001\",\"tel:+821012340002\"],\"ratePerSecond\":2,\"clientCorrelator\":\"demo-news-0001\"}}}}' {base}/oneapi/v1/smsmessaging/campaigns"
    );
    println!("  curl -s -u news:{news} {base}/oneapi/v1/smsmessaging/campaigns");
}

/// SMS: a send, the subscriber's phone, a message from the phone.
#[allow(clippy::print_stdout)]
fn print_sms(r: &Running, data: &Path, shop: &str) {
    let base = &r.base;
    println!("  # send the subscriber an SMS from the shop's sender name MICROSHOP");
    println!(
        "  curl -s -u shop:{shop} -H 'Content-Type: text/xml' --data-binary @{} {base}/SendSmsService/services/SendSms",
        data.join("sms.xml").display()
    );
    if r.simulated {
        println!(
            "  # every charge also texts the subscriber a receipt (from 1588); the phone, in a browser:"
        );
        println!("  {}/handsets/821012340001", r.smsc_http);
        println!(
            "  # the subscriber texts the shop's short code 1588 (the shop reads it with getReceivedSms, registration 1588)"
        );
        println!(
            "  curl -s -H 'Content-Type: application/json' -d '{{\"from\":\"821012340001\",\"to\":\"1588\",\"text\":\"ORDER 2 tea\"}}' {}/mo",
            r.smsc_http
        );
        print_fraud(r, shop);
        print_push(r);
    } else {
        println!("  # receipts and messages go to the SMSC at {} (SMPP)", r.smpp);
    }
}

/// A fraud rule at work: the shop's first large charge on a number waits for the subscriber.
#[allow(clippy::print_stdout)]
fn print_fraud(r: &Running, shop: &str) {
    let base = &r.base;
    println!(
        "  # a fraud rule at work: the shop's first charge of 10,000 won or more on a number waits for the subscriber (202 Pending)"
    );
    println!(
        "  curl -s -u shop:{shop} -H 'Content-Type: application/json' -d '{{\"amountTransaction\":{{\"endUserId\":\"tel:+821012340006\",\"paymentAmount\":{{\"chargingInformation\":{{\"amount\":15000,\"currency\":\"KRW\",\"description\":\"Concert ticket\"}}}},\"referenceCode\":\"demo-confirm-0001\",\"transactionOperationStatus\":\"Charged\"}}}}' {base}/oneapi/v1/payment/tel%3A%2B821012340006/transactions/amount"
    );
    println!(
        "  # the phone shows the question and its code at {}/handsets/821012340006; answer it (YES <code>, or NO):",
        r.smsc_http
    );
    println!(
        "  curl -s -H 'Content-Type: application/json' -d '{{\"from\":\"821012340006\",\"to\":\"1588\",\"text\":\"YES 123456\"}}' {}/mo",
        r.smsc_http
    );
    println!(
        "  # the same charge again answers Charged (or POL1022 after NO); the decision: {base}/console/fraud"
    );
}

/// With `--push-broker`: the device side of 010-1234-0001's alerts.
#[allow(clippy::print_stdout)]
fn print_push(r: &Running) {
    let Some((host, port)) = r.push_broker.as_deref().and_then(|b| b.rsplit_once(':')) else {
        return;
    };
    println!(
        "  # 010-1234-0001's alerts go to its device topic first (MQTT); watch it like the phone's app would:"
    );
    println!("  mosquitto_sub -h {host} -p {port} -t devices/821012340001 -v");
    println!(
        "  # confirm a notice with its id, or let it fall back to SMS after 30 s: mosquitto_pub -h {host} -p {port} -t pxgate/acks -m <id>"
    );
}

/// The operator's console and API, the sample shop, metrics, and how to stop.
#[allow(clippy::print_stdout)]
fn print_operator(r: &Running, data: &Path) {
    let base = &r.base;
    println!(
        "  # the operator console, in a browser; sign in with the operator token {}",
        r.token
    );
    println!("  {base}/console/");
    println!("  # the account, as the operator sees it");
    println!(
        "  curl -s -H 'Authorization: Bearer {}' {base}/admin/v1/accounts/+821012340001",
        r.token
    );
    println!(
        "  cargo run --release -- admin --url {base} --token {} accounts ledger 010-1234-0001",
        r.token
    );
    println!("  # a campaign to every active account, 09:00-21:00, 5 a second (STOP to 1588 opts out)");
    println!(
        "  cargo run --release -- admin --url {base} --token {} campaigns create --name Welcome --sender 1588 --text 'Welcome to pxgate! Reply STOP to opt out' --all-active --window 9-21 --rate 5",
        r.token
    );
    println!("  # the sample shop (examples/micropay); its guide: docs/guides/micropay.md");
    println!(
        "  cargo run -p micropay -- --demo-json {} buy --msisdn 010-1234-0001 --amount 4300 --item 커피",
        data.join("demo.json").display()
    );
    println!("  # metrics: {base}/metrics");
    println!();
    println!(
        "Press Ctrl-C to stop; the data stays in {} for the next run.",
        data.display()
    );
}
