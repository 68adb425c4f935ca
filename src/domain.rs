//! Domain values shared by every layer: subscriber numbers, money, time.
//!
//! These types validate themselves when they are built, so a value that exists is a valid value: an
//! [`Msisdn`] is always E.164, a [`Money`] amount always fits its currency's minor unit. Nothing here
//! knows about XML, JSON or SQL.

pub mod actor;
pub mod clock;
pub mod exception;
pub mod money;
pub mod msisdn;

pub use clock::{Clock, Locale, ManualClock, Moment, SystemClock};
pub use exception::{Exception, ExceptionKind};
pub use money::{Currency, Money, MoneyError};
pub use msisdn::{Msisdn, MsisdnError};
