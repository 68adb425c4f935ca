//! Campaigns scheduled by applications (`SmsCampaign`, granted only by name: `Campaigns`,
//! `SmsCampaign` or one of its operations). An application's campaign is an operator's campaign
//! with the application's bounds: it goes out from one of the agreement's `sms_senders`, to at
//! most `campaigns.max_numbers` numbers, and the rates of the application's unfinished campaigns
//! add up to at most `campaigns.max_rate_per_second` (checked by the store under a lock per
//! application). An application sees and steers only its own campaigns; another's is unknown.
//! The feeder sends one only while the application is active, its agreement in force, still
//! granting `createCampaign` and still giving it the sender. A `clientCorrelator` makes a retry
//! safe: the same request answers the campaign it made, another request with it is SVC0005.

use super::{CampaignStatus, MAX_NAME, NewCampaign, name_ok, window_ok};
use crate::framework::{Agreement, Operation, Permit};
use crate::scf::{Scf, ScfError, internal};
use crate::store::apps::AppStatus;
use crate::store::campaigns::{Campaign, CampaignReport};

/// Most campaigns an application's list shows (newest first).
const MAX_LISTED: usize = 100;

/// `createCampaign`, protocol-neutral. The parts are named as here (`name`, `senderName`,
/// `message`, `addresses[i]`, `startTime`, `sendWindow`, `ratePerSecond`, `clientCorrelator`).
#[derive(Debug, Clone, Default)]
pub struct CampaignRequest {
    /// What the application calls it.
    pub name: String,
    /// One of the agreement's `sms_senders`; the first of them when absent.
    pub sender_name: Option<String>,
    /// The text.
    pub message: String,
    /// The numbers, `tel:` URIs or plain.
    pub addresses: Vec<String>,
    /// Nothing goes before this, ms since the epoch; now when absent.
    pub start_at_ms: Option<i64>,
    /// The daily window's first hour and the hour it ends (operator's time zone; the same hour
    /// twice, or absent, is the whole day).
    pub window: Option<(u32, u32)>,
    /// Most numbers per second.
    pub rate_per_sec: u32,
    /// Makes a retry safe.
    pub client_correlator: Option<String>,
}

/// A campaign an application scheduled, with its report; `replayed` when a retry found it.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// The campaign.
    pub campaign: Campaign,
    /// Its numbers by state and its parts by outbox state.
    pub report: CampaignReport,
    /// Whether a retry with its clientCorrelator found it (nothing new was scheduled).
    pub replayed: bool,
}

impl Scf {
    /// `createCampaign`: checks the request and the agreement's bounds, and schedules it.
    pub async fn create_app_campaign(
        &self,
        permit: &Permit,
        req: &CampaignRequest,
    ) -> Result<Scheduled, ScfError> {
        let new = self.checked(permit, req)?;
        let actor = new.created_by.clone();
        let correlator = new.client_correlator.clone();
        if let Some(found) = self.replay(&actor, correlator.as_ref()).await? {
            return Ok(found);
        }
        let budget = permit.app().agreement.campaigns.max_rate_per_second;
        match self.schedule(new, Some(budget)).await {
            Ok((campaign, _)) => {
                let report = self.store.campaign_report(&campaign.id).await.map_err(internal)?;
                tracing::info!(actor = %actor, campaign = %campaign.id, "campaign scheduled");
                Ok(Scheduled {
                    campaign,
                    report,
                    replayed: false,
                })
            }
            // A concurrent retry made it first.
            Err(e @ ScfError::DuplicateClientCorrelator(_)) => {
                self.replay(&actor, correlator.as_ref()).await?.ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The campaign a request asks for, each part checked and the agreement's sender and bounds
    /// applied (the rates of the other campaigns are the store's to check).
    fn checked(&self, permit: &Permit, req: &CampaignRequest) -> Result<NewCampaign, ScfError> {
        let terms = permit.app().agreement.campaigns;
        if !name_ok(&req.name) {
            return Err(ScfError::invalid("name", format!("1 to {MAX_NAME} characters")));
        }
        if req.message.is_empty() {
            return Err(ScfError::invalid("message", "empty"));
        }
        let window = req.window.unwrap_or((0, 0));
        if !window_ok(window) {
            return Err(ScfError::invalid("sendWindow", "hours from 0 to 23"));
        }
        if req.rate_per_sec == 0 {
            return Err(ScfError::invalid("ratePerSecond", "at least 1"));
        }
        if req.rate_per_sec > terms.max_rate_per_second {
            return Err(ScfError::CampaignLimit(format!(
                "ratePerSecond: at most {} numbers per second",
                terms.max_rate_per_second
            )));
        }
        let sender = crate::scf::sms::agreed_sender(permit, req.sender_name.as_deref())?;
        let numbers = self.sms_addresses(&req.addresses)?;
        if numbers.len() > terms.max_numbers as usize {
            return Err(ScfError::CampaignLimit(format!(
                "addresses: at most {} numbers in a campaign",
                terms.max_numbers
            )));
        }
        Ok(NewCampaign {
            name: req.name.trim().to_owned(),
            sender,
            text: req.message.clone(),
            start_at_ms: req.start_at_ms.unwrap_or_else(|| self.now().at_ms),
            window,
            rate_per_sec: req.rate_per_sec,
            numbers,
            created_by: permit.actor(),
            client_correlator: req
                .client_correlator
                .as_ref()
                .map(|c| (c.clone(), fingerprint(req))),
        })
    }

    /// The campaign an earlier request with this clientCorrelator made: answered again when the
    /// request is the same, SVC0005 when it is another.
    async fn replay(
        &self,
        actor: &str,
        correlator: Option<&(String, String)>,
    ) -> Result<Option<Scheduled>, ScfError> {
        let Some((correlator, print)) = correlator else {
            return Ok(None);
        };
        let Some(campaign) = self
            .store
            .campaign_by_correlator(actor, correlator)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        if campaign.client_correlator.as_ref().map(|(_, p)| p) != Some(print) {
            return Err(ScfError::DuplicateClientCorrelator(correlator.clone()));
        }
        let report = self.store.campaign_report(&campaign.id).await.map_err(internal)?;
        Ok(Some(Scheduled {
            campaign,
            report,
            replayed: true,
        }))
    }

    /// `getCampaign` of one campaign: the application's own, else `UnknownCampaign`.
    pub async fn app_campaign(
        &self,
        permit: &Permit,
        id: &str,
    ) -> Result<(Campaign, CampaignReport), ScfError> {
        match self.campaign(id).await? {
            Some((c, report)) if c.created_by == permit.actor() => Ok((c, report)),
            _ => Err(ScfError::UnknownCampaign(id.to_owned())),
        }
    }

    /// `getCampaign` of them all: the application's newest campaigns, with their reports.
    pub async fn app_campaigns(&self, permit: &Permit) -> Result<Vec<(Campaign, CampaignReport)>, ScfError> {
        let mine = self
            .store
            .campaigns(Some(&permit.actor()))
            .await
            .map_err(internal)?;
        let mut out = Vec::with_capacity(mine.len().min(MAX_LISTED));
        for c in mine.into_iter().take(MAX_LISTED) {
            let report = self.store.campaign_report(&c.id).await.map_err(internal)?;
            out.push((c, report));
        }
        Ok(out)
    }

    /// `updateCampaign`: pauses, resumes or cancels one of the application's campaigns;
    /// `CampaignState` when its state does not allow it.
    pub async fn update_app_campaign(
        &self,
        permit: &Permit,
        id: &str,
        to: CampaignStatus,
    ) -> Result<(Campaign, CampaignReport), ScfError> {
        let (c, _) = self.app_campaign(permit, id).await?;
        if !self.set_campaign_status(id, to).await? {
            return Err(ScfError::CampaignState {
                id: id.to_owned(),
                status: c.status.as_str(),
            });
        }
        tracing::info!(actor = %permit.actor(), campaign = %id, status = to.as_str(), "campaign changed");
        self.app_campaign(permit, id).await
    }

    /// Whether the feeder may send `c` now: an operator's always; an application's while the
    /// application is active and its agreement of the day grants campaigns and the sender.
    pub(super) async fn creator_may_send(&self, c: &Campaign) -> Result<bool, ScfError> {
        let Some(app_id) = crate::domain::actor::app_id(&c.created_by) else {
            return Ok(true);
        };
        let Some(app) = self.store.app(app_id).await.map_err(internal)? else {
            return Ok(false);
        };
        if app.status != AppStatus::Active {
            return Ok(false);
        }
        let agreement = match Agreement::from_stored(&app.agreement) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(app = %app.id, error = %e, "campaign held: the application's agreement does not compile");
                return Ok(false);
            }
        };
        Ok(agreement
            .check(Operation::CreateCampaign, self.clock.now())
            .is_ok()
            && agreement.allows_sender(&c.sender))
    }
}

/// What a retry must repeat for its clientCorrelator to answer the first campaign.
fn fingerprint(req: &CampaignRequest) -> String {
    let canonical = serde_json::json!([
        req.name,
        req.sender_name,
        req.message,
        req.addresses,
        req.start_at_ms,
        req.window,
        req.rate_per_sec,
    ]);
    crate::crypto::hex(&crate::crypto::sha256(canonical.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_covers_the_request() {
        let base = CampaignRequest {
            name: "n".into(),
            message: "m".into(),
            addresses: vec!["tel:+821012340001".into()],
            rate_per_sec: 1,
            ..CampaignRequest::default()
        };
        let print = fingerprint(&base);
        assert_eq!(print, fingerprint(&base.clone()));
        let changes: [&dyn Fn(&mut CampaignRequest); 5] = [
            &|r| r.message.push('!'),
            &|r| r.addresses.push("tel:+821012340002".into()),
            &|r| r.window = Some((9, 21)),
            &|r| r.rate_per_sec = 2,
            &|r| r.start_at_ms = Some(1),
        ];
        for change in changes {
            let mut other = base.clone();
            change(&mut other);
            assert_ne!(fingerprint(&other), print);
        }
    }
}
