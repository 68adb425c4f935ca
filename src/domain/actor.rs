//! Who moved money or sent a message, as the ledger, the outbox and the callbacks name them: an
//! application is `app:<id>`; an operator's own movements carry other names (`operator:<name>`).
//! One spelling, written and read here; the store's joins of actors to applications spell it in SQL
//! (`'app:' || ap.id`, `store/sql`).

/// The prefix of an application's actor name.
const APP: &str = "app:";

/// The actor name of application `id`: `app:<id>`.
#[must_use]
pub fn of_app(id: &str) -> String {
    format!("{APP}{id}")
}

/// The application an actor name stands for (`app:shop` → `shop`), `None` for any other actor.
#[must_use]
pub fn app_id(actor: &str) -> Option<&str> {
    actor.strip_prefix(APP)
}

/// The application id of an application's actor name, any other name as it is: for listings.
#[must_use]
pub fn app_or_name(actor: &str) -> &str {
    app_id(actor).unwrap_or(actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_actors_round_trip() {
        assert_eq!(of_app("shop"), "app:shop");
        assert_eq!(app_id(&of_app("shop")), Some("shop"));
        assert_eq!(app_id("operator:kim"), None);
        assert_eq!(app_or_name("operator:kim"), "operator:kim");
        assert_eq!(app_or_name("app:shop"), "shop");
    }
}
