//! The Payment operations over SOAP (ES 202 391-6): one function per operation, named after it, each
//! decoding its `payment_xml` request, calling the `scf::payment` function of the same name, and
//! writing the response.
//!
//! Must not know: authentication, faults, the store. Errors go back as [`Failure`] for
//! [`super::super::map`] to render.

use rust_decimal::Decimal;

use crate::framework::{Operation, Permit, Service};
use crate::http::{Report, ReportedBody};
use crate::scf::payment as scf;
use crate::scf::{Scf, ScfError};
use crate::soap::SoapVersion;
use crate::soap::payment_xml::{self as px, PaymentInterface};
use crate::soap::xml::{InvalidPart, decode};

/// One Payment endpoint: the service (for operation lookup) and its interface (namespaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub(super) service: Service,
    pub(super) interface: PaymentInterface,
}

impl Endpoint {
    /// The endpoint at a published path `/{Service}Service/services/{Port}`; the port is named
    /// after the interface.
    pub(super) fn for_path(path: &str) -> Option<Self> {
        let port = path.rsplit('/').next()?;
        let service = Service::ALL.into_iter().find(|s| s.name() == port)?;
        let interface = match service {
            Service::AmountCharging => PaymentInterface::Amount,
            Service::VolumeCharging => PaymentInterface::Volume,
            Service::ReserveAmountCharging => PaymentInterface::ReserveAmount,
            Service::ReserveVolumeCharging => PaymentInterface::ReserveVolume,
            _ => return None,
        };
        Some(Self { service, interface })
    }
}

/// A successful call: the response envelope and the money it moved (minor units, currency), for
/// the usage records. Shared by every SOAP endpoint's binding.
pub(super) struct Reply {
    body: Vec<u8>,
    pub(super) amount: Option<(i64, &'static str)>,
    /// Told whether the envelope was handed to the connection in full (getReceivedSms).
    report: Option<Report>,
}

impl Reply {
    pub(super) fn plain(body: Vec<u8>) -> Self {
        Self::counted(body, None)
    }

    /// A reply that moved `amount` (minor units, currency) or nothing.
    pub(super) fn counted(body: Vec<u8>, amount: Option<(i64, &'static str)>) -> Self {
        Self {
            body,
            amount,
            report: None,
        }
    }

    /// A reply to a call that moved `charged`; `sign` is -1 for refunds. A replayed request moved
    /// nothing this time.
    fn moved(body: Vec<u8>, charged: &scf::Charged, sign: i64) -> Self {
        let amount = (!charged.replayed)
            .then(|| charged.currency.to_minor(charged.amount).ok())
            .flatten()
            .map(|minor| (sign * minor, charged.currency.code()));
        Self::counted(body, amount)
    }

    /// A reply whose fate `report` is told: written in full, or not.
    pub(super) fn reported(body: Vec<u8>, report: Report) -> Self {
        Self {
            report: Some(report),
            ..Self::plain(body)
        }
    }

    /// The HTTP body.
    pub(super) fn into_body(self) -> axum::body::Body {
        match self.report {
            Some(report) => axum::body::Body::new(ReportedBody::new(self.body, report)),
            None => self.body.into(),
        }
    }
}

/// Why a call did not succeed.
pub(super) enum Failure {
    /// The payload did not decode (SVC0002).
    Invalid(InvalidPart),
    /// The service function refused or failed.
    Scf(ScfError),
}

impl From<InvalidPart> for Failure {
    fn from(e: InvalidPart) -> Self {
        Self::Invalid(e)
    }
}

impl From<ScfError> for Failure {
    fn from(e: ScfError) -> Self {
        Self::Scf(e)
    }
}

type Answer = Result<Reply, Failure>;

/// Runs the permitted operation on `payload` (the operation element).
pub(super) async fn call(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    use Operation as O;
    match p.operation() {
        O::ChargeAmount => charge_amount(scf, p, v, payload).await,
        O::RefundAmount => refund_amount(scf, p, v, payload).await,
        O::ChargeVolume => charge_volume(scf, p, v, payload).await,
        O::RefundVolume => refund_volume(scf, p, v, payload).await,
        O::GetAmount => get_amount(scf, p, v, PaymentInterface::Volume, payload).await,
        O::GetReservedVolumeAmount => get_amount(scf, p, v, PaymentInterface::ReserveVolume, payload).await,
        O::ReserveAmount => reserve_amount(scf, p, v, payload).await,
        O::ReserveAdditionalAmount => reserve_additional_amount(scf, p, v, payload).await,
        O::ChargeAmountReservation => charge_amount_reservation(scf, p, v, payload).await,
        O::ReleaseAmountReservation => {
            release_reservation(scf, p, v, PaymentInterface::ReserveAmount, payload).await
        }
        O::ReserveVolume => reserve_volume(scf, p, v, payload).await,
        O::ReserveAdditionalVolume => reserve_additional_volume(scf, p, v, payload).await,
        O::ChargeVolumeReservation => charge_volume_reservation(scf, p, v, payload).await,
        O::ReleaseVolumeReservation => {
            release_reservation(scf, p, v, PaymentInterface::ReserveVolume, payload).await
        }
        other => Err(ScfError::Internal(format!("{other} is not served by a Payment endpoint")).into()),
    }
}

/// `common:ChargingInformation` as the Payment SCF reads it (also sendSms's `charging`).
pub(super) fn charging(c: px::ChargingInformation) -> scf::ChargingInformation {
    scf::ChargingInformation {
        description: c.description,
        currency: c.currency,
        amount: c.amount,
        code: c.code,
    }
}

fn properties(list: Vec<px::Property>) -> Vec<scf::Property> {
    list.into_iter()
        .map(|p| scf::Property {
            name: p.name,
            value: p.value,
        })
        .collect()
}

fn amount_request(r: px::ChargeAmount) -> scf::AmountRequest {
    scf::AmountRequest {
        end_user: r.end_user_identifier,
        charge: charging(r.charge),
        reference_code: r.reference_code,
    }
}

fn volume_request(r: px::ChargeVolume) -> scf::VolumeRequest {
    scf::VolumeRequest {
        end_user: r.end_user_identifier,
        volume: r.volume,
        billing_text: r.billing_text,
        parameters: properties(r.parameters),
        reference_code: r.reference_code,
    }
}

/// AmountCharging.chargeAmount
async fn charge_amount(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let request = amount_request(decode::<px::ChargeAmount>(payload)?);
    let charged = scf.charge_amount(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::Amount, "chargeAmountResponse");
    Ok(Reply::moved(body, &charged, 1))
}

/// AmountCharging.refundAmount
async fn refund_amount(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let request = amount_request(decode::<px::RefundAmount>(payload)?);
    let refunded = scf.refund_amount(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::Amount, "refundAmountResponse");
    Ok(Reply::moved(body, &refunded, -1))
}

/// VolumeCharging.chargeVolume
async fn charge_volume(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let request = volume_request(decode::<px::ChargeVolume>(payload)?);
    let charged = scf.charge_volume(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::Volume, "chargeVolumeResponse");
    Ok(Reply::moved(body, &charged, 1))
}

/// VolumeCharging.refundVolume
async fn refund_volume(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let request = volume_request(decode::<px::RefundVolume>(payload)?);
    let refunded = scf.refund_volume(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::Volume, "refundVolumeResponse");
    Ok(Reply::moved(body, &refunded, -1))
}

/// VolumeCharging.getAmount and ReserveVolumeCharging.getAmount: the price of a volume, as a
/// ChargingInformation whose `amount` is set (the schema's `description` is mandatory, so it is sent
/// empty).
async fn get_amount(scf: &Scf, p: &Permit, v: SoapVersion, i: PaymentInterface, payload: &[u8]) -> Answer {
    let r = decode::<px::GetAmount>(payload)?;
    let query = scf::VolumeQuery {
        end_user: r.end_user_identifier,
        volume: r.volume,
        parameters: properties(r.parameters),
    };
    let amount: Decimal = scf.get_amount(p, &query).await?;
    let result = px::ChargingInformation {
        description: String::new(),
        currency: None,
        amount: Some(amount),
        code: None,
    };
    Ok(Reply::plain(px::get_amount_response(v, i, &result)))
}

/// ReserveAmountCharging.reserveAmount
async fn reserve_amount(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ReserveAmount>(payload)?;
    let request = scf::ReserveAmountRequest {
        end_user: r.end_user_identifier,
        charge: charging(r.charge),
    };
    let id = scf.reserve_amount(p, &request).await?;
    let i = PaymentInterface::ReserveAmount;
    Ok(Reply::plain(px::reservation_response(
        v,
        i,
        "reserveAmountResponse",
        &id,
    )))
}

/// ReserveAmountCharging.reserveAdditionalAmount
async fn reserve_additional_amount(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ReserveAdditionalAmount>(payload)?;
    let request = scf::AdjustAmountRequest {
        reservation_id: r.reservation_identifier,
        charge: charging(r.charge),
    };
    scf.reserve_additional_amount(p, &request).await?;
    let i = PaymentInterface::ReserveAmount;
    Ok(Reply::plain(px::empty_response(
        v,
        i,
        "reserveAdditionalAmountResponse",
    )))
}

/// ReserveAmountCharging.chargeReservation
async fn charge_amount_reservation(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ChargeAmountReservation>(payload)?;
    let request = scf::ChargeAmountReservationRequest {
        reservation_id: r.reservation_identifier,
        charge: charging(r.charge),
        reference_code: r.reference_code,
    };
    let charged = scf.charge_amount_reservation(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::ReserveAmount, "chargeReservationResponse");
    Ok(Reply::moved(body, &charged, 1))
}

/// `releaseReservation` of ReserveAmountCharging and ReserveVolumeCharging.
async fn release_reservation(
    scf: &Scf,
    p: &Permit,
    v: SoapVersion,
    i: PaymentInterface,
    payload: &[u8],
) -> Answer {
    let r = decode::<px::ReleaseReservation>(payload)?;
    scf.release_reservation(p, &r.reservation_identifier).await?;
    Ok(Reply::plain(px::empty_response(
        v,
        i,
        "releaseReservationResponse",
    )))
}

/// ReserveVolumeCharging.reserveVolume
async fn reserve_volume(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ReserveVolume>(payload)?;
    let request = scf::ReserveVolumeRequest {
        end_user: r.end_user_identifier,
        volume: r.volume,
        billing_text: r.billing_text,
        parameters: properties(r.parameters),
    };
    let id = scf.reserve_volume(p, &request).await?;
    let i = PaymentInterface::ReserveVolume;
    Ok(Reply::plain(px::reservation_response(
        v,
        i,
        "reserveVolumeResponse",
        &id,
    )))
}

/// ReserveVolumeCharging.reserveAdditionalVolume
async fn reserve_additional_volume(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ReserveAdditionalVolume>(payload)?;
    let request = scf::AdjustVolumeRequest {
        reservation_id: r.reservation_identifier,
        volume: r.volume,
        billing_text: r.billing_text,
        parameters: properties(r.parameters),
    };
    scf.reserve_additional_volume(p, &request).await?;
    let i = PaymentInterface::ReserveVolume;
    Ok(Reply::plain(px::empty_response(
        v,
        i,
        "reserveAdditionalVolumeResponse",
    )))
}

/// ReserveVolumeCharging.chargeReservation
async fn charge_volume_reservation(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<px::ChargeVolumeReservation>(payload)?;
    let request = scf::ChargeVolumeReservationRequest {
        reservation_id: r.reservation_identifier,
        volume: r.volume,
        billing_text: r.billing_text,
        reference_code: r.reference_code,
        parameters: properties(r.parameters),
    };
    let charged = scf.charge_volume_reservation(p, &request).await?;
    let body = px::empty_response(v, PaymentInterface::ReserveVolume, "chargeReservationResponse");
    Ok(Reply::moved(body, &charged, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_path_has_an_endpoint() {
        let endpoints: Vec<Service> = crate::soap::wsdl::service_paths()
            .map(|path| Endpoint::for_path(path).map(|e| e.service))
            .collect::<Option<_>>()
            .unwrap();
        assert_eq!(
            endpoints,
            [
                Service::AmountCharging,
                Service::VolumeCharging,
                Service::ReserveAmountCharging,
                Service::ReserveVolumeCharging
            ]
        );
        assert_eq!(Endpoint::for_path("/SendSmsService/services/SendSms"), None);
    }
}
