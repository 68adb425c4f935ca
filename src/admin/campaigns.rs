//! `/admin/v1/campaigns…`: scheduled bulk messages (docs/guides/campaigns.md): schedule one to a
//! list of numbers (`pxgate admin campaigns create --csv` reads them from a CSV file) or to every
//! active account, follow its progress and delivery report, pause, resume, cancel.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::AdminJson;
use super::problem::{Fields, Problem};
use crate::admin::AdminState;
use crate::domain::Msisdn;
use crate::scf::campaign::{self, MAX_NAME, NewCampaign};
use crate::store::campaigns::{Campaign, CampaignReport, CampaignStatus};
use crate::store::{AccountQuery, AccountStatus};

/// Most numbers in one campaign.
const MAX_NUMBERS: usize = 1_000_000;

/// A campaign as operators see it, with its progress.
#[derive(Debug, Serialize, Deserialize)]
pub struct CampaignView {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// Sender of its messages.
    pub sender: String,
    /// The text.
    pub text: String,
    /// `scheduled`, `paused`, `cancelled` or `done`.
    pub status: CampaignStatus,
    /// Start, ms since the epoch.
    pub start_at_ms: i64,
    /// The daily window's first hour (operator's time zone).
    pub window_from: u32,
    /// The hour the window ends.
    pub window_to: u32,
    /// Most numbers per second.
    pub rate_per_sec: u32,
    /// Who scheduled it.
    pub created_by: String,
    /// Whether the feeder is sending it now (started, in its window, not paused).
    pub sending: bool,
    /// Numbers waiting.
    pub pending: i64,
    /// Numbers sent.
    pub sent: i64,
    /// Numbers skipped as opted out.
    pub opted_out: i64,
    /// Sent parts by outbox state (`queued`, `submitted`, `delivered`, `failed`, …).
    pub parts: std::collections::BTreeMap<String, i64>,
}

impl CampaignView {
    fn of(c: &Campaign, r: &CampaignReport) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            sender: c.sender.clone(),
            text: c.text.clone(),
            status: c.status,
            start_at_ms: c.start_at_ms,
            window_from: c.window_from,
            window_to: c.window_to,
            rate_per_sec: c.rate_per_sec,
            created_by: c.created_by.clone(),
            sending: c.sending(),
            pending: r.pending,
            sent: r.sent,
            opted_out: r.opted_out,
            parts: r.parts.iter().cloned().collect(),
        }
    }
}

/// Body of `POST /campaigns`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostCampaign {
    name: String,
    sender: String,
    text: String,
    /// RFC 3339; now when left out.
    #[serde(default)]
    start_at: Option<String>,
    /// `[from_hour, to_hour)` in the operator's time zone, wrapping midnight when `to <= from`;
    /// the same hour twice, or left out, is the whole day.
    #[serde(default)]
    window: Option<(u32, u32)>,
    rate_per_sec: u32,
    /// The numbers, any spelling; or leave out and set `all_active_accounts`.
    #[serde(default)]
    numbers: Vec<String>,
    /// Every active account instead of a list.
    #[serde(default)]
    all_active_accounts: bool,
}

impl PostCampaign {
    /// The campaign, every unusable field named.
    async fn validate(self, state: &AdminState, by: &Operator) -> Result<NewCampaign, Problem> {
        let mut f = Fields::default();
        if !campaign::name_ok(&self.name) {
            f.push("name", format!("1 to {MAX_NAME} characters"));
        }
        let sender = self.sender.trim_start_matches('+');
        if sender.is_empty() || sender.len() > 11 || !sender.bytes().all(|b| b.is_ascii_alphanumeric()) {
            f.push("sender", "1 to 11 letters or digits");
        }
        if self.text.is_empty() {
            f.push("text", "empty");
        }
        let now_ms = state.now().at_ms;
        let start_at_ms = match &self.start_at {
            None => Some(now_ms),
            Some(t) => f.check(
                "start_at",
                chrono::DateTime::parse_from_rfc3339(t).map(|d| d.timestamp_millis()),
            ),
        };
        let window = self.window.unwrap_or((0, 0));
        if !campaign::window_ok(window) {
            f.push("window", "hours from 0 to 23");
        }
        if !(1..=10_000).contains(&self.rate_per_sec) {
            f.push("rate_per_sec", "from 1 to 10000");
        }
        let cc = &state.locale().default_country_code;
        let mut numbers = Vec::with_capacity(self.numbers.len());
        for (i, n) in self.numbers.iter().enumerate() {
            if let Some(m) = f.check(&format!("numbers[{i}]"), Msisdn::parse(n, cc)) {
                numbers.push(m);
            }
        }
        match (self.numbers.is_empty(), self.all_active_accounts) {
            (true, false) => f.push("numbers", "give numbers or all_active_accounts"),
            (false, true) => f.push("all_active_accounts", "not with numbers"),
            _ => {}
        }
        if self.numbers.len() > MAX_NUMBERS {
            f.push("numbers", format!("at most {MAX_NUMBERS}"));
        }
        f.finish()?;
        if self.all_active_accounts {
            numbers = active_accounts(state).await?;
        }
        Ok(NewCampaign {
            name: self.name.trim().to_owned(),
            sender: sender.to_owned(),
            text: self.text,
            start_at_ms: start_at_ms.unwrap_or(now_ms),
            window,
            rate_per_sec: self.rate_per_sec,
            numbers,
            created_by: by.actor(),
            client_correlator: None,
        })
    }
}

/// Every active account's number.
async fn active_accounts(state: &AdminState) -> Result<Vec<Msisdn>, Problem> {
    let mut numbers = Vec::new();
    let mut after_id = 0;
    loop {
        let query = AccountQuery {
            status: Some(AccountStatus::Active),
            after_id,
            limit: 1_000,
        };
        let page = state.store().list_accounts(&query).await?;
        let Some(last) = page.last() else {
            return Ok(numbers);
        };
        after_id = last.id;
        numbers.extend(page.into_iter().map(|a| a.msisdn));
    }
}

/// `POST /campaigns`: schedules a campaign (201).
pub async fn create(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<PostCampaign>,
) -> Result<Response, Problem> {
    let new = body.validate(&state, &operator).await?;
    let (c, numbers) = state.scf().create_campaign(new).await.map_err(|e| match e {
        crate::scf::ScfError::MessageTooLong(max) => {
            Problem::invalid_field("text", format!("too long: at most {max} characters"))
        }
        other => scf_problem(&other),
    })?;
    tracing::info!(operator = %operator.name, campaign = %c.id, numbers, "campaign scheduled");
    let report = CampaignReport {
        pending: numbers,
        ..CampaignReport::default()
    };
    Ok((StatusCode::CREATED, Json(CampaignView::of(&c, &report))).into_response())
}

/// `GET /campaigns`: every campaign, newest first, with its progress.
pub async fn list(State(state): State<AdminState>) -> Result<Json<Vec<CampaignView>>, Problem> {
    let mut out = Vec::new();
    for c in state.store().campaigns(None).await? {
        let report = state.store().campaign_report(&c.id).await?;
        out.push(CampaignView::of(&c, &report));
    }
    Ok(Json(out))
}

/// `GET /campaigns/{id}`: progress and delivery report.
pub async fn show(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, Problem> {
    let found = state.scf().campaign(&id).await.map_err(|e| scf_problem(&e))?;
    let (c, report) = found.ok_or_else(|| Problem::not_found("no such campaign"))?;
    Ok(Json(CampaignView::of(&c, &report)))
}

/// `POST /campaigns/{id}/pause`.
pub async fn pause(
    state: State<AdminState>,
    operator: Extension<Operator>,
    id: Path<String>,
) -> Result<Json<CampaignView>, Problem> {
    transition(state, operator, id, CampaignStatus::Paused).await
}

/// `POST /campaigns/{id}/resume`.
pub async fn resume(
    state: State<AdminState>,
    operator: Extension<Operator>,
    id: Path<String>,
) -> Result<Json<CampaignView>, Problem> {
    transition(state, operator, id, CampaignStatus::Scheduled).await
}

/// `POST /campaigns/{id}/cancel`.
pub async fn cancel(
    state: State<AdminState>,
    operator: Extension<Operator>,
    id: Path<String>,
) -> Result<Json<CampaignView>, Problem> {
    transition(state, operator, id, CampaignStatus::Cancelled).await
}

async fn transition(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<String>,
    to: CampaignStatus,
) -> Result<Json<CampaignView>, Problem> {
    let Some((c, _)) = state.scf().campaign(&id).await.map_err(|e| scf_problem(&e))? else {
        return Err(Problem::not_found("no such campaign"));
    };
    if !state
        .scf()
        .set_campaign_status(&id, to)
        .await
        .map_err(|e| scf_problem(&e))?
    {
        return Err(Problem::conflict(format!(
            "a campaign that is {} cannot become {}",
            c.status.as_str(),
            to.as_str()
        )));
    }
    tracing::info!(operator = %operator.name, campaign = %id, status = to.as_str(), "campaign changed");
    show(State(state), Path(id)).await
}

/// The service functions fail here only when the store does.
fn scf_problem(e: &crate::scf::ScfError) -> Problem {
    tracing::error!(error = %e, "campaigns");
    Problem::unavailable()
}

/// One number of the opt-out list.
#[derive(Debug, Serialize, Deserialize)]
pub struct OptOutView {
    /// The number.
    pub msisdn: String,
    /// The word it texted.
    pub keyword: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
}

/// `GET /sms/opt-outs`: the numbers no campaign sends to, newest first.
pub async fn opt_outs(State(state): State<AdminState>) -> Result<Json<Vec<OptOutView>>, Problem> {
    let list = state.store().opt_outs(10_000).await?;
    Ok(Json(
        list.into_iter()
            .map(|(m, keyword, at_ms)| OptOutView {
                msisdn: m.as_str().to_owned(),
                keyword,
                at_ms,
            })
            .collect(),
    ))
}

/// `DELETE /sms/opt-outs/{msisdn}`: the number may get campaigns again (204).
pub async fn remove_opt_out(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(msisdn): Path<String>,
) -> Result<StatusCode, Problem> {
    let number = super::accounts::parse_msisdn(&state, &msisdn)?;
    if !state.store().remove_opt_out(&number).await? {
        return Err(Problem::not_found("the number is not on the opt-out list"));
    }
    tracing::info!(operator = %operator.name, msisdn = %number.as_str(), "opt-out removed");
    Ok(StatusCode::NO_CONTENT)
}
