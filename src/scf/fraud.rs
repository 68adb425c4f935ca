//! The fraud rules in force and what their verdicts mean for an application (`docs/guides/fraud.md`):
//! `[fraud]` of the configuration, or the rule set the admin API saved over it (read again by every
//! instance each second), handed to the store with every application debit and hold; a charge the
//! rules want confirmed is held and the subscriber asked by SMS (`fraud/confirm.rs`).

mod confirm;

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use super::{Scf, ScfError, internal};
use crate::fraud::Rules;
use crate::store::fraud::SavedRules;

pub use confirm::ConfirmationConfig;

/// `[fraud]`: whether the rules run, their settings, and the subscriber confirmation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FraudConfig {
    /// `false`: no rule runs and no counter is kept, whatever the rules say.
    pub enabled: bool,
    /// The rules (`[fraud.rules.<rule>]`); the admin API may save others over them.
    pub rules: Rules,
    /// The SMS that asks the subscriber (`[fraud.confirmation]`).
    pub confirmation: ConfirmationConfig,
}

impl Default for FraudConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            rules: Rules::default(),
            confirmation: ConfirmationConfig::default(),
        }
    }
}

impl FraudConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        self.rules.check("fraud.rules", errors);
        self.confirmation.check(errors);
    }
}

/// Where the rules in force come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesSource {
    /// `[fraud.rules]` of the configuration.
    Configuration,
    /// Saved through the admin API.
    Admin,
}

/// The rules in force and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesInForce {
    /// The rules.
    pub rules: Rules,
    /// Where they come from.
    pub source: RulesSource,
    /// Who saved them, for `admin`.
    pub updated_by: Option<String>,
    /// When, ms since the epoch, for `admin`.
    pub updated_at_ms: Option<i64>,
}

/// The rule set the store gets with each movement; swapped whole when it changes.
#[derive(Debug)]
pub(super) struct Current {
    enabled: bool,
    configured: Arc<Rules>,
    rules: RwLock<Arc<Rules>>,
    /// Whether this process registered the confirmation keywords.
    keywords_registered: std::sync::atomic::AtomicBool,
}

impl Current {
    pub(super) fn new(config: &FraudConfig) -> Self {
        let configured = Arc::new(config.rules.clone());
        Self {
            enabled: config.enabled,
            rules: RwLock::new(Arc::clone(&configured)),
            configured,
            keywords_registered: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn get(&self) -> Arc<Rules> {
        Arc::clone(
            &self
                .rules
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn set(&self, rules: Arc<Rules>) {
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = rules;
    }
}

impl Scf {
    /// The rules to hand the store with an application's debit or hold; `None` when `[fraud]` is
    /// off.
    pub(super) fn screen(&self) -> Option<Arc<Rules>> {
        self.fraud.enabled.then(|| self.fraud.get())
    }

    /// Reads the saved rule set again (every instance, each second, so a change made through any
    /// of them applies everywhere without a restart).
    pub async fn reload_fraud_rules(&self) -> Result<(), ScfError> {
        let saved = self.store.saved_fraud_rules().await.map_err(internal)?;
        let rules = match saved {
            Some(s) => Arc::new(s.rules),
            None => Arc::clone(&self.fraud.configured),
        };
        if *rules != *self.fraud.get() {
            tracing::info!("fraud rules changed");
            self.fraud.set(rules);
        }
        self.register_confirmation_keywords().await;
        Ok(())
    }

    /// Forgets the app_spread rule's past minutes (while the rule is on; what it left when it was
    /// turned off waits for it to be on again).
    pub async fn prune_fraud_minutes(&self) -> Result<u64, ScfError> {
        if !self.screen().is_some_and(|rules| rules.app_spread.enabled) {
            return Ok(0);
        }
        self.store
            .prune_fraud_minutes(&self.now())
            .await
            .map_err(internal)
    }

    /// The rules in force and where they come from.
    pub async fn fraud_rules(&self) -> Result<RulesInForce, ScfError> {
        let saved = self.store.saved_fraud_rules().await.map_err(internal)?;
        Ok(match saved {
            Some(s) => RulesInForce {
                rules: s.rules,
                source: RulesSource::Admin,
                updated_by: Some(s.updated_by),
                updated_at_ms: Some(s.updated_at_ms),
            },
            None => RulesInForce {
                rules: (*self.fraud.configured).clone(),
                source: RulesSource::Configuration,
                updated_by: None,
                updated_at_ms: None,
            },
        })
    }

    /// Saves `rules` (checked by the caller: `Rules::check`) over the configuration's (`None`:
    /// back to the configuration's), by the operator `by`; in force at once here, within a second
    /// on the other instances.
    pub async fn save_fraud_rules(&self, rules: Option<Rules>, by: &str) -> Result<RulesInForce, ScfError> {
        let saved = rules.map(|rules| SavedRules {
            rules,
            updated_by: by.to_owned(),
            updated_at_ms: self.now().at_ms,
        });
        self.store
            .save_fraud_rules(saved.as_ref())
            .await
            .map_err(internal)?;
        self.reload_fraud_rules().await?;
        self.fraud_rules().await
    }
}
