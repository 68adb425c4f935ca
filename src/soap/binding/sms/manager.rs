//! SmsNotificationManager over SOAP (ES 202 391-4 §8.4): startSmsNotification and
//! stopSmsNotification, each decoding its `sms_xml` request and calling the `scf::sms` function of
//! the same name. Notifications are written for SOAP (notifySmsReception, `reception`).

use super::{Answer, reply};
use crate::framework::Permit;
use crate::scf::Scf;
use crate::scf::sms::{NotifyFormat, StartSmsNotification};
use crate::soap::SoapVersion;
use crate::soap::sms_xml as sx;
use crate::soap::xml::decode;

/// SmsNotificationManager.startSmsNotification
pub(super) async fn start_sms_notification(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<sx::StartSmsNotification>(payload)?;
    let request = StartSmsNotification {
        endpoint: r.reference.endpoint,
        correlator: r.reference.correlator,
        activation_number: r.sms_service_activation_number,
        criteria: r.criteria,
        format: NotifyFormat::Soap,
        callback_data: None,
    };
    scf.start_sms_notification(p, &request).await?;
    Ok(reply(sx::manager_response(v, "startSmsNotificationResponse")))
}

/// SmsNotificationManager.stopSmsNotification
pub(super) async fn stop_sms_notification(scf: &Scf, p: &Permit, v: SoapVersion, payload: &[u8]) -> Answer {
    let r = decode::<sx::StopSmsNotification>(payload)?;
    scf.stop_sms_notification(p, &r.correlator).await?;
    Ok(reply(sx::manager_response(v, "stopSmsNotificationResponse")))
}
