//! pxgate's campaign resources (no OneAPI standard exists; docs/guides/campaigns.md): an
//! application with the `Campaigns` grant schedules one text to a list of numbers, follows its
//! progress and delivery report, and pauses, resumes or cancels it.
//!
//! | resource | operation |
//! |---|---|
//! | `POST /smsmessaging/campaigns` | `SmsCampaign.createCampaign` |
//! | `GET /smsmessaging/campaigns`, `GET …/{campaignId}` | `SmsCampaign.getCampaign` |
//! | `POST …/{campaignId}/pause`, `…/resume`, `…/cancel` | `SmsCampaign.updateCampaign` |
//!
//! Must not know: the store, or how a campaign is checked (that is `scf::campaign`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{RequestError, RestError};
use super::sms_json::{Addresses, ResourceReference};
use super::{BASE, Caller, Reply, encode, json};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::campaign::{CampaignRequest, Scheduled};
use crate::scf::{Scf, ScfError};
use crate::store::campaigns::{Campaign, CampaignReport, CampaignStatus};

/// The JSON member every refusal of a new campaign is named under.
const ROOT: &str = "smsCampaign";

/// `POST /smsmessaging/campaigns` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct CampaignIn {
    /// The campaign.
    sms_campaign: NewCampaign,
}

/// A campaign to schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewCampaign {
    /// What the application calls it (1 to 100 characters).
    name: String,
    /// The sender number, e.g. `tel:1588`: one of the agreement's `sms_senders`.
    #[serde(default)]
    sender_address: Option<String>,
    /// An alphanumeric sender instead of the number: one of the agreement's `sms_senders`.
    /// Without either, the agreement's first sender.
    #[serde(default)]
    sender_name: Option<String>,
    /// The text.
    message: String,
    /// The numbers (`tel:` URIs), at most the agreement's `campaigns.max_numbers`.
    address: Addresses,
    /// RFC 3339; now when left out.
    #[serde(default)]
    start_time: Option<String>,
    /// The daily window in the operator's time zone; the whole day when left out.
    #[serde(default)]
    send_window: Option<SendWindow>,
    /// Most numbers per second; the application's unfinished campaigns together send at most
    /// the agreement's `campaigns.max_rate_per_second`.
    rate_per_second: u32,
    /// Makes a retry safe: the same request with it answers the campaign it made (200).
    #[serde(default)]
    client_correlator: Option<String>,
}

/// `[fromHour, toHour)` in the operator's time zone; wraps midnight when `toHour <= fromHour`,
/// and the same hour twice is the whole day.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SendWindow {
    /// The first hour, 0–23.
    from_hour: u32,
    /// The hour it ends, 0–23.
    to_hour: u32,
}

/// A campaign as its application sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CampaignOut {
    /// Identifier.
    campaign_id: String,
    /// Name.
    name: String,
    /// The sender its messages go out from.
    sender: String,
    /// The text.
    message: String,
    /// `scheduled`, `paused`, `cancelled` or `done`.
    status: String,
    /// Start, RFC 3339.
    start_time: String,
    /// The daily window.
    send_window: SendWindow,
    /// Most numbers per second.
    rate_per_second: u32,
    /// The request's clientCorrelator, if it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_correlator: Option<String>,
    /// Whether it is sending now (started, in its window, not paused).
    sending: bool,
    /// Numbers waiting.
    pending: i64,
    /// Numbers sent.
    sent: i64,
    /// Numbers skipped because they opted out (`STOP` to the short code).
    opted_out: i64,
    /// The sent messages' parts by state (`queued`, `submitted`, `delivered`, `failed`, …).
    delivery_report: BTreeMap<String, i64>,
    /// This resource.
    #[serde(rename = "resourceURL")]
    resource_url: String,
}

/// One campaign, as `GET …/{campaignId}` and the changes answer it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CampaignResponse {
    /// The campaign.
    sms_campaign: CampaignOut,
}

/// A new campaign, as `POST /smsmessaging/campaigns` answers it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedResponse {
    /// The campaign.
    sms_campaign: CampaignOut,
    /// Where it is.
    resource_reference: ResourceReference,
}

/// The application's campaigns, newest first (at most 100).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct CampaignList {
    /// The list.
    sms_campaign_list: CampaignListInner,
}

/// `smsCampaignList`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CampaignListInner {
    /// The campaigns.
    sms_campaign: Vec<CampaignOut>,
    /// This resource.
    #[serde(rename = "resourceURL")]
    resource_url: String,
}

/// Schedules a campaign (needs the `Campaigns` grant). 201 with the campaign; 200 with the first
/// one when `clientCorrelator` was used before with the same request.
#[utoipa::path(
    post,
    path = "/oneapi/v1/smsmessaging/campaigns",
    tag = "sms",
    request_body = CampaignIn,
    responses(
        (status = 201, description = "Scheduled", body = CreatedResponse),
        (status = 200, description = "A retry: the first campaign, nothing scheduled now", body = CreatedResponse),
        (status = 400, description = "Invalid input (SVC0002, SVC0004, SVC0280)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy (POL0001 sender, POL1023 the agreement's campaign bounds, …)", body = RequestError),
        (status = 409, description = "clientCorrelator used for another request (SVC0005)", body = RequestError),
        (status = 429, description = "Request rate exceeded (POL1100)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn create(State(state): State<Gateway>, request: Request) -> Response {
    let caller = Caller::of(&request);
    let body: CampaignIn = match json::body(request).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    caller
        .serve(&state, Operation::CreateCampaign, async |p| {
            schedule(state.scf(), p, body.sms_campaign).await
        })
        .await
}

async fn schedule(scf: &Scf, p: &Permit, c: NewCampaign) -> Result<Reply, RestError> {
    let start_at_ms = match &c.start_time {
        None => None,
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| ScfError::invalid(format!("{ROOT}.startTime"), e))?
                .timestamp_millis(),
        ),
    };
    let request = CampaignRequest {
        name: c.name,
        // An alphanumeric senderName replaces the number; either must be an agreed sender.
        sender_name: c
            .sender_name
            .or_else(|| c.sender_address.as_deref().map(super::sms::number)),
        message: c.message,
        addresses: c.address.into_vec(),
        start_at_ms,
        window: c.send_window.map(|w| (w.from_hour, w.to_hour)),
        rate_per_sec: c.rate_per_second,
        client_correlator: c.client_correlator,
    };
    let Scheduled {
        campaign,
        report,
        replayed,
    } = scf.create_app_campaign(p, &request).await.map_err(json_part)?;
    let out = view(&campaign, &report);
    let url = out.resource_url.clone();
    let code = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = CreatedResponse {
        sms_campaign: out,
        resource_reference: ResourceReference {
            resource_url: url.clone(),
        },
    };
    Ok(Reply::plain(
        (code, [(header::LOCATION, url)], Json(body)).into_response(),
    ))
}

/// The application's campaigns, newest first (at most 100), with their progress.
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/campaigns",
    tag = "sms",
    responses(
        (status = 200, description = "The campaigns", body = CampaignList),
        (status = 401, description = "Not authenticated", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn list(State(state): State<Gateway>, request: Request) -> Response {
    Caller::of(&request)
        .serve(&state, Operation::GetCampaign, async |p| {
            let mine = state.scf().app_campaigns(p).await?;
            let body = CampaignList {
                sms_campaign_list: CampaignListInner {
                    sms_campaign: mine.iter().map(|(c, r)| view(c, r)).collect(),
                    resource_url: format!("{BASE}/smsmessaging/campaigns"),
                },
            };
            Ok(Reply::plain(Json(body).into_response()))
        })
        .await
}

/// One campaign with its progress and delivery report.
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/campaigns/{campaignId}",
    tag = "sms",
    params(("campaignId" = String, Path, description = "The campaign's identifier")),
    responses(
        (status = 200, description = "The campaign", body = CampaignResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such campaign of this application", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn show(State(state): State<Gateway>, Path(id): Path<String>, request: Request) -> Response {
    Caller::of(&request)
        .serve(&state, Operation::GetCampaign, async |p| {
            let (c, r) = state.scf().app_campaign(p, &id).await.map_err(not_found)?;
            Ok(one(&c, &r))
        })
        .await
}

/// Pauses (`pause`), resumes (`resume`) or cancels (`cancel`) a campaign.
#[utoipa::path(
    post,
    path = "/oneapi/v1/smsmessaging/campaigns/{campaignId}/{action}",
    tag = "sms",
    params(
        ("campaignId" = String, Path, description = "The campaign's identifier"),
        ("action" = String, Path, description = "`pause`, `resume` or `cancel`"),
    ),
    responses(
        (status = 200, description = "The campaign after the change", body = CampaignResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such campaign of this application, or no such action", body = RequestError),
        (status = 409, description = "Its state does not allow the change (POL1024)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn update(
    State(state): State<Gateway>,
    Path((id, action)): Path<(String, String)>,
    request: Request,
) -> Response {
    let to = match action.as_str() {
        "pause" => CampaignStatus::Paused,
        "resume" => CampaignStatus::Scheduled,
        "cancel" => CampaignStatus::Cancelled,
        _ => return RestError::NotFound.into_response(),
    };
    Caller::of(&request)
        .serve(&state, Operation::UpdateCampaign, async |p| {
            let (c, r) = state
                .scf()
                .update_app_campaign(p, &id, to)
                .await
                .map_err(not_found)?;
            Ok(one(&c, &r))
        })
        .await
}

fn one(c: &Campaign, r: &CampaignReport) -> Reply {
    Reply::plain(
        Json(CampaignResponse {
            sms_campaign: view(c, r),
        })
        .into_response(),
    )
}

fn view(c: &Campaign, r: &CampaignReport) -> CampaignOut {
    let start = chrono::DateTime::from_timestamp_millis(c.start_at_ms).unwrap_or_default();
    CampaignOut {
        campaign_id: c.id.clone(),
        name: c.name.clone(),
        sender: c.sender.clone(),
        message: c.text.clone(),
        status: c.status.as_str().to_owned(),
        start_time: start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        send_window: SendWindow {
            from_hour: c.window_from,
            to_hour: c.window_to,
        },
        rate_per_second: c.rate_per_sec,
        client_correlator: c.client_correlator.as_ref().map(|(c, _)| c.clone()),
        sending: c.sending(),
        pending: r.pending,
        sent: r.sent,
        opted_out: r.opted_out,
        delivery_report: r.parts.iter().cloned().collect(),
        resource_url: format!("{BASE}/smsmessaging/campaigns/{}", encode(&c.id)),
    }
}

/// Another application's campaign is no resource at all.
fn not_found(e: ScfError) -> RestError {
    match e {
        ScfError::UnknownCampaign(_) => RestError::NotFound,
        other => other.into(),
    }
}

/// The scf names the parts of a campaign request; name the JSON members instead.
fn json_part(e: ScfError) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => {
            let part = match part.strip_prefix("addresses") {
                Some(i) => format!("{ROOT}.address{i}"),
                None if part.starts_with(ROOT) => part,
                None => format!("{ROOT}.{part}"),
            };
            ScfError::InvalidInput { part, reason }.into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_name_the_json() {
        let renamed = |part: &str| match json_part(ScfError::invalid(part, "x")) {
            RestError::Scf(ScfError::InvalidInput { part, .. }) => part,
            other => panic!("{other:?}"),
        };
        assert_eq!(renamed("addresses[2]"), "smsCampaign.address[2]");
        assert_eq!(renamed("sendWindow"), "smsCampaign.sendWindow");
        assert_eq!(renamed("smsCampaign.startTime"), "smsCampaign.startTime");
    }
}
