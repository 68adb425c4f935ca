//! Inbound SMS over REST: polling a registration's messages (each returned once) and JSON
//! subscriptions that push `inboundSMSMessageNotification` until they are deleted.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::{ALICE, App, endpoint, exception, get, post_text, setup};
use crate::harness::TestDb;

pub(super) async fn inbound_messages_are_taken_once(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    // registrationId 1588: every message to short code 1588 goes to "shop".
    crate::sms_routing::registration(&gw, "1588", "shop", "1588", None).await;
    for _ in 0..500 {
        if sim.inject_mo("821012345678", "1588", "BAL").await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = "/oneapi/v1/smsmessaging/inbound/registrations/1588/messages";
    let mut taken = Vec::new();
    for _ in 0..500 {
        let r = get(&gw, url, &app).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let list = &r.body["inboundSMSMessageList"];
        let batch = list["inboundSMSMessage"].as_array().cloned().unwrap_or_default();
        assert_eq!(list["numberOfMessagesInThisBatch"], json!(batch.len()));
        taken.extend(batch);
        if !taken.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0]["message"], "BAL");
    assert_eq!(taken[0]["senderAddress"], ALICE);
    let again = get(&gw, url, &app).await;
    assert_eq!(
        again.body["inboundSMSMessageList"]["numberOfMessagesInThisBatch"],
        json!(0)
    );
    let not_ours = "/oneapi/v1/smsmessaging/inbound/registrations/9999/messages";
    let refused = get(&gw, not_ours, &app).await;
    assert_eq!(exception(&refused).0, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(exception(&refused).2, ["registrationId"]);
}

async fn inject(sim: &pxsim::SimHandle, text: &str) {
    for _ in 0..500 {
        if sim.inject_mo("821012345678", "1588", text).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no bound receiver");
}

pub(super) async fn inbound_subscriptions_push_json_until_deleted(db: &TestDb) {
    let (sim, gw, app) = setup(db).await;
    crate::sms_routing::registration(&gw, "shop-bal", "shop", "1588", Some("BAL")).await;
    let (notify_url, mut calls) = endpoint().await;
    let subscription = json!({"subscription": {
        "callbackReference": {"notifyURL": notify_url, "callbackData": "bal-42"},
        "destinationAddress": "tel:1588",
        "criteria": "BAL",
        "notificationFormat": "JSON",
        "clientCorrelator": "subs-1",
    }});
    let path = "/smsmessaging/inbound/subscriptions";
    let created = post_text(&gw, path, &app, &subscription.to_string()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = created.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(created.body["subscription"]["resourceURL"], url.as_str());
    assert!(
        url.starts_with("/oneapi/v1/smsmessaging/inbound/subscriptions/subs-1"),
        "{url}"
    );
    let again = post_text(&gw, path, &app, &subscription.to_string()).await;
    assert_eq!(exception(&again).0, StatusCode::CONFLICT, "{}", again.body);

    inject(&sim, "BAL please").await;
    let (kind, call) = tokio::time::timeout(Duration::from_secs(10), calls.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(kind.starts_with("application/json"), "{kind}");
    let n = &call["inboundSMSMessageNotification"];
    assert_eq!(n["callbackData"], "bal-42", "{call}");
    assert_eq!(n["inboundSMSMessage"]["message"], "BAL please", "{call}");
    assert_eq!(n["inboundSMSMessage"]["senderAddress"], ALICE, "{call}");
    assert_eq!(n["inboundSMSMessage"]["destinationAddress"], "tel:1588", "{call}");

    let other = gw.register("rival").await;
    let delete = |who: &App| {
        gw.http
            .delete(format!("{}{url}", gw.base))
            .basic_auth(&who.0, Some(&who.1))
    };
    assert_eq!(
        delete(&other).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&app).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(delete(&app).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // Stopped: the next message is kept for polling instead.
    inject(&sim, "BAL again").await;
    let polled = "/oneapi/v1/smsmessaging/inbound/registrations/shop-bal/messages";
    let mut taken = Vec::new();
    for _ in 0..500 {
        let r = get(&gw, polled, &app).await;
        let list = r.body["inboundSMSMessageList"]["inboundSMSMessage"]
            .as_array()
            .cloned();
        taken.extend(list.unwrap_or_default());
        if !taken.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0]["message"], "BAL again");
    assert!(calls.try_recv().is_err(), "nothing pushed after the DELETE");
}
