//! `POST /accounts/import`: bulk provisioning, each entry as `POST /accounts` takes it.

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::CreateAccount;
use crate::admin::AdminState;
use crate::admin::Operator;
use crate::admin::extract::AdminJson;
use crate::admin::problem::{Fields, Problem};

/// Most accounts one `POST /accounts/import` opens (a thousand fit the default body limit).
pub(super) const IMPORT_MAX: usize = 1_000;

/// Body of `POST /accounts/import`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportAccounts {
    accounts: Vec<CreateAccount>,
}

/// Answer of `POST /accounts/import`.
#[derive(Debug, Serialize)]
pub struct Imported {
    /// Accounts opened.
    opened: u64,
    /// Numbers that already had an account (left as they were).
    existing: u64,
}

/// `POST /accounts/import`: opens up to [`IMPORT_MAX`] accounts in one transaction, each as
/// `POST /accounts` would. Every entry is checked first (errors name `accounts[i].field`) and
/// nothing is opened unless all are valid; a number that already has an account is counted, not
/// refused, so an interrupted import can be sent again.
pub async fn import(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<ImportAccounts>,
) -> Result<Json<Imported>, Problem> {
    let count = body.accounts.len();
    if count == 0 || count > IMPORT_MAX {
        return Err(Problem::invalid_field(
            "accounts",
            format!("1 to {IMPORT_MAX} accounts per request, not {count}"),
        ));
    }
    let mut f = Fields::default();
    let new: Vec<_> = (body.accounts.into_iter().enumerate())
        .filter_map(|(i, a)| a.check(&state, &operator, &mut f, &format!("accounts[{i}].")))
        .collect();
    f.finish()?;
    let opened = state.store().create_accounts(&new, &state.now()).await?;
    let existing = u64::try_from(count).unwrap_or(u64::MAX) - opened;
    tracing::info!(operator = %operator.name, opened, existing, "accounts imported");
    Ok(Json(Imported { opened, existing }))
}
