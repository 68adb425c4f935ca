//! Every operation the gateway offers, listed once.
//!
//! [`Operation`] is used for dispatch, authorization (service agreements name operations, services
//! or groups of services), throttle keys and metric labels. Names are the Parlay X ones:
//! `Service.operation`, e.g. `AmountCharging.chargeAmount`.

use std::fmt;

/// A group of services an agreement can grant at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Parlay X Part 6: amount, volume and reservation charging.
    Payment,
    /// Parlay X Part 7, plus the account-monitoring extension.
    AccountManagement,
    /// Parlay X Part 4: send, receive, notification management.
    Sms,
    /// Adding money to an account (`balanceUpdate`, `voucherUpdate`): granted only by name,
    /// never through `*`, `AccountManagement` or a service scope, since it mints credit.
    Credit,
    /// Scheduled bulk messages (pxgate extension): granted only by name, never through `*`,
    /// since one call reaches many subscribers.
    Campaigns,
}

/// A Parlay X interface (one SOAP endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// `AmountCharging`
    AmountCharging,
    /// `VolumeCharging`
    VolumeCharging,
    /// `ReserveAmountCharging`
    ReserveAmountCharging,
    /// `ReserveVolumeCharging`
    ReserveVolumeCharging,
    /// `AccountManagement`
    AccountManagement,
    /// `AccountNotificationManager` (pxgate extension)
    AccountNotificationManager,
    /// `SendSms`
    SendSms,
    /// `ReceiveSms`
    ReceiveSms,
    /// `SmsNotificationManager`
    SmsNotificationManager,
    /// `SmsCampaign` (pxgate extension, REST only)
    SmsCampaign,
}

impl Service {
    /// Every service.
    pub const ALL: [Self; 10] = [
        Self::AmountCharging,
        Self::VolumeCharging,
        Self::ReserveAmountCharging,
        Self::ReserveVolumeCharging,
        Self::AccountManagement,
        Self::AccountNotificationManager,
        Self::SendSms,
        Self::ReceiveSms,
        Self::SmsNotificationManager,
        Self::SmsCampaign,
    ];

    /// The interface name, as in the WSDL.
    pub fn name(self) -> &'static str {
        match self {
            Self::AmountCharging => "AmountCharging",
            Self::VolumeCharging => "VolumeCharging",
            Self::ReserveAmountCharging => "ReserveAmountCharging",
            Self::ReserveVolumeCharging => "ReserveVolumeCharging",
            Self::AccountManagement => "AccountManagement",
            Self::AccountNotificationManager => "AccountNotificationManager",
            Self::SendSms => "SendSms",
            Self::ReceiveSms => "ReceiveSms",
            Self::SmsNotificationManager => "SmsNotificationManager",
            Self::SmsCampaign => "SmsCampaign",
        }
    }

    /// The group the service belongs to.
    pub fn group(self) -> Group {
        match self {
            Self::AmountCharging
            | Self::VolumeCharging
            | Self::ReserveAmountCharging
            | Self::ReserveVolumeCharging => Group::Payment,
            Self::AccountManagement | Self::AccountNotificationManager => Group::AccountManagement,
            Self::SendSms | Self::ReceiveSms | Self::SmsNotificationManager => Group::Sms,
            Self::SmsCampaign => Group::Campaigns,
        }
    }
}

impl Group {
    /// The name agreements use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Payment => "Payment",
            Self::AccountManagement => "AccountManagement",
            Self::Sms => "SMS",
            Self::Credit => "Credit",
            Self::Campaigns => "Campaigns",
        }
    }
}

macro_rules! operations {
    ($($variant:ident => $service:ident . $op:literal),* $(,)?) => {
        /// One operation of one service.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            $(
                #[doc = concat!("`", stringify!($service), ".", $op, "`")]
                $variant,
            )*
        }

        impl Operation {
            /// Every operation.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The service it belongs to.
            pub fn service(self) -> Service {
                match self { $(Self::$variant => Service::$service),* }
            }

            /// The Parlay X operation name (the SOAP body element), e.g. `chargeAmount`.
            pub fn local_name(self) -> &'static str {
                match self { $(Self::$variant => $op),* }
            }

            /// `Service.operation`, the name agreements, usage records and metrics use.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => concat!(stringify!($service), ".", $op)),* }
            }
        }
    };
}

operations! {
    ChargeAmount => AmountCharging."chargeAmount",
    RefundAmount => AmountCharging."refundAmount",
    ChargeVolume => VolumeCharging."chargeVolume",
    GetAmount => VolumeCharging."getAmount",
    RefundVolume => VolumeCharging."refundVolume",
    ReserveAmount => ReserveAmountCharging."reserveAmount",
    ReserveAdditionalAmount => ReserveAmountCharging."reserveAdditionalAmount",
    ChargeAmountReservation => ReserveAmountCharging."chargeReservation",
    ReleaseAmountReservation => ReserveAmountCharging."releaseReservation",
    GetReservedVolumeAmount => ReserveVolumeCharging."getAmount",
    ReserveVolume => ReserveVolumeCharging."reserveVolume",
    ReserveAdditionalVolume => ReserveVolumeCharging."reserveAdditionalVolume",
    ChargeVolumeReservation => ReserveVolumeCharging."chargeReservation",
    ReleaseVolumeReservation => ReserveVolumeCharging."releaseReservation",
    GetBalance => AccountManagement."getBalance",
    GetCreditExpiryDate => AccountManagement."getCreditExpiryDate",
    BalanceUpdate => AccountManagement."balanceUpdate",
    VoucherUpdate => AccountManagement."voucherUpdate",
    GetHistory => AccountManagement."getHistory",
    GetBalanceTypes => AccountManagement."getBalanceTypes",
    StartAccountNotification => AccountNotificationManager."startAccountNotification",
    StopAccountNotification => AccountNotificationManager."stopAccountNotification",
    SendSms => SendSms."sendSms",
    SendSmsLogo => SendSms."sendSmsLogo",
    SendSmsRingtone => SendSms."sendSmsRingtone",
    GetSmsDeliveryStatus => SendSms."getSmsDeliveryStatus",
    GetReceivedSms => ReceiveSms."getReceivedSms",
    StartSmsNotification => SmsNotificationManager."startSmsNotification",
    StopSmsNotification => SmsNotificationManager."stopSmsNotification",
    CreateCampaign => SmsCampaign."createCampaign",
    GetCampaign => SmsCampaign."getCampaign",
    UpdateCampaign => SmsCampaign."updateCampaign",
}

impl Operation {
    /// The operation of `service` whose body element is `local_name`.
    pub fn find(service: Service, local_name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.service() == service && op.local_name() == local_name)
    }

    /// Whether this operation moves money on a subscriber's account.
    pub fn moves_money(self) -> bool {
        matches!(self.service().group(), Group::Payment)
            && !matches!(self, Self::GetAmount | Self::GetReservedVolumeAmount)
            || self.is_credit()
    }

    /// Whether this operation adds money to an account (the `Credit` grant).
    pub fn is_credit(self) -> bool {
        matches!(self, Self::BalanceUpdate | Self::VoucherUpdate)
    }

    /// Whether only a scope that names it (its group, its service or itself) grants it, never
    /// `*`: the credits, and the campaigns.
    pub fn granted_only_by_name(self) -> bool {
        self.is_credit() || self.service().group() == Group::Campaigns
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an agreement grants or a rate applies to: everything, a group, a service, or one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `*`
    All,
    /// `Payment`, `AccountManagement`, `SMS`
    Group(Group),
    /// `AmountCharging`, `SendSms`, …
    Service(Service),
    /// `AmountCharging.chargeAmount`, …
    Operation(Operation),
}

impl Scope {
    /// Parses a scope name; `None` if it names nothing the gateway has.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "*" {
            return Some(Self::All);
        }
        if let Some(g) = [
            Group::Payment,
            Group::AccountManagement,
            Group::Sms,
            Group::Credit,
            Group::Campaigns,
        ]
        .into_iter()
        .find(|g| g.name() == s)
        {
            return Some(Self::Group(g));
        }
        if let Some(svc) = Service::ALL.into_iter().find(|svc| svc.name() == s) {
            return Some(Self::Service(svc));
        }
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.name() == s)
            .map(Self::Operation)
    }

    /// Whether the scope covers `op` (for rates: `AccountManagement` covers its credits too).
    pub fn covers(self, op: Operation) -> bool {
        match self {
            Self::All => true,
            Self::Group(Group::Credit) => op.is_credit(),
            Self::Group(g) => op.service().group() == g,
            Self::Service(s) => op.service() == s,
            Self::Operation(o) => o == op,
        }
    }

    /// Whether an agreement allowing this scope grants `op`: credits only by `Credit` or by
    /// their names; campaigns by any scope that names them (`Campaigns`, `SmsCampaign`, one
    /// operation), never by `*`.
    pub fn grants(self, op: Operation) -> bool {
        if !self.covers(op) {
            return false;
        }
        match self {
            Self::All => !op.granted_only_by_name(),
            Self::Group(Group::Credit) | Self::Operation(_) => true,
            Self::Group(_) | Self::Service(_) => !op.is_credit(),
        }
    }

    /// More specific scopes win when several rates cover one operation.
    pub fn specificity(self) -> u8 {
        match self {
            Self::All => 0,
            Self::Group(_) => 1,
            Self::Service(_) => 2,
            Self::Operation(_) => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names: Vec<&str> = Operation::ALL.iter().map(|o| o.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Operation::ALL.len());
        for op in Operation::ALL {
            assert_eq!(Scope::parse(op.name()), Some(Scope::Operation(*op)));
            assert_eq!(Operation::find(op.service(), op.local_name()), Some(*op));
        }
    }

    #[test]
    fn scopes_cover_what_they_name() {
        let pay = Scope::parse("Payment").unwrap();
        assert!(pay.covers(Operation::ChargeAmount) && pay.covers(Operation::ReleaseVolumeReservation));
        assert!(!pay.covers(Operation::SendSms));
        assert!(Scope::parse("SMS").unwrap().covers(Operation::GetReceivedSms));
        assert!(Scope::parse("SendSms").unwrap().covers(Operation::SendSmsLogo));
        assert!(!Scope::parse("SendSms").unwrap().covers(Operation::GetReceivedSms));
        assert!(Scope::parse("*").unwrap().covers(Operation::GetBalance));
        assert_eq!(Scope::parse("AmountCharging.nothing"), None);
        assert_eq!(
            Operation::find(Service::ReserveVolumeCharging, "chargeReservation"),
            Some(Operation::ChargeVolumeReservation)
        );
    }

    #[test]
    fn credits_are_granted_only_by_name() {
        for broad in ["*", "AccountManagement"] {
            let scope = Scope::parse(broad).unwrap();
            assert!(scope.grants(Operation::GetBalance));
            assert!(!scope.grants(Operation::BalanceUpdate) && !scope.grants(Operation::VoucherUpdate));
            assert!(
                scope.covers(Operation::BalanceUpdate),
                "rates of {broad} still count credits"
            );
        }
        let credit = Scope::parse("Credit").unwrap();
        assert!(credit.grants(Operation::BalanceUpdate) && credit.grants(Operation::VoucherUpdate));
        assert!(!credit.grants(Operation::GetBalance));
        let one = Scope::parse("AccountManagement.balanceUpdate").unwrap();
        assert!(one.grants(Operation::BalanceUpdate) && !one.grants(Operation::VoucherUpdate));
    }

    #[test]
    fn campaigns_are_granted_only_by_a_scope_that_names_them() {
        for broad in ["*", "SMS", "SendSms"] {
            let scope = Scope::parse(broad).unwrap();
            assert!(!scope.grants(Operation::CreateCampaign), "{broad}");
        }
        for named in ["Campaigns", "SmsCampaign", "SmsCampaign.createCampaign"] {
            assert!(
                Scope::parse(named).unwrap().grants(Operation::CreateCampaign),
                "{named}"
            );
        }
        assert!(
            !Scope::parse("SmsCampaign.getCampaign")
                .unwrap()
                .grants(Operation::CreateCampaign)
        );
        assert!(
            Scope::parse("*").unwrap().covers(Operation::CreateCampaign),
            "rates of * count them"
        );
    }

    #[test]
    fn money_moving_operations_are_known() {
        assert!(Operation::ChargeAmount.moves_money());
        assert!(Operation::BalanceUpdate.moves_money());
        assert!(!Operation::GetAmount.moves_money());
        assert!(!Operation::SendSms.moves_money());
    }
}
