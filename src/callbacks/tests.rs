use super::*;

#[test]
fn the_delay_doubles_up_to_the_maximum() {
    let c = CallbackConfig {
        retry_min_ms: 1_000,
        retry_max_ms: 5_000,
        ..CallbackConfig::default()
    };
    let delays: Vec<i64> = (1..=5).map(|n| c.backoff_ms(n)).collect();
    assert_eq!(delays, [1_000, 2_000, 4_000, 5_000, 5_000]);
    assert_eq!(c.backoff_ms(10_000), 5_000);
}

#[test]
fn zero_values_are_refused_by_name() {
    let c = CallbackConfig {
        concurrency: 0,
        retry_max_ms: 1,
        ..CallbackConfig::default()
    };
    let mut errors = Vec::new();
    c.check(&mut errors);
    assert_eq!(
        errors,
        [
            "callbacks.concurrency: must be greater than 0",
            "callbacks.retry_max_ms: must be at least retry_min_ms"
        ]
    );
}
