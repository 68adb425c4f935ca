use super::*;

fn ordinary(amount: i64) -> Observed {
    Observed {
        amount,
        velocity: [Tally { count: 1, amount }; 3],
        history: Tally {
            count: 20,
            amount: 20 * amount,
        },
        refusals: 0,
        charged_before: Some(true),
        app_accounts: Some(1),
        local_hour: 12,
    }
}

fn all_on(action: Action) -> Rules {
    let mut r = Rules::default();
    r.account_velocity.action = action;
    r.app_spread.enabled = true;
    r.app_spread.action = action;
    r.app_spread.accounts_per_minute = 3;
    r.above_history.action = action;
    r.first_charge.action = action;
    r.night.enabled = true;
    r.night.action = action;
    r.probing.action = action;
    r
}

#[test]
fn ordinary_traffic_fires_nothing_and_defaults_refuse_nothing() {
    assert!(Rules::default().evaluate(&ordinary(1_000)).fired.is_empty());
    assert!(all_on(Action::Refuse).evaluate(&ordinary(1_000)).fired.is_empty());
    assert!(!Rules::default().could_stop(i64::MAX));
    assert!(all_on(Action::Confirm).could_stop(1));
    let mut large_only = Rules::default();
    large_only.first_charge.action = Action::Confirm;
    assert!(!large_only.could_stop(99_999) && !large_only.may_confirm(99_999));
    assert!(large_only.could_stop(100_000) && large_only.may_confirm(100_000));
}

#[test]
fn each_rule_fires_just_past_its_threshold() {
    let rules = all_on(Action::Refuse);
    let fired = |o: &Observed| rules.evaluate(o).deciding_rule();
    let mut o = ordinary(1_000);
    o.velocity[0].count = 10;
    assert_eq!(fired(&o), None, "ten a minute is the limit, not over it");
    o.velocity[0].count = 11;
    assert_eq!(fired(&o), Some(RuleName::AccountVelocity));

    let mut o = ordinary(1_000);
    o.app_accounts = Some(4);
    assert_eq!(fired(&o), Some(RuleName::AppSpread));

    let mut o = ordinary(10_000);
    o.history = Tally {
        count: 5,
        amount: 5_000,
    };
    assert_eq!(rules.evaluate(&o).fired[0].observed, 10);
    assert_eq!(fired(&o), Some(RuleName::AboveHistory));
    o.history.count = 4;
    assert_eq!(fired(&o), None, "too little history to judge");

    let mut o = ordinary(100_000);
    o.charged_before = Some(false);
    assert_eq!(fired(&o), Some(RuleName::FirstCharge));
    o.amount = 99_999;
    assert_eq!(fired(&o), None);

    let mut o = ordinary(50_000);
    o.local_hour = 3;
    assert_eq!(fired(&o), Some(RuleName::Night));
    o.local_hour = 6;
    assert_eq!(fired(&o), None, "the night ends at to_hour");

    let mut o = ordinary(1_000);
    o.refusals = 5;
    assert_eq!(fired(&o), Some(RuleName::Probing));
}

#[test]
fn a_velocity_flag_marks_the_crossing_once_and_a_stop_every_charge_over() {
    let flag = Rules::default();
    let mut o = ordinary(1_000);
    o.velocity[0].count = 11;
    assert_eq!(flag.evaluate(&o).deciding_rule(), Some(RuleName::AccountVelocity));
    o.velocity[0].count = 12;
    assert!(
        flag.evaluate(&o).fired.is_empty(),
        "the window is flagged already"
    );
    let mut refuse = Rules::default();
    refuse.account_velocity.action = Action::Refuse;
    assert_eq!(refuse.evaluate(&o).action(), Some(Action::Refuse));

    let mut by_amount = Rules::default();
    by_amount.account_velocity.per_day.amount = Some(10_000);
    let mut o = ordinary(3_000);
    o.velocity[2].amount = 12_000;
    assert_eq!(
        by_amount.evaluate(&o).fired[0].measure,
        "amount this day",
        "9,000 + 3,000 crosses"
    );
    o.velocity[2].amount = 15_000;
    assert!(by_amount.evaluate(&o).fired.is_empty(), "12,000 was over already");
}

#[test]
fn the_strongest_action_decides_and_names_its_rule() {
    let mut rules = all_on(Action::Flag);
    rules.probing.action = Action::Confirm;
    let mut o = ordinary(1_000);
    o.velocity[1].count = 61;
    o.refusals = 9;
    let v = rules.evaluate(&o);
    assert_eq!(v.fired.len(), 2);
    assert_eq!(v.action(), Some(Action::Confirm));
    assert_eq!(v.deciding_rule(), Some(RuleName::Probing));
}

#[test]
fn a_night_may_wrap_midnight() {
    let night = Night {
        enabled: true,
        from_hour: 22,
        to_hour: 5,
        ..Night::default()
    };
    assert!(night.contains(23) && night.contains(0) && night.contains(4));
    assert!(!night.contains(5) && !night.contains(21));
}

#[test]
fn unusable_values_are_named_by_their_path() {
    let mut rules = Rules::default();
    rules.account_velocity.per_hour.count = Some(0);
    rules.above_history.factor = 1;
    rules.night.to_hour = 24;
    rules.probing.window_secs = 0;
    let mut errors = Vec::new();
    rules.check("fraud", &mut errors);
    assert_eq!(
        errors,
        [
            "fraud.account_velocity.per_hour.count: must be greater than 0",
            "fraud.above_history.factor: must be at least 2",
            "fraud.night.to_hour: an hour from 0 to 23",
            "fraud.probing.window_secs: from 1 to 86400",
        ]
    );
    let mut errors = Vec::new();
    Rules::default().check("", &mut errors);
    assert!(errors.is_empty());
}

#[test]
fn the_rule_set_reads_from_a_partial_document_and_refuses_unknown_keys() {
    let rules: Rules = serde_json::from_str(
        r#"{"night": {"enabled": true, "action": "refuse"}, "account_velocity": {"per_minute": {"count": 3}}}"#,
    )
    .unwrap();
    assert!(rules.night.enabled && rules.night.action == Action::Refuse);
    assert_eq!(rules.account_velocity.per_minute.count, Some(3));
    assert_eq!(
        rules.account_velocity.per_hour.count,
        Some(60),
        "the rest keep their defaults"
    );
    assert!(serde_json::from_str::<Rules>(r#"{"night": {"from": 1}}"#).is_err());
}
