//! The Account Management operations over SOAP (ES 202 391-7): one function per operation, named
//! after it, each decoding its `account_xml` request, calling the `scf::account` function of the
//! same name, and writing the response.
//!
//! Must not know: authentication, faults, the store. Errors go back as [`Failure`].

use super::payment::{Failure, Reply};
use crate::framework::{Operation, Permit, Service};
use crate::scf::account::{self as scf, EndUser};
use crate::scf::{Scf, ScfError};
use crate::soap::SoapVersion;
use crate::soap::account_xml::{self as ax, ACCOUNT_MANAGEMENT_NS};
use crate::soap::xml::decode;

/// The AccountManagement endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Endpoint;

impl Endpoint {
    /// The published path of AccountManagement (ETSI default `/{Service}Service/services/{Port}`).
    pub(super) const PATH: &'static str = "/AccountManagementService/services/AccountManagement";

    /// The endpoint at `path`, if it is AccountManagement.
    pub(super) fn for_path(path: &str) -> Option<Self> {
        (path == Self::PATH).then_some(Self)
    }

    /// The service, for operation lookup.
    pub(super) fn service(self) -> Service {
        Service::AccountManagement
    }

    /// The local namespace its operation elements must be in.
    pub(super) fn namespace(self) -> &'static str {
        ACCOUNT_MANAGEMENT_NS
    }
}

type Answer = Result<Reply, Failure>;

fn reply(body: Vec<u8>) -> Reply {
    Reply::plain(body)
}

/// A recharge counts as money moved toward the subscriber (negative, like a refund), unless it
/// was a replay that moved nothing.
fn recharged(body: Vec<u8>, r: &scf::Recharged) -> Reply {
    let amount = (!r.replayed).then_some((-r.amount, r.currency));
    Reply::counted(body, amount)
}

fn end_user(identifier: String, pin: Option<String>) -> EndUser {
    EndUser { identifier, pin }
}

/// Runs the permitted operation on `payload` (the operation element).
pub(super) async fn call(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    match p.operation() {
        Operation::GetBalance => get_balance(scf, p, v, payload).await,
        Operation::GetCreditExpiryDate => get_credit_expiry_date(scf, p, v, payload).await,
        Operation::BalanceUpdate => balance_update(scf, p, v, payload).await,
        Operation::VoucherUpdate => voucher_update(scf, p, v, payload).await,
        Operation::GetHistory => get_history(scf, p, v, payload).await,
        Operation::GetBalanceTypes => get_balance_types(scf, p, v, payload).await,
        other => {
            Err(ScfError::Internal(format!("{other} is not served by the AccountManagement endpoint")).into())
        }
    }
}

/// AccountManagement.getBalance
async fn get_balance(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::EndUserRequest>(payload)?;
    let balances = scf
        .get_balance(p, &end_user(r.end_user_identifier, r.end_user_pin))
        .await?;
    let list: Vec<_> = balances.into_iter().map(|b| (b.balance_type, b.amount)).collect();
    Ok(reply(ax::balance_response(v, &list)))
}

/// AccountManagement.getCreditExpiryDate
async fn get_credit_expiry_date(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::EndUserRequest>(payload)?;
    let who = end_user(r.end_user_identifier, r.end_user_pin);
    let details = scf.get_credit_expiry_date(p, &who).await?;
    let list: Vec<_> = details.into_iter().map(|d| (d.balance_type, d.date)).collect();
    Ok(reply(ax::credit_expiry_response(v, &list)))
}

/// AccountManagement.balanceUpdate
async fn balance_update(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::BalanceUpdate>(payload)?;
    let request = scf::BalanceUpdateRequest {
        end_user: end_user(r.end_user_identifier, r.end_user_pin),
        reference_code: r.reference_code,
        balance_type: r.balance_type,
        amount: r.amount,
        period: r.period,
    };
    let done = scf.balance_update(p, &request).await?;
    Ok(recharged(ax::empty_response(v, "balanceUpdateResponse"), &done))
}

/// AccountManagement.voucherUpdate
async fn voucher_update(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::VoucherUpdate>(payload)?;
    let request = scf::VoucherUpdateRequest {
        end_user: end_user(r.end_user_identifier, r.end_user_pin),
        reference_code: r.reference_code,
        voucher_identifier: r.voucher_identifier,
        voucher_pin: r.voucher_pin,
    };
    let done = scf.voucher_update(p, &request).await?;
    Ok(recharged(ax::empty_response(v, "voucherUpdateResponse"), &done))
}

/// AccountManagement.getHistory
async fn get_history(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::GetHistory>(payload)?;
    let date = r.date.as_deref().map(|d| ax::date_time("date", d)).transpose()?;
    let request = scf::HistoryRequest {
        end_user: end_user(r.end_user_identifier, r.end_user_pin),
        date,
        max_entries: r.max_entries,
    };
    let list = scf.get_history(p, &request).await?;
    let list: Vec<_> = list.into_iter().map(|t| (t.date, t.details)).collect();
    Ok(reply(ax::history_response(v, &list)))
}

/// AccountManagement.getBalanceTypes
async fn get_balance_types(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<ax::EndUserRequest>(payload)?;
    let types = scf
        .get_balance_types(p, &end_user(r.end_user_identifier, r.end_user_pin))
        .await?;
    Ok(reply(ax::balance_types_response(v, &types)))
}
