//! [`SmsBatchStore`](crate::store::sms::batch::SmsBatchStore): the steps of `queue_sms`,
//! `mark_submitted` and `apply_receipt` (`insert_parts`, `submitted_in`, `receipt_in`, which those
//! single-row operations in `sms_store.rs` also use), run for a whole batch inside one write
//! transaction, so a batch costs one `BEGIN`/`COMMIT` and one sync instead of one per part.

/// Implements `SmsBatchStore` for a backend type that has `insert_parts` (`impl_charged_queue!`),
/// with the backend's claim statement.
macro_rules! impl_sms_batch {
    ($store:ty, $claim:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::sms::batch::SmsBatchStore for $store {
            async fn queue_sms_batch(
                &self,
                batch: &[$crate::store::sms::NewSms],
                now_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                for sms in batch {
                    self.insert_parts(&mut tx, sms, now_ms).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_sms_outcomes(
                &self,
                outcomes: &[$crate::store::sms::batch::SmsOutcome],
                claim: Option<$crate::store::sms::batch::SmsClaim>,
                now_ms: i64,
            ) -> Result<Vec<$crate::store::sms::OutboxRow>, $crate::store::StoreError> {
                use $crate::store::sms::batch::SmsOutcome;
                let mut tx = self.begin_write().await?;
                for outcome in outcomes {
                    match outcome {
                        SmsOutcome::Submitted { id, smsc_id, raw } => {
                            self.submitted_in(&mut tx, *id, smsc_id, raw, now_ms)
                                .await?;
                        }
                        SmsOutcome::Receipt { smsc_id, status } => {
                            self.receipt_in(&mut tx, smsc_id, status.as_str(), now_ms)
                                .await?;
                        }
                    }
                }
                let mut rows = match claim {
                    Some(c) => {
                        sqlx::query_as::<_, $crate::store::sms::OutboxRow>($claim)
                            .bind(c.claimed_until)
                            .bind(now_ms)
                            .bind(c.limit)
                            .fetch_all(&mut *tx)
                            .await?
                    }
                    None => Vec::new(),
                };
                tx.commit().await?;
                // RETURNING has no order: parts go out in the order they were queued.
                rows.sort_by_key(|r| r.id);
                Ok(rows)
            }
        }

        impl $store {
            /// `mark_submitted` inside `tx`: the row moves, and a receipt kept because it came
            /// first is applied.
            async fn submitted_in(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                id: i64,
                smsc_id: &str,
                raw: &str,
                now_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::sms_store as q;
                sqlx::query(q::MARK_SUBMITTED)
                    .bind(id)
                    .bind(smsc_id)
                    .bind(raw)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?;
                let early: Option<String> = sqlx::query_scalar(q::TAKE_EARLY_RECEIPT)
                    .bind(smsc_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                if let Some(status) = early {
                    self.receipt_in(tx, smsc_id, &status, now_ms).await?;
                }
                Ok(())
            }

            /// `apply_receipt` inside `tx`: a receipt for an id not recorded yet is kept. Answers
            /// the rows it moved.
            async fn receipt_in(
                &self,
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::sql::Backend>::Db>,
                smsc_id: &str,
                status: &str,
                now_ms: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                use $crate::store::sql::sms_store as q;
                let updated = sqlx::query(q::APPLY_RECEIPT)
                    .bind(smsc_id)
                    .bind(status)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    sqlx::query(q::KEEP_EARLY_RECEIPT)
                        .bind(smsc_id)
                        .bind(status)
                        .bind(now_ms)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(updated)
            }
        }
    };
}
pub(crate) use impl_sms_batch;
