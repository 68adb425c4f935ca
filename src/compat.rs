//! The HTTP APIs of other SMS gateways, so that an application written for one of them moves to
//! pxgate by changing the host: Kannel's `sendsms` ([`kannel`]). Like the Parlay X and OneAPI
//! bindings, every call is authorized by the framework (credentials, agreement, senders,
//! throttle) and sends through `scf::sms`, so the outbox, receipts and limits are the same; the
//! delivery reports are written here for the notices task (`app::notices`). Must not know: the
//! store, SMPP.

pub(crate) mod kannel;
